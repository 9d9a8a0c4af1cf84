import type { UIMessage } from "ai";
import { userMessageSchema } from "../protocol/api-schemas";
import type { Failure, Result } from "../protocol/error-code";
import {
  type ClientFrame,
  controlFrame,
  errorFrame,
  parseClientFrame,
  SESSION_EVENTS_REQUEST_ID,
  type SessionEvent,
} from "../protocol/ws-frames";
import type { ChunkSource } from "./chunk-source";
import type { TurnStream } from "./turn-stream";
import { WsFollower } from "./ws-follower";

/** What a socket survives hibernation with: who it is, and nothing that changes per chunk. */
export interface SocketAttachment {
  userId: string;
  sessionId: string;
}

/** What the socket protocol may ask of the session; the session stays the only writer. */
export interface SocketSessionPort {
  begin(request: {
    userId: string;
    sessionId: string;
    trigger: "submit-message" | "regenerate-message";
    message?: UIMessage;
  }): Result<{ stream: TurnStream }>;
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

  constructor(private readonly port: SocketSessionPort) {}

  async onFrame(socket: WebSocket, attachment: SocketAttachment, raw: string | ArrayBuffer): Promise<void> {
    const parsed = await parseClientFrame(raw);
    if (!parsed.ok) {
      if (parsed.requestId !== undefined) socket.send(errorFrame(parsed.requestId, "invalid_request", parsed.message));
      // No request to answer on: a protocol error that costs the connection.
      else socket.close(1007, parsed.message.slice(0, 120));
      return;
    }
    const frame = parsed.frame;
    if (frame.type === "abort") {
      if (this.requests.get(socket)?.has(frame.requestId)) this.port.stop();
      return;
    }
    if (frame.id !== attachment.sessionId) {
      socket.send(errorFrame(frame.requestId, "invalid_request", "This socket belongs to another session."));
      return;
    }
    if (frame.type === "send") this.onSend(socket, attachment, frame);
    else this.onResume(socket, frame);
  }

  onClose(socket: WebSocket): void {
    for (const follower of this.requests.get(socket)?.values() ?? []) follower.cancel();
    this.requests.delete(socket);
  }

  /** Tells every socket of the session that a turn started or ended, whoever started it. */
  broadcast(sockets: readonly WebSocket[], event: Omit<SessionEvent, "requestId">): void {
    const frame = controlFrame({ ...event, requestId: SESSION_EVENTS_REQUEST_ID } as SessionEvent);
    for (const socket of sockets) {
      try {
        socket.send(frame);
      } catch {
        // A socket that is closing misses the event; it learns the state when it reconnects.
      }
    }
  }

  private onSend(socket: WebSocket, attachment: SocketAttachment, frame: Extract<ClientFrame, { type: "send" }>): void {
    let message: UIMessage | undefined;
    if (frame.trigger === "submit-message") {
      const parsed = userMessageSchema.safeParse(frame.messages.at(-1));
      if (!parsed.success) {
        socket.send(errorFrame(frame.requestId, "invalid_request", "The last message must be a user message with text parts."));
        return;
      }
      message = { id: parsed.data.id, role: "user", parts: parsed.data.parts.map((p) => ({ type: "text" as const, text: p.text })) };
    }
    const result = this.port.begin({
      userId: attachment.userId,
      sessionId: attachment.sessionId,
      trigger: frame.trigger,
      ...(message ? { message } : {}),
    });
    if (!result.ok) {
      sendFailure(socket, frame.requestId, result);
      return;
    }
    this.follow(socket, frame.requestId, result.stream, result.stream.firstSeq);
  }

  private onResume(socket: WebSocket, frame: Extract<ClientFrame, { type: "resume" }>): void {
    const running = this.port.running();
    if (!running) {
      socket.send(controlFrame({ type: "no-active", requestId: frame.requestId }));
      return;
    }
    const startAt = running.firstSeq + (frame.lastSequence === undefined ? 0 : frame.lastSequence + 1);
    if (startAt > running.durableThrough + 1) {
      socket.send(errorFrame(frame.requestId, "invalid_cursor", "lastSequence is beyond the running turn."));
      return;
    }
    socket.send(controlFrame({ type: "start", requestId: frame.requestId }));
    this.follow(socket, frame.requestId, running, startAt);
  }

  private follow(socket: WebSocket, requestId: string, source: ChunkSource & Pick<TurnStream, "attach" | "detach">, startAt: number): void {
    const requests = this.requests.get(socket) ?? new Map<string, WsFollower>();
    this.requests.set(socket, requests);
    const follower = new WsFollower(socket, requestId, source, startAt, (gone) => {
      source.detach(gone);
      this.requests.get(socket)?.delete(gone.requestId);
    });
    requests.set(requestId, follower);
    follower.start();
    source.attach(follower);
  }
}

function sendFailure(socket: WebSocket, requestId: string, failure: Failure): void {
  socket.send(errorFrame(requestId, failure.code, failure.message));
}
