import { exports } from "cloudflare:workers";
import { ORIGIN, tokenFor } from "./api";

export interface Frame {
  type: string;
  requestId: string;
  sequence?: number;
  chunk?: { type: string } & Record<string, unknown>;
  errorText?: string;
  messageId?: string;
}

/** A raw socket to a session, recording every frame, with waits that end on frames, not on time. */
export class TestSocket {
  readonly frames: Frame[] = [];
  /** characters of every frame received, as the server counts what it sent */
  receivedChars = 0;
  closed: { code: number; reason: string } | undefined;
  private waiters: Array<() => void> = [];

  private constructor(readonly socket: WebSocket) {
    socket.addEventListener("message", (event) => {
      const text = String(event.data);
      this.receivedChars += text.length;
      this.frames.push(JSON.parse(text) as Frame);
      this.notify();
    });
    socket.addEventListener("close", (event) => {
      this.closed = { code: event.code, reason: event.reason };
      this.notify();
    });
  }

  static async open(sessionId: string, user = "alice"): Promise<TestSocket> {
    const res = await exports.default.fetch(`${ORIGIN}/api/chat/${sessionId}/ws?token=${await tokenFor(user)}`, {
      headers: { upgrade: "websocket" },
    });
    if (!res.webSocket) throw new Error(`upgrade refused: ${res.status} ${await res.text()}`);
    res.webSocket.accept();
    return new TestSocket(res.webSocket);
  }

  send(frame: unknown): void {
    this.socket.send(JSON.stringify(frame));
  }

  forRequest(requestId: string): Frame[] {
    return this.frames.filter((f) => f.requestId === requestId);
  }

  /** Resolves once `predicate` holds for the frames so far (or the socket closed). */
  async until(predicate: (frames: Frame[]) => boolean): Promise<Frame[]> {
    while (!predicate(this.frames) && !this.closed) await new Promise<void>((resolve) => this.waiters.push(resolve));
    return this.frames;
  }

  async untilRequestEnds(requestId: string): Promise<Frame[]> {
    await this.until((frames) => frames.some((f) => f.requestId === requestId && ["end", "error", "no-active"].includes(f.type)));
    return this.forRequest(requestId);
  }

  private notify(): void {
    const waiters = this.waiters;
    this.waiters = [];
    for (const resolve of waiters) resolve();
  }
}

export function sendFrame(requestId: string, sessionId: string, text: string) {
  return {
    type: "send",
    requestId,
    id: sessionId,
    trigger: "submit-message",
    messageId: undefined,
    messages: [{ id: `u-${requestId}`, role: "user", parts: [{ type: "text", text }] }],
    headers: {},
    body: {},
    metadata: undefined,
  };
}

export function resumeFrame(requestId: string, sessionId: string, lastSequence?: number) {
  return { type: "resume", requestId, id: sessionId, lastSequence, headers: {}, body: {}, metadata: undefined };
}
