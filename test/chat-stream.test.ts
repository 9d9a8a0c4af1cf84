import { UI_MESSAGE_STREAM_HEADERS, validateUIMessages } from "ai";
import { describe, expect, it } from "vitest";
import { call, getSession, newSessionId, send, userMessageBody } from "./support/api";
import { assembleChunks, assembleWithSdk, readSse } from "./support/sse";

describe("POST /api/chat streams a turn as the AI SDK UI message stream", () => {
  it("answers with the exact headers, chunk framing, cursor ids and [DONE]", async () => {
    const id = newSessionId();
    const res = await send(id, "Hello there fake:text tokens=12");
    expect(res.status).toBe(200);
    for (const [name, value] of Object.entries(UI_MESSAGE_STREAM_HEADERS)) expect(res.headers.get(name)).toBe(value);

    const read = await readSse(res.body!);
    expect(read.sawDone).toBe(true);
    const types = read.chunks.map((c) => c.type);
    expect(types[0]).toBe("start");
    expect(types.at(-1)).toBe("finish");
    expect(types).toContain("text-delta");
    // Cursors are the SSE ids: dense and increasing, one per chunk.
    expect(read.ids).toEqual(read.ids.map((_, i) => read.ids[0]! + i));
    // Nothing is added to chunk JSON: every key is one the AI SDK schema declares for its type.
    for (const event of read.events) expect(Object.keys(JSON.parse(event.data))).not.toContain("seq");
  });

  it("is parsed by the AI SDK's own parser, and the stored history equals the assembled message", async () => {
    const id = newSessionId();
    const res = await send(id, "Parse me fake:text tokens=20");
    const { chunks, message } = await assembleWithSdk(res.body!);
    expect(chunks[0]).toMatchObject({ type: "start" });
    const start = chunks[0] as { messageId: string };

    const { status, body } = await getSession(id);
    expect(status).toBe(200);
    expect(body.activeStream).toBeNull();
    expect(body.messages).toHaveLength(2);
    expect(body.messages[0]).toMatchObject({ role: "user", parts: [{ type: "text", text: "Parse me fake:text tokens=20" }] });
    expect(body.messages[1].id).toBe(start.messageId);
    expect(body.messages[1]).toEqual(message);
    await expect(validateUIMessages({ messages: body.messages })).resolves.toBeDefined();
    expect(body.sequences).toEqual([0, 1]);
  });

  it("accepts the plain { id, message } body for curl", async () => {
    const id = newSessionId();
    const res = await call("/api/chat", { method: "POST", json: { id, message: "plain text fake:text tokens=3" } });
    expect(res.status).toBe(200);
    const read = await readSse(res.body!);
    expect(read.chunks.at(-1)).toMatchObject({ type: "finish", finishReason: "stop" });
  });

  it("continues the conversation: the second turn's model call sees the first turn", async () => {
    const id = newSessionId();
    await readSse((await send(id, "first fake:text tokens=3")).body!);
    const second = await readSse((await send(id, "second fake:text tokens=3")).body!);
    expect(second.chunks.at(-1)).toMatchObject({ type: "finish" });
    const { body } = await getSession(id);
    expect(body.messages.map((m: { role: string }) => m.role)).toEqual(["user", "assistant", "user", "assistant"]);
    expect(body.sequences).toEqual([0, 1, 2, 3]);
  });

  it("regenerate-message replaces the last answer with a new turn and keeps the log dense", async () => {
    const id = newSessionId();
    const first = await assembleWithSdk((await send(id, "answer twice fake:text tokens=4")).body!);
    const regen = await call("/api/chat", {
      method: "POST",
      json: { ...userMessageBody(id, "answer twice fake:text tokens=4"), trigger: "regenerate-message", messageId: first.message!.id },
    });
    expect(regen.status).toBe(200);
    const second = await assembleWithSdk(regen.body!);
    expect(second.message!.id).not.toBe(first.message!.id);
    const { body } = await getSession(id);
    expect(body.messages.map((m: { id: string }) => m.id)).toEqual([body.messages[0].id, second.message!.id]);
    expect(body.messages[1]).toEqual(second.message);
    // The superseded answer keeps its sequence number (1); the new one is 2: never reused.
    expect(body.sequences).toEqual([0, 2]);
  });

  it("replays a finished turn after a cursor exactly as it was sent live", async () => {
    const id = newSessionId();
    const live = await readSse((await send(id, "replay fake:text tokens=30")).body!);
    const replay = await readSse((await call(`/api/chat/${id}/stream?cursor=${live.ids[0]}`)).body!);
    expect(replay.events).toEqual(live.events.slice(1));
    expect(replay.sawDone).toBe(true);
    expect(await assembleChunks(live.chunks)).toBeDefined();
    // At the end of a finished turn there is nothing more: 204, as for an idle session.
    const atEnd = await call(`/api/chat/${id}/stream?cursor=${live.ids.at(-1)}`);
    expect(atEnd.status).toBe(204);
  });
});
