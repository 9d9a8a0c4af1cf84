import { validateUIMessages } from "ai";
import { describe, expect, it } from "vitest";
import { call, getSession, newSessionId, send } from "./support/api";
import { assembleChunks, readSse } from "./support/sse";

async function waitForRunning(id: string, minCursor = 2) {
  for (let i = 0; i < 500; i++) {
    const { body } = await getSession(id);
    if (body.activeStream && body.activeStream.cursor >= minCursor) return body;
    await new Promise((r) => setTimeout(r, 10));
  }
  throw new Error("turn never became visible as running");
}

describe("one turn at a time", () => {
  it("two sends at the same moment: exactly one turn, the other 409 stream_already_active, sequences dense", async () => {
    const id = newSessionId();
    await readSse((await send(id, "warm up fake:text tokens=2")).body!);
    const [a, b] = await Promise.all([send(id, "one fake:text tokens=20 rate=50"), send(id, "two fake:text tokens=20 rate=50")]);
    const statuses = [a.status, b.status].sort();
    expect(statuses).toEqual([200, 409]);
    const refused = a.status === 409 ? a : b;
    const accepted = a.status === 409 ? b : a;
    expect(await refused.json<any>()).toEqual({ error: { code: "stream_already_active", message: expect.any(String) } });
    await readSse(accepted.body!);

    const { body } = await getSession(id);
    // The refused message was never persisted: two turns, four messages, 0..3.
    expect(body.messages).toHaveLength(4);
    expect(body.sequences).toEqual([0, 1, 2, 3]);
  });

  it("many concurrent sends to a fresh session still yield one turn and dense sequences", async () => {
    const id = newSessionId();
    const results = await Promise.all(Array.from({ length: 8 }, (_, i) => send(id, `burst ${i} fake:text tokens=5 rate=50`)));
    const ok = results.filter((r) => r.status === 200);
    expect(ok).toHaveLength(1);
    for (const r of results.filter((r) => r.status !== 200)) expect((await r.json<any>()).error.code).toBe("stream_already_active");
    await readSse(ok[0]!.body!);
    expect((await getSession(id)).body.sequences).toEqual([0, 1]);
  });
});

describe("stop", () => {
  it("ends the turn with error 'Turn was cancelled' then finish, saves partial output, and frees the session", async () => {
    const id = newSessionId();
    const res = await send(id, "stop me fake:text tokens=400 rate=40");
    const reading = readSse(res.body!);
    await waitForRunning(id, 4);

    const stop = await call(`/api/chat/${id}/stop`, { method: "POST" });
    expect(stop.status).toBe(200);
    expect(await stop.json<any>()).toEqual({ stopped: true });

    const read = await reading;
    const tail = read.chunks.slice(-2);
    expect(tail).toEqual([
      { type: "error", errorText: "Turn was cancelled" },
      { type: "finish", finishReason: "other" },
    ]);
    expect(read.sawDone).toBe(true);

    // Immediately accepts a new message.
    const next = await send(id, "after stop fake:text tokens=2");
    expect(next.status).toBe(200);
    await readSse(next.body!);

    const { body } = await getSession(id);
    const partial = body.messages[1];
    expect(partial).toEqual(await assembleChunks(read.chunks));
    expect(partial.parts.some((p: { type: string; text?: string }) => p.type === "text" && (p.text ?? "").length > 0)).toBe(true);
    await expect(validateUIMessages({ messages: body.messages })).resolves.toBeDefined();
    expect(body.sequences).toEqual([0, 1, 2, 3]);
  });

  it("is idempotent and says whether a turn was stopped", async () => {
    const id = newSessionId();
    await readSse((await send(id, "done already fake:text tokens=2")).body!);
    const res = await call(`/api/chat/${id}/stop`, { method: "POST" });
    expect(await res.json<any>()).toEqual({ stopped: false });
    const again = await call(`/api/chat/${id}/stop`, { method: "POST" });
    expect(await again.json<any>()).toEqual({ stopped: false });
  });

  it("a follower attached when the stop comes also gets error then finish", async () => {
    const id = newSessionId();
    const res = await send(id, "stop with follower fake:text tokens=400 rate=40");
    void res.body!.cancel();
    await waitForRunning(id, 3);
    const follower = readSse((await call(`/api/chat/${id}/stream`)).body!);
    await call(`/api/chat/${id}/stop`, { method: "POST" });
    const read = await follower;
    expect(read.chunks[0]).toMatchObject({ type: "start" });
    expect(read.chunks.slice(-2).map((c) => c.type)).toEqual(["error", "finish"]);
  });
});
