import type { Result } from "../protocol/error-code";
import type { ChunkSource } from "./chunk-source";
import type { FileStore } from "./file-store";
import { finishedSource } from "./resolve-follow";
import type { SendRequest } from "./session-api";
import type { SessionStore } from "./session-store";
import type { Turn } from "./turn";
import type { TurnManager } from "./turn-manager";
import type { TurnStream } from "./turn-stream";

/** What a send follows: a turn's stream (or a finished stretch of the log, for a retry) and where to start. */
export type Started = { source: ChunkSource & Partial<Pick<TurnStream, "attach" | "detach">>; startAt: number; messageId: string };
/** ...or, for a queued message, the promise of that once its turn starts (undefined: it never will). */
export type Begun = Started | { queued: Promise<Started | undefined> };

export interface SendAdmissionDeps {
  turns: TurnManager;
  files: FileStore;
  store: () => SessionStore;
  log: (event: string, detail: Record<string, unknown>) => void;
}

/**
 * A send, from any transport, up to what its client follows: the turn's admission, with the work
 * around it that cannot be synchronous (storing a message's files first), a retry's stream, and a
 * queued message's wait for its turn.
 */
export class SendAdmission {
  /** Requests whose message was queued, waiting for its turn to start (undefined: it never will). */
  private readonly waiters = new Map<string, (begun: Started | undefined) => void>();

  constructor(private readonly deps: SendAdmissionDeps) {}

  /** A queued message's turn started, or it was refused or cancelled (undefined). */
  started(messageId: string, turn: Turn | undefined): void {
    const waiter = this.waiters.get(messageId);
    this.waiters.delete(messageId);
    waiter?.(turn && { source: turn.stream, startAt: turn.stream.firstSeq, messageId: turn.messageId });
  }

  /**
   * Admits a request for any transport. A new message's files are stored first (R2 and the user's
   * registry are asynchronous, admission is not): after the checks that need no I/O, so a refused
   * request stores nothing, and a request refused after its files were stored releases them.
   */
  async begin(request: SendRequest): Promise<Result<Begun>> {
    const checked = this.deps.turns.precheck(request);
    const queue = checked && !("retry" in checked) && checked.code === "stream_already_active" && this.deps.turns.queue.wants(request);
    if (queue && request.action === "send") return this.enqueue(request);
    if (request.action !== "send" || request.files.length === 0) return this.admit(request);
    if (checked) return "retry" in checked ? this.admit(request) : checked;
    // Uses are recorded under a key of this attempt alone: an edit shares its message id with the
    // version it replaces, whose files must not be released if this attempt is refused.
    const use = { sessionId: request.sessionId, messageId: `${request.message.id}@${crypto.randomUUID()}` };
    const attached = await this.deps.files.attach(request.userId, use, request.files);
    if (!attached.ok) return attached;
    const message = { ...request.message, parts: [...attached.parts, ...request.message.parts] };
    const admitted = this.admit({ ...request, message, files: [] });
    // Refused after all (a turn started meanwhile): nothing keeps the files this attempt recorded.
    if (!admitted.ok) await this.deps.files.release(request.userId, use);
    return admitted;
  }

  /** Queues a send while a turn runs (its files stored first, as for any send). */
  private async enqueue(request: Extract<SendRequest, { action: "send" }>): Promise<Result<Begun>> {
    let message = request.message;
    const use = { sessionId: request.sessionId, messageId: `${request.message.id}@${crypto.randomUUID()}` };
    if (request.files.length > 0) {
      const attached = await this.deps.files.attach(request.userId, use, request.files);
      if (!attached.ok) return attached;
      message = { ...message, parts: [...attached.parts, ...message.parts] };
    }
    const queued = this.deps.turns.queue.add({ ...request, message, files: [] });
    if (!queued.ok) {
      if (request.files.length > 0) await this.deps.files.release(request.userId, use);
      return queued;
    }
    if (this.deps.turns.current?.messageId && !this.deps.store().queue.has(message.id)) {
      // Started at once (the running turn had just ended): its turn is the current one.
      const turn = this.deps.turns.current;
      return { ok: true, source: turn.stream, startAt: turn.stream.firstSeq, messageId: turn.messageId };
    }
    const started = new Promise<Started | undefined>((resolve) => this.waiters.set(message.id, resolve));
    return { ok: true, queued: started };
  }

  /** Admits a request; what to follow is the new turn's stream, or for a retry the stream it repeats. */
  private admit(request: SendRequest): Result<Begun> {
    const admitted = this.deps.turns.admit(request);
    if (!admitted.ok) return admitted;
    if ("turn" in admitted)
      return { ok: true, source: admitted.turn.stream, startAt: admitted.turn.stream.firstSeq, messageId: admitted.turn.messageId };
    const { retry } = admitted;
    this.deps.log("send_retried", { messageId: retry.messageId, request: request.requestId });
    if (retry.running) return { ok: true, source: retry.running, startAt: retry.running.replayFrom, messageId: retry.messageId };
    const { first, last } = retry.range!;
    return { ok: true, source: finishedSource(this.deps.store().chunks, first, last), startAt: first, messageId: retry.messageId };
  }
}
