import { describe, expect, it, vi } from "vitest";
import { call, getSession, newSessionId, send } from "./support/api";
import { captureLogs } from "./support/capture-logs";
import { readSse } from "./support/sse";

describe("sessions API", () => {
  it("lists the caller's sessions, most recent activity first, with titles, paginated", async () => {
    const user = `lister-${crypto.randomUUID().slice(0, 6)}`;
    const ids = [newSessionId(), newSessionId(), newSessionId()];
    for (const [i, id] of ids.entries()) {
      await readSse((await send(id, `Topic number ${i} about gardening fake:text tokens=2`, { user })).body!);
    }
    // Activity in the first session moves it to the top.
    await readSse((await send(ids[0]!, "more fake:text tokens=2", { user })).body!);

    let page: any;
    for (let i = 0; i < 100; i++) {
      page = await (await call("/api/sessions?limit=2", { user })).json<any>();
      if (page.sessions[0]?.id === ids[0]) break; // index updates are asynchronous
      await new Promise((r) => setTimeout(r, 20));
    }
    expect(page.sessions.map((s: { id: string }) => s.id)).toEqual([ids[0], ids[2]]);
    // Titles come from a small model call on the first message (the fake drops its directive).
    expect(page.sessions[0].title).toBe("Topic number 0 about gardening");
    expect(page.nextCursor).toEqual(expect.any(String));
    const next = await (await call(`/api/sessions?limit=2&cursor=${page.nextCursor}`, { user })).json<any>();
    expect(next.sessions.map((s: { id: string }) => s.id)).toEqual([ids[1]]);
    expect(next.nextCursor).toBeNull();

    // Another user sees none of them.
    const other = await (await call("/api/sessions", { user: `${user}-other` })).json<any>();
    expect(other.sessions).toEqual([]);
  });

  it("gets one session with metadata and history; pages older messages with `before`", async () => {
    const id = newSessionId();
    for (let i = 0; i < 3; i++) await readSse((await send(id, `message ${i} fake:text tokens=2`)).body!);
    const { body } = await getSession(id);
    expect(body.session).toMatchObject({ id });
    expect(body.session.createdAt).toBeLessThanOrEqual(body.session.updatedAt);
    expect(body.messages).toHaveLength(6);
    expect(body.nextBefore).toBeNull();

    const page1 = await (await call(`/api/sessions/${id}?limit=4`)).json<any>();
    expect(page1.sequences).toEqual([2, 3, 4, 5]);
    expect(page1.nextBefore).toBe(2);
    const page2 = await (await call(`/api/sessions/${id}?limit=4&before=${page1.nextBefore}`)).json<any>();
    expect(page2.sequences).toEqual([0, 1]);
    expect(page2.nextBefore).toBeNull();
  });

  it("while a turn runs, leaves the in-flight message out and describes the active stream", async () => {
    const id = newSessionId();
    const res = await send(id, "long one fake:text tokens=300 rate=40");
    const reading = readSse(res.body!);
    let body: any;
    for (let i = 0; i < 300; i++) {
      body = (await getSession(id)).body;
      if (body.activeStream?.cursor > 2) break;
      await new Promise((r) => setTimeout(r, 10));
    }
    expect(body.messages.map((m: { role: string }) => m.role)).toEqual(["user"]);
    expect(body.activeStream).toMatchObject({ messageId: expect.any(String), cursor: expect.any(Number) });
    expect(body.activeStream.message.id).toBe(body.activeStream.messageId);
    await call(`/api/chat/${id}/stop`, { method: "POST" });
    const read = await reading;
    expect(read.chunks[0]).toEqual({ type: "start", messageId: body.activeStream.messageId });
  });

  it("titles a session from its first message with a model call; a failed title call leaves it empty", async () => {
    const logs = captureLogs(["title_failed"]);
    const titled = newSessionId();
    const untitled = newSessionId();
    await readSse((await send(titled, "Plan a weekend trip to Lisbon please fake:text tokens=2")).body!);
    await readSse((await send(untitled, "This title call fails fake:text tokens=2 title=fail")).body!);
    let body: any;
    for (let i = 0; i < 100; i++) {
      body = (await getSession(titled)).body;
      if (body.session.title) break;
      await new Promise((r) => setTimeout(r, 20));
    }
    expect(body.session.title).toBe("Plan a weekend trip to Lisbon");
    // The second message does not rename the session.
    await readSse((await send(titled, "Something else entirely now fake:text tokens=2")).body!);
    expect((await getSession(titled)).body.session.title).toBe("Plan a weekend trip to Lisbon");
    const failed = (await getSession(untitled)).body;
    expect(failed.session.title).toBeNull();
    expect(failed.messages).toHaveLength(2);
    for (let i = 0; i < 100 && logs.events(untitled).length === 0; i++) await new Promise((r) => setTimeout(r, 20));
    expect(logs.events(untitled)).toMatchObject([{ event: "title_failed" }]);
  });

  it("a failed title call is logged with its session, not lost", async () => {
    const logs = vi.spyOn(console, "log").mockImplementation(() => {});
    try {
      const id = newSessionId();
      await readSse((await send(id, "This title call fails too fake:text tokens=2 title=fail")).body!);
      const failure = () =>
        logs.mock.calls
          .map(([line]) => (typeof line === "string" && line.startsWith("{") ? JSON.parse(line) : {}))
          .find((entry) => entry.event === "title_failed" && entry.session === id);
      // The title call runs off the turn's path: wait for it to settle (bounded).
      for (let i = 0; i < 100 && !failure(); i++) await new Promise((r) => setTimeout(r, 20));
      expect(failure()).toMatchObject({ event: "title_failed", session: id, error: expect.stringContaining("500") });
      expect((await getSession(id)).body.session.title).toBeNull();
    } finally {
      logs.mockRestore();
    }
  });

  it("creates a session explicitly, and answers an existing id with 200", async () => {
    const id = newSessionId();
    const res = await call("/api/sessions", { method: "POST", json: { id } });
    expect(res.status).toBe(201);
    const body = await res.json<any>();
    expect(body).toMatchObject({ session: { id, title: null }, messages: [], activeStream: null });
    const again = await call("/api/sessions", { method: "POST", json: { id } });
    expect(again.status).toBe(200);
    const generated = await call("/api/sessions", { method: "POST" });
    expect(generated.status).toBe(201);
    expect((await generated.json<any>()).session.id).toMatch(/^s_/);
  });

  it("deletes a session: stops its turn and removes all of its data", async () => {
    const id = newSessionId();
    const user = `deleter-${crypto.randomUUID().slice(0, 6)}`;
    const res = await send(id, "delete during turn fake:text tokens=300 rate=40", { user });
    const reading = readSse(res.body!);
    for (let i = 0; i < 300; i++) {
      if ((await getSession(id, user)).body.activeStream) break;
      await new Promise((r) => setTimeout(r, 10));
    }
    const del = await call(`/api/sessions/${id}`, { method: "DELETE", user });
    expect(del.status).toBe(200);
    expect(await del.json<any>()).toEqual({ deleted: true });
    const read = await reading;
    expect(read.chunks.at(-1)).toMatchObject({ type: "finish" });

    expect((await getSession(id, user)).status).toBe(404);
    expect((await call(`/api/chat/${id}/stream`, { user })).status).toBe(404);
    expect((await call(`/api/sessions/${id}`, { method: "DELETE", user })).status).toBe(404);
    let listed: any;
    for (let i = 0; i < 100; i++) {
      listed = await (await call("/api/sessions", { user })).json<any>();
      if (listed.sessions.length === 0) break;
      await new Promise((r) => setTimeout(r, 20));
    }
    expect(listed.sessions).toEqual([]);
    // The id can be used again, starting from an empty log.
    const fresh = await send(id, "reborn fake:text tokens=2", { user });
    expect(fresh.status).toBe(200);
    await readSse(fresh.body!);
    expect((await getSession(id, user)).body.sequences).toEqual([0, 1]);
  });

  it("answers another user's session exactly like a missing one (404)", async () => {
    const id = newSessionId();
    await readSse((await send(id, "mine fake:text tokens=2", { user: "owner-1" })).body!);
    const missing = await call(`/api/sessions/${newSessionId()}`, { user: "intruder" });
    const foreign = await call(`/api/sessions/${id}`, { user: "intruder" });
    expect(foreign.status).toBe(404);
    expect(await foreign.json<any>()).toEqual(await missing.json<any>());
    for (const [path, method] of [
      [`/api/chat/${id}/stream`, "GET"],
      [`/api/chat/${id}/stop`, "POST"],
      [`/api/sessions/${id}`, "DELETE"],
    ] as const) {
      expect((await call(path, { method, user: "intruder" })).status).toBe(404);
    }
    // The owner's session is untouched by all of that.
    expect((await getSession(id, "owner-1")).body.messages).toHaveLength(2);
  });
});
