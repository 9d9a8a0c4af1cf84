import { describe, expect, it } from "vitest";
import { call, getSession, newSessionId, send } from "./support/api";
import { TestSocket } from "./support/socket";
import { readSse } from "./support/sse";

/** The fields both transports carry: the body of `POST /api/chat` and a socket `send` frame. */
function transcript(sessionId: string, last: unknown, trigger = "submit-message") {
  return { id: sessionId, trigger, messageId: undefined, messages: [last] };
}

const user = (parts: unknown, extra: Record<string, unknown> = {}) => ({
  id: `u-${crypto.randomUUID().slice(0, 8)}`,
  role: "user",
  parts,
  ...extra,
});
const text = (value: string) => [{ type: "text", text: value }];

/** Metadata nested `levels` deep: `{ a: { a: ... } }`, built as JSON text (no recursion here either). */
function nested(levels: number): unknown {
  return JSON.parse(`${'{"a":'.repeat(levels)}1${"}".repeat(levels)}`);
}

/**
 * Every input rule lives in one function (src/protocol/chat-request.ts) that both transports call: the
 * same bad message gets the same code over HTTP and over the socket, and neither stores anything.
 */
const CASES: Array<[string, unknown, number, string]> = [
  ["an empty text", user(text("")), 400, "invalid_request"],
  ["blank text", user(text("  \n\t ")), 400, "invalid_request"],
  ["40,000 characters", user(text("x".repeat(40_000))), 413, "message_too_large"],
  ["a part that is neither text nor a file", user([{ type: "reasoning", text: "I think" }]), 400, "invalid_request"],
  [
    "a file that is not a data URL or an upload",
    user([{ type: "file", mediaType: "image/png", url: "https://example.com/x.png" }]),
    400,
    "invalid_file",
  ],
  [
    "a PNG declared as JPEG",
    user([{ type: "file", mediaType: "image/jpeg", url: "data:image/png;base64,iVBORw0KGgoAAAA=" }]),
    415,
    "file_type_mismatch",
  ],
  ["no parts", user([]), 400, "invalid_request"],
  ["an assistant message last", { id: "a-1", role: "assistant", parts: text("hi") }, 400, "invalid_request"],
  ["metadata nested 5,000 levels", user(text("deep"), { metadata: nested(5_000) }), 400, "invalid_request"],
  ["metadata nested 33 levels", user(text("deep"), { metadata: nested(33) }), 400, "invalid_request"],
  ["3,000,000 characters of metadata", user(text("big"), { metadata: { note: "m".repeat(3_000_000) } }), 413, "message_too_large"],
  ["17 KB of metadata", user(text("big"), { metadata: { note: "m".repeat(17 * 1024) } }), 413, "message_too_large"],
];

describe("one set of input rules for every transport", () => {
  it("the same bad message gets the same code over HTTP and over the socket, and changes nothing", async () => {
    const id = newSessionId();
    await readSse((await send(id, "baseline fake:text tokens=2")).body!);
    const before = (await getSession(id)).body;
    const socket = await TestSocket.open(id);

    for (const [name, message, status, code] of CASES) {
      const body = transcript(id, message);
      const http = await call("/api/chat", { method: "POST", json: body });
      expect(http.status, name).toBe(status);
      expect((await http.json<any>()).error.code, name).toBe(code);

      const requestId = `r-${crypto.randomUUID().slice(0, 8)}`;
      socket.send({ type: "send", requestId, ...body, headers: {}, body: {}, metadata: undefined });
      const frames = await socket.untilRequestEnds(requestId);
      expect(frames, name).toEqual([{ type: "error", requestId, errorText: expect.stringMatching(new RegExp(`^${code}: `)) }]);
    }

    const after = (await getSession(id)).body;
    expect(after.messages).toEqual(before.messages);
    expect(after.sequences).toEqual(before.sequences);
    expect(after.session.updatedAt).toBe(before.session.updatedAt);
    expect(socket.closed).toBeUndefined();
  });

  it("a valid message keeps its metadata on either transport, within the bounds", async () => {
    const id = newSessionId();
    const metadata = { source: "parity", depth: nested(31), note: "n".repeat(1000) };
    const viaHttp = user(text("over http fake:text tokens=2"), { metadata });
    await readSse((await call("/api/chat", { method: "POST", json: transcript(id, viaHttp) })).body!);

    const socket = await TestSocket.open(id);
    const viaSocket = user(text("over the socket fake:text tokens=2"), { metadata });
    socket.send({ type: "send", requestId: "ok", ...transcript(id, viaSocket), headers: {}, body: {}, metadata: undefined });
    const frames = await socket.untilRequestEnds("ok");
    expect(frames.at(-1)).toEqual({ type: "end", requestId: "ok" });

    const stored = (await getSession(id)).body.messages;
    const users = stored.filter((m: { role: string }) => m.role === "user");
    expect(users).toEqual([
      { id: viaHttp.id, role: "user", metadata, parts: text("over http fake:text tokens=2") },
      { id: viaSocket.id, role: "user", metadata, parts: text("over the socket fake:text tokens=2") },
    ]);
  });
});

describe("creating a session takes JSON or nothing", () => {
  it("a chunked body without Content-Type is 415 and creates nothing", async () => {
    const list = async () => ((await (await call("/api/sessions?limit=100")).json<any>()).sessions as { id: string }[]).map((s) => s.id);
    const before = await list();
    const chunked = new ReadableStream<Uint8Array>({
      start(controller) {
        controller.enqueue(new TextEncoder().encode('{"id":"from-a-stream"}'));
        controller.close();
      },
    });
    const res = await call("/api/sessions", { method: "POST", body: chunked });
    expect(res.status).toBe(415);
    expect((await res.json<any>()).error.code).toBe("unsupported_media_type");
    const textBody = await call("/api/sessions", { method: "POST", body: "id=x", headers: { "content-type": "text/plain" } });
    expect(textBody.status).toBe(415);
    expect(await list()).toEqual(before);
    // No body at all still creates one, as documented.
    const empty = await call("/api/sessions", { method: "POST" });
    expect(empty.status).toBe(201);
  });
});
