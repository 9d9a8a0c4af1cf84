import { type ChatInput, readChatRequest } from "../protocol/chat-request";
import type { Failure, Result } from "../protocol/error-code";
import { DEFAULT_FILE_LIMITS, type FileLimits } from "../protocol/file-parts";
import {
  type ClientFrame,
  controlFrame,
  errorFrame,
  parseClientFrame,
  SESSION_EVENTS_REQUEST_ID,
  type SessionEvent,
} from "../protocol/ws-frames";
import type { ChunkSource } from "./chunk-source";
import { SocketOutput } from "./socket-output";
import type { TurnStream } from "./turn-stream";
import { WsFollower } from "./ws-follower";

/** What a socket survives hibernation with: who it is, and nothing that changes per chunk. */
export interface SocketAttachment {
  userId: string;
  sessionId: string;
  /** estimated bytes of frames sent so far, written when the object may go idle (see SocketOutput) */
  sentBytes?: number;
}

type Output = SocketOutput<SocketAttachment>;

/** What a `send` follows: a turn's stream (or a stretch of the log, for a retry) and where to start. */
type SocketBegun = { source: ChunkSource & Partial<Pick<TurnStream, "attach" | "detach">>; startAt: number };

/** What the socket protocol may ask of the session; the session stays the only writer. */
export interface SocketSessionPort {
  begin(
    request: { userId: string; sessionId: string } & ChatInput,
  ): Promise<Result<SocketBegun | { queued: Promise<SocketBegun | undefined> }>>;
  running(): TurnStream | undefined;
  stop(): void;
}

/**
 * The AI SDK WebSocketChatTransport protocol on the session's sockets: `send` starts a turn,
 * `resume` replays the running one (all of it, or after `lastSequence`), `abort` stops it. Each
 * request is a WsFollower of the turn's stream, so sockets get exactly what SSE followers get.
 */
export class SocketSession {
  /** Live requests by socket; rebuilt empty after hibernation, when no turn can be running. */
  private readonly requests = new Map<WebSocket, Map<string, WsFollower>>();
  /** What each socket was sent; rebuilt from attachments after hibernation. */
  private readonly outputs = new Map<WebSocket, Output>();

  constructor(
    private readonly port: SocketSessionPort,
    /** estimated bytes of frames one socket may be sent in its life (see SocketOutput) */
    private readonly outputLimit: number,
    /** the deployment's file limits, which `send` frames get like POST bodies */
    private readonly fileLimits: FileLimits = DEFAULT_FILE_LIMITS,
  ) {}

  async onFrame(socket: WebSocket, attachment: SocketAttachment, raw: string | ArrayBuffer): Promise<void> {
    const output = this.outputOf(socket, attachment);
    // A socket closed for its output limit may still deliver frames it sent before it saw the close.
    if (!output.open) return;
    const parsed = await parseClientFrame(raw);
    if (!parsed.ok) {
      if (parsed.requestId !== undefined) output.send(errorFrame(parsed.requestId, "invalid_request", parsed.message));
      // No request to answer on: a protocol error that costs the connection.
      else socket.close(1007, parsed.message.slice(0, 120));
    } else {
      await this.onRequest(output, attachment, parsed.frame);
    }
    output.persist();
  }

  onClose(socket: WebSocket): void {
    this.dropRequests(socket);
    this.outputs.delete(socket);
  }

  /** Tells every socket of the session that a turn started or ended, whoever started it. */
  broadcast(
    sockets: readonly WebSocket[],
    event: SessionEvent extends infer E ? (E extends unknown ? Omit<E, "requestId"> : never) : never,
  ): void {
    const frame = controlFrame({ ...event, requestId: SESSION_EVENTS_REQUEST_ID } as SessionEvent);
    for (const socket of sockets) {
      const output = this.outputOf(socket);
      // A socket that is closing misses the event; it learns the state when it reconnects.
      output?.send(frame);
      output?.persist();
    }
  }

  private async onRequest(output: Output, attachment: SocketAttachment, frame: ClientFrame): Promise<void> {
    if (frame.type === "abort") {
      if (this.requests.get(output.socket)?.has(frame.requestId)) this.port.stop();
      return;
    }
    if (frame.id !== attachment.sessionId) {
      output.send(errorFrame(frame.requestId, "invalid_request", "This socket belongs to another session."));
      return;
    }
    if (frame.type === "send") await this.onSend(output, attachment, frame);
    else this.onResume(output, frame);
  }

  private outputOf(socket: WebSocket, known: SocketAttachment): Output;
  private outputOf(socket: WebSocket): Output | undefined;
  private outputOf(socket: WebSocket, known?: SocketAttachment): Output | undefined {
    const existing = this.outputs.get(socket);
    if (existing) return existing;
    const attachment = known ?? (socket.deserializeAttachment() as SocketAttachment | null);
    if (!attachment) return undefined;
    const output = new SocketOutput(socket, attachment, this.outputLimit, () => this.dropRequests(socket));
    this.outputs.set(socket, output);
    return output;
  }

  private dropRequests(socket: WebSocket): void {
    for (const follower of this.requests.get(socket)?.values() ?? []) follower.cancel();
    this.requests.delete(socket);
  }

  private async onSend(output: Output, attachment: SocketAttachment, frame: Extract<ClientFrame, { type: "send" }>): Promise<void> {
    // The same function as POST /api/chat: the same input gets the same answer on either transport.
    const extra = frame.body as { clientTools?: unknown; onBusy?: unknown };
    const read = await readChatRequest({ ...frame, clientTools: extra.clientTools, onBusy: extra.onBusy }, this.fileLimits);
    const result = read.ok ? await this.port.begin({ userId: attachment.userId, sessionId: attachment.sessionId, ...read.input }) : read;
    if (!result.ok) {
      sendFailure(output, frame.requestId, result);
      return;
    }
    // A queued message: the request waits for its turn (the object stays up while a turn runs).
    const begun = "queued" in result ? await result.queued : result;
    if (!begun) {
      output.send(errorFrame(frame.requestId, "queued_cancelled", "The queued message was cancelled before it ran."));
      return;
    }
    this.follow(output, frame.requestId, begun.source, begun.startAt, begun.startAt);
  }

  private onResume(output: Output, frame: Extract<ClientFrame, { type: "resume" }>): void {
    const running = this.port.running();
    if (!running) {
      output.send(controlFrame({ type: "no-active", requestId: frame.requestId }));
      return;
    }
    // A full replay rebuilds the running turn's message from its start (for a message that waited for
    // answers, from its first turn); `lastSequence` continues a request of this turn where it was.
    const base = frame.lastSequence === undefined ? running.replayFrom : running.firstSeq;
    const startAt = base + (frame.lastSequence === undefined ? 0 : frame.lastSequence + 1);
    if (startAt > running.durableThrough + 1) {
      output.send(errorFrame(frame.requestId, "invalid_cursor", "lastSequence is beyond the running turn."));
      return;
    }
    if (!output.send(controlFrame({ type: "start", requestId: frame.requestId }))) return;
    this.follow(output, frame.requestId, running, startAt, base);
  }

  private follow(
    output: Output,
    requestId: string,
    source: ChunkSource & Partial<Pick<TurnStream, "attach" | "detach">>,
    startAt: number,
    sequenceBase = source.firstSeq,
  ): void {
    const { socket } = output;
    const requests = this.requests.get(socket) ?? new Map<string, WsFollower>();
    this.requests.set(socket, requests);
    const follower = new WsFollower(
      output,
      requestId,
      source,
      startAt,
      (gone) => {
        source.detach?.(gone);
        this.requests.get(socket)?.delete(gone.requestId);
        output.persist();
      },
      sequenceBase,
    );
    requests.set(requestId, follower);
    follower.start();
    // start() may already have ended it (a finished turn, or the output limit): attach only a live one.
    if (requests.get(requestId) === follower) source.attach?.(follower);
  }
}

function sendFailure(output: Output, requestId: string, failure: Failure): void {
  output.send(errorFrame(requestId, failure.code, failure.message));
}
