import type { UIMessage } from "ai";
import type { Config } from "../config";
import { fail, type Result } from "../protocol/error-code";
import type { SendRequest } from "./session-api";
import type { SessionStore } from "./session-store";
import type { Turn } from "./turn";

export interface SendQueueDeps {
  store: () => SessionStore;
  config: Config;
  log: (event: string, detail: Record<string, unknown>) => void;
  running: () => boolean;
  /** Admits a queued message as a new send (the turn manager's admission). */
  admit: (request: SendRequest) => Result<{ turn: Turn } | { retry: unknown }>;
  /** A queued message's turn started, or it was refused or cancelled (undefined). */
  onStarted: (messageId: string, turn: Turn | undefined) => void;
  /** The queue changed: every tab should show it. */
  onChanged: () => void;
}

/**
 * Sends made while a turn ran, under the `queue` policy: stored (storage/message-queue.ts, so a crash
 * keeps them), each run as a new turn after the head when the turn before it ends, cancellable until then.
 */
export class SendQueue {
  constructor(private readonly deps: SendQueueDeps) {}

  /** Whether a send refused because a turn runs should be queued instead: the request's choice, else the deployment's. */
  wants(request: SendRequest): boolean {
    return request.action === "send" && !request.edit && (request.onBusy ?? this.deps.config.busyPolicy) === "queue";
  }

  /** Queues a new message while a turn runs (its files already stored). */
  add(request: Extract<SendRequest, { action: "send" }>): Result<{ queued: true }> {
    const { queue, branches, meta } = this.deps.store();
    if (branches.findOnPath(request.message.id) || queue.has(request.message.id)) {
      return fail("message_exists", "A message with this id is already in the session.");
    }
    queue.add({ message: request.message, clientTools: request.clientTools }, Date.now());
    meta.update({ updatedAt: Date.now() });
    this.deps.log("message_queued", { messageId: request.message.id, request: request.requestId });
    this.deps.onChanged();
    // Not running any more (it ended between the check and now): run it at once.
    if (!this.deps.running()) this.startNext();
    return { ok: true, queued: true };
  }

  /** Removes a queued message before it runs. */
  cancel(messageId: string): boolean {
    const removed = this.deps.store().queue.remove(messageId);
    if (removed) {
      this.deps.log("queued_cancelled", { messageId });
      this.deps.onStarted(messageId, undefined);
      this.deps.onChanged();
    }
    return removed;
  }

  /** The queued messages, in the order they will run. */
  list(): UIMessage[] {
    return this.deps
      .store()
      .queue.list()
      .map((entry) => entry.message);
  }

  /** Starts the oldest queued message's turn, if nothing runs. */
  startNext(): void {
    if (this.deps.running()) return;
    const { queue, meta } = this.deps.store();
    const next = queue.shift();
    const owner = meta.get();
    if (!next || !owner) return;
    const admitted = this.deps.admit({
      userId: owner.owner,
      sessionId: owner.id,
      action: "send",
      message: next.message,
      files: [],
      clientTools: next.clientTools,
      edit: false,
    });
    this.deps.onChanged();
    if (!admitted.ok || !("turn" in admitted)) {
      this.deps.log("queued_refused", { messageId: next.message.id, code: admitted.ok ? "retry" : admitted.code });
      this.deps.onStarted(next.message.id, undefined);
      this.startNext();
      return;
    }
    this.deps.onStarted(next.message.id, admitted.turn);
  }
}
