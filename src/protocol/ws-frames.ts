import {
  safeValidateWebSocketChatTransportRequest,
  type UIMessage,
  type WebSocketChatTransportRequest,
  type WebSocketChatTransportResponse,
} from "ai";
import type { ErrorCode } from "./error-code";

/**
 * The AI SDK's WebSocketChatTransport protocol (ai/src/ui/websocket-chat-transport.ts). Client
 * frames are parsed with the SDK's own validator; server frames are built here and nowhere else.
 *
 * Besides the transport's frames, every socket of a session gets session events under the request id
 * `session`. The stock transport ignores frames whose request id it does not know (it checks the id
 * before the type), so these never disturb it; a client that wants them (our page, to follow a turn
 * started in another tab) reads them from the socket.
 */
export const SESSION_EVENTS_REQUEST_ID = "session";

export type SessionEvent =
  | { type: "turn-started"; requestId: typeof SESSION_EVENTS_REQUEST_ID; messageId: string }
  | { type: "turn-ended"; requestId: typeof SESSION_EVENTS_REQUEST_ID; messageId: string }
  /** The active branch changed (a switch): reload history, which now ends at `headSeq`. */
  | { type: "head-changed"; requestId: typeof SESSION_EVENTS_REQUEST_ID; headSeq: number }
  /** The queue changed: the ids of the messages waiting to run, in order. */
  | { type: "queue-changed"; requestId: typeof SESSION_EVENTS_REQUEST_ID; queued: string[] };

export type ClientFrame = WebSocketChatTransportRequest<UIMessage>;

/** bytes of one client frame; a `send` carries the client's whole transcript */
export const MAX_CLIENT_FRAME_BYTES = 4 * 1024 * 1024;
/**
 * characters of a request id. Every frame of the request repeats it, so a long one would multiply what
 * each chunk costs to send and queue; the stock transport's ids are 16 characters.
 */
export const MAX_REQUEST_ID_CHARS = 200;

/**
 * A frame that fails validation but names a request is answered on that request (the transport then
 * fails just that call); only a frame with no usable request id costs the connection.
 */
export async function parseClientFrame(
  raw: string | ArrayBuffer,
): Promise<{ ok: true; frame: ClientFrame } | { ok: false; message: string; requestId?: string }> {
  const size = typeof raw === "string" ? raw.length : raw.byteLength;
  if (size > MAX_CLIENT_FRAME_BYTES) return { ok: false, message: `Frames may have at most ${MAX_CLIENT_FRAME_BYTES} bytes.` };
  let value: unknown;
  try {
    value = JSON.parse(typeof raw === "string" ? raw : new TextDecoder().decode(raw));
  } catch {
    return { ok: false, message: "The frame is not valid JSON." };
  }
  const requestId = (value as { requestId?: unknown } | null)?.requestId;
  if (typeof requestId === "string" && requestId.length > MAX_REQUEST_ID_CHARS) {
    return { ok: false, message: `Request ids may have at most ${MAX_REQUEST_ID_CHARS} characters.` };
  }
  const parsed = await safeValidateWebSocketChatTransportRequest<UIMessage>({ value });
  if (parsed.success) return { ok: true, frame: parsed.data };
  return { ok: false, message: parsed.error.message, ...(typeof requestId === "string" ? { requestId } : {}) };
}

/** A chunk frame from already-serialised chunk JSON: string concatenation, no re-stringify per socket. */
export function chunkFrame(requestId: string, sequence: number, chunkJson: string): string {
  return `{"type":"chunk","requestId":${JSON.stringify(requestId)},"sequence":${sequence},"chunk":${chunkJson}}`;
}

export function controlFrame(frame: Exclude<WebSocketChatTransportResponse, { type: "chunk" }> | SessionEvent): string {
  return JSON.stringify(frame);
}

/** The transport surfaces `errorText` as the request's Error message; the code leads so clients can branch. */
export function errorFrame(requestId: string, code: ErrorCode, message: string): string {
  return controlFrame({ type: "error", requestId, errorText: `${code}: ${message}` });
}
