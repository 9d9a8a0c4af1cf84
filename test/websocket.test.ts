import { evictDurableObject } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { WebSocketChatTransport } from "ai";
import { describe, expect, it } from "vitest";
import { call, getSession, newSessionId, ORIGIN, send, tokenFor } from "./support/api";
import { TestChat, WorkerWebSocket } from "./support/chat-client";
import { resumeFrame, sendFrame, TestSocket } from "./support/socket";
import { readSse } from "./support/sse";

function chunksOf(frames: { type: string; sequence?: number; chunk?: unknown }[]) {
  return frames.filter((f) => f.type === "chunk");
}

describe("WebSocket attach (AI SDK WebSocketChatTransport protocol)", () => {
  it("a stock Chat with WebSocketChatTransport sends and gets the answer the server stored", async () => {
    const id = newSessionId();
    const token = await tokenFor("alice");
    const transport = new WebSocketChatTransport({ url: `${ORIGIN}/api/chat/${id}/ws`, params: { token }, webSocket: WorkerWebSocket });
    const chat = new TestChat({ id, transport });
    await chat.sendMessage({ text: "hello over a socket fake:text tokens=15" });
    expect(chat.status).toBe("ready");
    expect(chat.error).toBeUndefined();
    const { body } = await getSession(id);
    expect(chat.messages).toEqual(body.messages);
    expect(body.messages).toHaveLength(2);
    transport.close();
  });

  it("a stock Chat resumes a turn started elsewhere (a reload), through finish", async () => {
    const id = newSessionId();
    const sender = await send(id, "started over HTTP fake:text tokens=60 rate=60");
    const senderRead = readSse(sender.body!);
    const token = await tokenFor("alice");
    const transport = new WebSocketChatTransport({ url: `${ORIGIN}/api/chat/${id}/ws`, params: { token }, webSocket: WorkerWebSocket });
    // A freshly loaded page: history ends at the user message of the in-flight turn.
    const { body } = await getSession(id);
    expect(body.activeStream).not.toBeNull();
    const chat = new TestChat({ id, transport, messages: body.messages });
    await chat.resumeStream();
    await senderRead;
    const stored = (await getSession(id)).body.messages;
    expect(chat.messages).toEqual(stored);
    transport.close();
  });

  it("send: chunks with consecutive sequences from 0, then end; the same chunks an SSE follower gets", async () => {
    const id = newSessionId();
    const socket = await TestSocket.open(id);
    socket.send(sendFrame("r1", id, "compare transports fake:text tokens=30 rate=100"));
    await socket.until((frames) => frames.some((f) => f.requestId === "r1" && f.type === "chunk"));
    const sse = readSse((await call(`/api/chat/${id}/stream`)).body!);
    const frames = await socket.untilRequestEnds("r1");
    const chunks = chunksOf(frames);
    expect(chunks.map((f) => f.sequence)).toEqual(chunks.map((_, i) => i));
    expect(frames.at(-1)).toEqual({ type: "end", requestId: "r1" });
    expect(chunks[0]!.chunk).toMatchObject({ type: "start" });
    expect(chunks.at(-1)!.chunk).toMatchObject({ type: "finish" });
    const sseRead = await sse;
    expect(sseRead.chunks).toEqual(chunks.map((f) => f.chunk));
  });

  it("resume: start, the whole turn (or the part after lastSequence), end; no-active when idle", async () => {
    const id = newSessionId();
    const socket = await TestSocket.open(id);
    socket.send(resumeFrame("idle", id));
    expect(await socket.untilRequestEnds("idle")).toEqual([{ type: "no-active", requestId: "idle" }]);

    const sender = await send(id, "resume me fake:text tokens=60 rate=60");
    const live = readSse(sender.body!);
    socket.send(resumeFrame("full", id));
    // A client that has seen sequences 0..2 asks for the rest.
    await socket.until((frames) => frames.filter((f) => f.requestId === "full" && f.type === "chunk").length > 3);
    socket.send(resumeFrame("tail", id, 2));
    const full = await socket.untilRequestEnds("full");
    const tail = await socket.untilRequestEnds("tail");
    const liveRead = await live;
    expect(full[0]).toEqual({ type: "start", requestId: "full" });
    expect(chunksOf(full).map((f) => f.chunk)).toEqual(liveRead.chunks);
    expect(chunksOf(tail).map((f) => f.sequence)).toEqual(liveRead.chunks.slice(3).map((_, i) => i + 3));
    expect(chunksOf(tail).map((f) => f.chunk)).toEqual(liveRead.chunks.slice(3));
  });

  it("abort stops the turn: error then finish, then end", async () => {
    const id = newSessionId();
    const socket = await TestSocket.open(id);
    socket.send(sendFrame("r1", id, "abort me fake:text tokens=500 rate=50"));
    await socket.until((frames) => chunksOf(frames).length > 3);
    socket.send({ type: "abort", requestId: "r1" });
    const frames = await socket.untilRequestEnds("r1");
    const chunks = chunksOf(frames).map((f) => f.chunk as { type: string });
    expect(chunks.slice(-2)).toEqual([
      { type: "error", errorText: "Turn was cancelled" },
      { type: "finish", finishReason: "other" },
    ]);
    expect((await getSession(id)).body.activeStream).toBeNull();
  });

  it("every socket of the session learns about a turn started elsewhere", async () => {
    const id = newSessionId();
    const watcher = await TestSocket.open(id);
    await readSse((await send(id, "from another tab fake:text tokens=3")).body!);
    const events = await watcher.until((frames) => frames.some((f) => f.type === "turn-ended"));
    const session = events.filter((f) => f.requestId === "session");
    expect(session.map((f) => f.type)).toEqual(["turn-started", "turn-ended"]);
    expect(session[0]!.messageId).toBe(session[1]!.messageId);
  });

  it("two sends at once over sockets: one turn, the other an error frame with stream_already_active", async () => {
    const id = newSessionId();
    const socket = await TestSocket.open(id);
    socket.send(sendFrame("a", id, "first fake:text tokens=20 rate=50"));
    socket.send(sendFrame("b", id, "second fake:text tokens=20 rate=50"));
    const b = await socket.untilRequestEnds("b");
    expect(b).toEqual([{ type: "error", requestId: "b", errorText: expect.stringMatching(/^stream_already_active: /) }]);
    const a = await socket.untilRequestEnds("a");
    expect(a.at(-1)!.type).toBe("end");
    expect((await getSession(id)).body.sequences).toEqual([0, 1]);
  });

  it("hibernation round trip: an idle session with a socket is evicted and wakes on the next frame", async () => {
    const id = newSessionId();
    const socket = await TestSocket.open(id);
    socket.send(sendFrame("before", id, "before sleep fake:text tokens=3"));
    await socket.untilRequestEnds("before");
    const stub = env.CHAT_SESSION.get(env.CHAT_SESSION.idFromName(JSON.stringify(["alice", id])));
    await evictDurableObject(stub, { webSockets: "hibernate" });
    // The socket survived; the object is rebuilt from storage and the attachment when a frame arrives.
    socket.send(sendFrame("after", id, "after sleep fake:text tokens=3"));
    const after = await socket.untilRequestEnds("after");
    expect(after.at(-1)).toEqual({ type: "end", requestId: "after" });
    expect(chunksOf(after)[0]!.chunk).toMatchObject({ type: "start" });
    expect((await getSession(id)).body.sequences).toEqual([0, 1, 2, 3]);
  });

  it("refuses bad frames and foreign sessions; authenticates the upgrade", async () => {
    const id = newSessionId();
    const socket = await TestSocket.open(id);
    socket.send(sendFrame("wrong", "another-session", "hi"));
    expect(await socket.untilRequestEnds("wrong")).toEqual([
      { type: "error", requestId: "wrong", errorText: expect.stringMatching(/^invalid_request: /) },
    ]);
    socket.send({
      type: "send",
      requestId: "bad",
      id,
      trigger: "submit-message",
      messages: [{ id: "x", role: "user", parts: [] }],
      headers: {},
      body: {},
    });
    const bad = await socket.untilRequestEnds("bad");
    expect(bad).toEqual([{ type: "error", requestId: "bad", errorText: expect.stringMatching(/^invalid_request: /) }]);
    // A request id is repeated in every frame of the request, so a long one is refused with the connection.
    const longId = await TestSocket.open(id);
    longId.send(resumeFrame("r".repeat(201), id));
    await longId.until(() => false);
    expect(longId.closed?.code).toBe(1007);
    expect(longId.frames).toEqual([]);
    socket.socket.send("{not json");
    await socket.until(() => false);
    expect(socket.closed?.code).toBe(1007);
    expect((await getSession(id)).status).toBe(404); // nothing was ever persisted

    const noToken = await call(`/api/chat/${id}/ws`, { user: null, headers: { upgrade: "websocket" } });
    expect(noToken.status).toBe(401);
    const notUpgrade = await call(`/api/chat/${id}/ws`);
    expect(notUpgrade.status).toBe(426);
    expect((await notUpgrade.json<any>()).error.code).toBe("upgrade_required");
  });
});
