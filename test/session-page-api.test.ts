import { describe, expect, it } from "vitest";
import { call, getSession, newSessionId, send } from "./support/api";
import { captureLogs } from "./support/capture-logs";
import { readSse } from "./support/sse";

/** What the chat page needs from the API: outcomes in history, rename, and the live session list. */

async function waitForRunning(id: string): Promise<void> {
  for (let i = 0; i < 500; i++) {
    const { body } = await getSession(id);
    if (body.activeStream?.cursor > 3) return;
    await new Promise((r) => setTimeout(r, 10));
  }
  throw new Error("the turn never got going");
}

describe("turn outcome in history", () => {
  it("a finished turn's message says so, as streamed", async () => {
    const id = newSessionId();
    const read = await readSse((await send(id, "hi fake:text tokens=3")).body!);
    const outcome = { status: "finished", errorCode: null, errorText: null };
    expect(read.chunks.find((c) => c.type === "message-metadata" && "outcome" in (c.messageMetadata as object))).toEqual({
      type: "message-metadata",
      messageMetadata: { outcome },
    });
    expect(read.chunks.at(-1)).toEqual({ type: "finish", finishReason: "stop" });
    const { body } = await getSession(id);
    expect(body.messages[1].metadata.outcome).toEqual(outcome);
  });

  it("a stopped turn is stored as cancelled, and the stream still ends with error, finish", async () => {
    const id = newSessionId();
    const reading = readSse((await send(id, "stop me fake:text tokens=400 rate=40")).body!);
    await waitForRunning(id);
    await call(`/api/chat/${id}/stop`, { method: "POST" });
    const read = await reading;
    expect(read.chunks.slice(-2).map((c) => c.type)).toEqual(["error", "finish"]);
    const { body } = await getSession(id);
    expect(body.messages[1].metadata.outcome).toEqual({
      status: "cancelled",
      errorCode: "turn_cancelled",
      errorText: "Turn was cancelled",
    });
  });

  it("a failed turn with no text is still in history, with its code and message", async () => {
    const logs = captureLogs(["agent_failure", "turn_failed"]);
    const id = newSessionId();
    await readSse((await send(id, "fake:auth-error")).body!);
    expect(logs.events(id).map((e) => e.event)).toEqual(["agent_failure", "turn_failed"]);
    const { body } = await getSession(id);
    expect(body.messages).toHaveLength(2);
    expect(body.messages[1].role).toBe("assistant");
    expect(body.messages[1].parts.filter((p: { type: string }) => p.type === "text")).toEqual([]);
    expect(body.messages[1].metadata.outcome).toEqual({
      status: "failed",
      errorCode: "upstream_auth_failed",
      errorText: "The model provider rejected the configured API key.",
    });
  });
});

describe("session titles", () => {
  it("are plain text: Markdown in the title model's answer is dropped", async () => {
    const id = newSessionId();
    // The fake title model answers with the first words of the message, Markdown and all.
    await readSse((await send(id, "**Rust** traits `explained` [here](https://example.com) fake:text tokens=2")).body!);
    let title: string | null = null;
    for (let i = 0; i < 100 && title === null; i++) {
      title = (await getSession(id)).body.session.title;
      if (title === null) await new Promise((r) => setTimeout(r, 20));
    }
    expect(title).toBe("Rust traits explained here");
  });
});

describe("PATCH /api/sessions/:id renames", () => {
  it("sets the title for the session and the list; the generated title does not replace it", async () => {
    const user = `renamer-${crypto.randomUUID().slice(0, 6)}`;
    const id = newSessionId();
    await readSse((await send(id, "first words here fake:text tokens=2", { user })).body!);
    const res = await call(`/api/sessions/${id}`, { method: "PATCH", json: { title: "  My **own** name  " }, user });
    expect(res.status).toBe(200);
    expect(((await res.json()) as any).session.title).toBe("My **own** name");
    expect((await getSession(id, user)).body.session.title).toBe("My **own** name");
    let listed: string | undefined;
    for (let i = 0; i < 100; i++) {
      const page = await (await call("/api/sessions", { user })).json<any>();
      listed = page.sessions.find((s: { id: string }) => s.id === id)?.title;
      if (listed === "My **own** name") break;
      await new Promise((r) => setTimeout(r, 20));
    }
    expect(listed).toBe("My **own** name");
  });

  it("refuses bad titles and unknown sessions with stable codes, and changes nothing", async () => {
    const id = newSessionId();
    await readSse((await send(id, "keep my title fake:text tokens=2")).body!);
    let before: string | null = null;
    for (let i = 0; i < 100 && before === null; i++) {
      before = (await getSession(id)).body.session.title;
      if (before === null) await new Promise((r) => setTimeout(r, 20));
    }
    const cases: [unknown, number, string][] = [
      [{ title: "" }, 400, "invalid_request"],
      [{ title: "   " }, 400, "invalid_request"],
      [{ title: "x".repeat(101) }, 400, "invalid_request"],
      [{ title: "two\nlines" }, 400, "invalid_request"],
      [{ title: 7 }, 400, "invalid_request"],
      [{}, 400, "invalid_request"],
    ];
    for (const [json, status, code] of cases) {
      const res = await call(`/api/sessions/${id}`, { method: "PATCH", json });
      expect({ json, status: res.status, code: ((await res.json()) as any).error.code }).toEqual({ json, status, code });
    }
    const notJson = await call(`/api/sessions/${id}`, { method: "PATCH", body: "title=x", headers: { "content-type": "text/plain" } });
    expect(notJson.status).toBe(415);
    const broken = await call(`/api/sessions/${id}`, { method: "PATCH", body: "{", headers: { "content-type": "application/json" } });
    expect(((await broken.json()) as any).error.code).toBe("invalid_json");
    expect((await getSession(id)).body.session.title).toBe(before);

    const missing = await call(`/api/sessions/${newSessionId()}`, { method: "PATCH", json: { title: "x" } });
    expect(missing.status).toBe(404);
    const foreign = await call(`/api/sessions/${id}`, { method: "PATCH", json: { title: "mine now" }, user: "mallory" });
    expect(foreign.status).toBe(404);
    expect((await getSession(id)).body.session.title).toBe(before);
  });
});

describe("GET /api/session-events", () => {
  it("streams the user's session list changes: a new session, its title, a rename, a delete", async () => {
    const user = `watcher-${crypto.randomUUID().slice(0, 6)}`;
    const res = await call("/api/session-events", { user });
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toBe("text/event-stream");
    const reader = res.body!.pipeThrough(new TextDecoderStream()).getReader();
    let buffer = "";
    const events: any[] = [];
    const comments: string[] = [];
    const until = async (done: () => boolean) => {
      while (!done()) {
        const { value, done: ended } = await reader.read();
        if (ended) throw new Error("the event stream ended");
        buffer += value;
        for (let end = buffer.indexOf("\n\n"); end >= 0; end = buffer.indexOf("\n\n")) {
          const frame = buffer.slice(0, end);
          buffer = buffer.slice(end + 2);
          if (frame.startsWith("data: ")) events.push(JSON.parse(frame.slice(6)));
          else if (frame.startsWith(": ")) comments.push(frame.slice(2));
        }
      }
    };
    await until(() => comments.includes("connected"));

    const id = newSessionId();
    await readSse((await send(id, "Watching the list grow fake:text tokens=2", { user })).body!);
    await until(() => events.some((e) => e.type === "upsert" && e.session.id === id && e.session.title !== null));

    await call(`/api/sessions/${id}`, { method: "PATCH", json: { title: "Renamed live" }, user });
    await until(() => events.some((e) => e.type === "upsert" && e.session.title === "Renamed live"));

    // Another user's activity is not in this stream.
    await readSse((await send(newSessionId(), "someone else fake:text tokens=2", { user: `${user}-other` })).body!);
    await call(`/api/sessions/${id}`, { method: "DELETE", user });
    await until(() => events.some((e) => e.type === "remove"));
    expect(events.at(-1)).toEqual({ type: "remove", id });
    expect(events.every((e) => (e.type === "remove" ? e.id : e.session.id) === id)).toBe(true);
    await reader.cancel();
  });

  it("needs a token", async () => {
    const res = await call("/api/session-events", { user: null });
    expect(res.status).toBe(401);
    expect(((await res.json()) as any).error.code).toBe("unauthorized");
  });
});
