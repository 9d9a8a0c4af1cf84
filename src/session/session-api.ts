import type { ChatInput } from "../protocol/chat-request";
import type { Result } from "../protocol/error-code";
import type { SessionView } from "./session-view";

export interface SessionAddress {
  userId: string;
  sessionId: string;
  /** The HTTP request's id, so the session's log lines can be joined with the Worker's. */
  requestId?: string;
}

/** A turn to start: the client's input, already read by `readChatRequest` at the transport's edge. */
export type SendRequest = SessionAddress & ChatInput;

export interface FollowRequest extends SessionAddress {
  /** Resume after this chunk sequence; absent for a full replay of the running turn. */
  cursor?: number;
}

/** What the Worker may ask of a session object. Expected failures come back as values. */
export interface SessionApi {
  send(request: SendRequest): Promise<Result<{ stream: ReadableStream<Uint8Array>; messageId: string }>>;
  follow(request: FollowRequest): Promise<Result<{ stream: ReadableStream<Uint8Array> } | { idle: true }>>;
  stop(request: SessionAddress): Promise<Result<{ stopped: boolean }>>;
  view(request: SessionAddress & { limit: number; beforeSeq?: number }): Promise<Result<{ view: SessionView }>>;
  create(request: SessionAddress): Promise<Result<{ view: SessionView; created: boolean }>>;
  remove(request: SessionAddress): Promise<Result<{ deleted: true }>>;
  switchHead(request: SessionAddress & { seq: number }): Promise<Result<{ view: SessionView }>>;
  start(request: SendRequest): Promise<Result<{ messageId: string; cursor: number | null; queued: boolean }>>;
  cancelQueued(request: SessionAddress & { messageId: string }): Promise<Result<{ cancelled: true }>>;
  rename(request: SessionAddress & { title: string }): Promise<Result<{ view: SessionView }>>;
  stats(request: SessionAddress): Promise<Result<{ stats: SessionStats }>>;
}

/** What this object has written since it started, from SQLite's own cursors, and its size. */
export interface SessionStats {
  chunkLog: { rowsWritten: number; compactionRowsWritten: number; batches: number; chunks: number; bytes: number; keptBytes: number };
  messageRowsWritten: number;
  databaseBytes: number;
  /** SSE and WebSocket requests following the running turn */
  followers: number;
  /** open WebSockets of the session, following a turn or not */
  sockets: number;
}
