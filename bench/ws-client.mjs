// A recording WebSocketChatTransport client that resumes a session's running turn. It speaks
// WebSocket over a plain TCP socket (RFC 6455, client side, text frames only), because the load
// generator shares two cores with workerd: 500 clients of Node's WebSocket cost more CPU than the
// server they measure. Raw bytes are kept with their arrival time and split into frames as they
// come (headers only); frame payloads are decoded after the turn.
import { randomBytes } from "node:crypto";
import { connect } from "node:net";
import { performance } from "node:perf_hooks";

const REQUEST_ID = "r1";
const CHUNK_PREFIX = `{"type":"chunk","requestId":"${REQUEST_ID}","sequence":`;
const CHUNK_PREFIX_BYTES = Buffer.from('{"type":"chunk"');

/** One masked client frame (opcode 1 text, 8 close, 10 pong). */
/**
 * The first complete server frame at the start of `buffer` (server frames are never masked), or
 * undefined until it has all arrived. `size`: the bytes it takes, header included.
 * @param {Buffer} buffer @returns {{ opcode: number, payload: Buffer, size: number } | undefined}
 */
export function nextFrame(buffer) {
  if (buffer.length < 2) return undefined;
  let length = buffer[1] & 127;
  let offset = 2;
  if (length === 126) {
    if (buffer.length < 4) return undefined;
    length = buffer.readUInt16BE(2);
    offset = 4;
  } else if (length === 127) {
    if (buffer.length < 10) return undefined;
    length = Number(buffer.readBigUInt64BE(2));
    offset = 10;
  }
  if (buffer.length < offset + length) return undefined;
  return { opcode: buffer[0] & 15, payload: buffer.subarray(offset, offset + length), size: offset + length };
}

/**
 * A client WebSocket over a raw TCP socket: the handshake, then each complete server frame with the
 * time its bytes arrived; pings are answered. `onOpen(head, t)` gets the handshake's response head and
 * returns false to read no further; `onFrame(frame, t)` returns true to read no further.
 * @param {string} url
 * @param {{ onOpen: (head: string, t: number) => boolean, onFrame: (frame: { opcode: number, payload: Buffer, size: number }, t: number) => boolean }} handlers
 */
export function rawWebSocket(url, { onOpen, onFrame }) {
  const { hostname, port, pathname } = new URL(url);
  const socket = connect(Number(port), hostname);
  let handshake = true;
  let buffer = Buffer.alloc(0);
  socket.on("connect", () => {
    const key = randomBytes(16).toString("base64");
    socket.write(
      `GET ${pathname} HTTP/1.1\r\nHost: ${hostname}:${port}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: ${key}\r\nSec-WebSocket-Version: 13\r\n\r\n`,
    );
  });
  socket.on("data", (data) => {
    const t = performance.now();
    buffer = buffer.length === 0 ? data : Buffer.concat([buffer, data]);
    if (handshake) {
      const end = buffer.indexOf("\r\n\r\n");
      if (end === -1) return;
      handshake = false;
      const head = buffer.subarray(0, end).toString();
      buffer = buffer.subarray(end + 4);
      if (!onOpen(head, t)) return;
    }
    for (let next = nextFrame(buffer); next; next = nextFrame(buffer)) {
      buffer = buffer.subarray(next.size);
      if (next.opcode === 9) socket.write(clientFrame(10, next.payload));
      if (onFrame(next, t)) return;
    }
  });
  return socket;
}

export function clientFrame(opcode, payload) {
  const mask = randomBytes(4);
  const length = payload.length;
  let head;
  if (length < 126) head = Buffer.from([0x80 | opcode, 0x80 | length]);
  else if (length < 65536) head = Buffer.from([0x80 | opcode, 0x80 | 126, length >> 8, length & 255]);
  else {
    // 64-bit length: a transcript sent with every request (the peer's protocol) passes 64 KiB.
    head = Buffer.alloc(10);
    head[0] = 0x80 | opcode;
    head[1] = 0x80 | 127;
    head.writeBigUInt64BE(BigInt(length), 2);
  }
  const body = Buffer.from(payload);
  for (let i = 0; i < body.length; i++) body[i] ^= mask[i & 3];
  return Buffer.concat([head, mask, body]);
}

/**
 * A `send` request instead of a `resume`: the client starts the turn itself, as the stock transport
 * does (one user message with `text`).
 */
export const openWsSend = (url, sessionId, text) => openWsResume(url, sessionId, { send: text });

export function openWsResume(url, sessionId, { send } = {}) {
  const rec = {
    url,
    sentAt: performance.now(),
    openAt: 0,
    endAt: 0,
    bytes: 0,
    frames: [],
    times: [],
    outcome: undefined,
    error: undefined,
  };
  let resolveFirst;
  rec.firstData = new Promise((resolve) => (resolveFirst = resolve));
  rec.done = new Promise((resolve) => {
    const finish = (outcome) => {
      if (rec.outcome !== undefined) return;
      rec.outcome = outcome;
      rec.endAt = performance.now();
      resolveFirst(rec);
      resolve(rec);
      socket.end(clientFrame(8, Buffer.from([0x03, 0xe8])));
      socket.destroy();
    };
    const socket = rawWebSocket(url, {
      onOpen(head, t) {
        if (!head.startsWith("HTTP/1.1 101")) {
          finish(`handshake: ${head.split("\r\n")[0]}`);
          return false;
        }
        rec.openAt = t;
        // A send's clock starts when the request leaves, as an HTTP POST's does.
        if (send !== undefined) rec.sentAt = t;
        const request =
          send === undefined
            ? { type: "resume", requestId: REQUEST_ID, id: sessionId, headers: {}, body: {} }
            : {
                type: "send",
                requestId: REQUEST_ID,
                id: sessionId,
                trigger: "submit-message",
                messages: [{ id: `u-${randomBytes(6).toString("hex")}`, role: "user", parts: [{ type: "text", text: send }] }],
                headers: {},
                body: {},
              };
        socket.write(clientFrame(1, JSON.stringify(request)));
        return true;
      },
      onFrame({ opcode, payload, size }, t) {
        rec.bytes += size;
        if (opcode === 8) {
          finish(`closed ${payload.length >= 2 ? payload.readUInt16BE(0) : ""}`);
          return true;
        }
        if (opcode !== 1) return false;
        rec.frames.push(payload);
        rec.times.push(t);
        if (payload.subarray(0, CHUNK_PREFIX_BYTES.length).equals(CHUNK_PREFIX_BYTES)) {
          if (rec.firstChunk === undefined) {
            rec.firstChunk = t;
            resolveFirst(rec);
          }
          return false;
        }
        const frame = JSON.parse(payload.toString());
        if (frame.requestId !== REQUEST_ID) return false; // session events
        if (frame.type === "end" || frame.type === "no-active" || frame.type === "error") {
          finish(frame.type);
          return true;
        }
        return false;
      },
    });
    socket.on("error", (error) => {
      rec.error = error;
      finish("socket-error");
    });
    socket.on("close", () => finish("closed"));
  });
  return rec;
}

/** The chunk events `{ sequence, data, t }` of a finished recording (data: the chunk JSON as sent). */
export function parseWs(rec) {
  const events = [];
  for (let i = 0; i < rec.frames.length; i++) {
    const frame = rec.frames[i].toString();
    if (!frame.startsWith(CHUNK_PREFIX)) continue;
    const comma = frame.indexOf(",", CHUNK_PREFIX.length);
    const sequence = Number(frame.slice(CHUNK_PREFIX.length, comma));
    const data = frame.slice(frame.indexOf(":", comma) + 1, -1); // after `,"chunk":`, before the closing brace
    events.push({ sequence, data, t: rec.times[i] });
  }
  return { events, done: rec.outcome === "end" };
}
