import { generateId, type UIMessage } from "ai";
import type { AgentRunner } from "../agent/agent-runner";
import type { ContextStore } from "../agent/model-context";
import type { Config } from "../config";
import { closeOpenParts } from "../protocol/close-open-parts";
import { fail, type Result } from "../protocol/error-code";
import { rebuildTurn } from "./rebuild-turn";
import type { SendRequest } from "./session-api";
import type { SessionStore } from "./session-store";
import { Turn, type TurnEnd } from "./turn";
import { turnRecorder } from "./turn-recorder";

/**
 * Continuations of one turn after its object crashed or restarted mid-turn; at the crash after them the turn is
 * ended instead (a crash-loop guard). Two, not one: a turn has no time limit, so a long one can meet two restarts
 * that are not its doing (a deploy, a runtime update), while a third crash of the same turn is taken for the turn
 * crashing its object, and costs at most two repeated model calls.
 */
export const MAX_RECOVERIES = 2;

const INTERRUPTED_TEXT = "The turn was interrupted by a server restart.";

export interface TurnManagerDeps {
  store: () => SessionStore;
  config: Config;
  agent: AgentRunner;
  log: (event: string, detail: Record<string, unknown>) => void;
  /** A turn started or was continued: the session schedules its alarm and tells its sockets. */
  onStarted: (turn: Turn) => void;
  onEnded: (turn: Turn) => void;
  /** The session's listing changed (a new turn, a title): the session updates the user's index. */
  onListingChanged: () => void;
}

/**
 * The running turn's lifecycle: start it, run the agent for it, end it exactly once, continue it
 * after the object was evicted or crashed, and watch it from the alarm.
 */
export class TurnManager {
  private turn: Turn | undefined;

  constructor(private readonly deps: TurnManagerDeps) {}

  get current(): Turn | undefined {
    return this.turn;
  }

  /**
   * Admits a client's request and starts its turn, for any transport. Everything from the checks to
   * the turn's start is synchronous: no other request can interleave, and the user message is durable
   * (with its sequence number) in the same commit that makes the turn visible as running. A refused
   * request writes nothing.
   */
  admit(request: SendRequest): Result<{ turn: Turn }> {
    if (this.turn) return fail("stream_already_active", "A turn is already running in this session. Stop it or wait for it to finish.");
    if (!this.deps.config.anthropicApiKey) {
      return fail("not_configured", "The model is not configured on this server (ANTHROPIC_API_KEY is missing).");
    }
    const { meta, messages } = this.deps.store();
    const at = Date.now();
    const assistantId = `msg_${generateId()}`;
    let firstMessage: UIMessage | undefined;
    if (request.trigger === "submit-message") {
      const { message } = request;
      if (messages.has(message.id)) return fail("message_exists", "A message with this id is already in the session.");
      if (!meta.get()) meta.create({ id: request.sessionId, owner: request.userId, at });
      if (messages.nextSeq === 0) firstMessage = message;
      messages.append(message, at);
    } else {
      const last = meta.get() && messages.lastLive();
      if (!last) return fail("invalid_request", "There is no answer to regenerate in this session.");
      if (last.message.role === "assistant") messages.supersede(last.message.id, assistantId);
    }
    meta.update({ updatedAt: at });
    const turn = this.start(assistantId, at);
    this.deps.log("turn_started", { turn: turn.seq, messageId: assistantId, trigger: request.trigger, request: request.requestId });
    this.deps.onListingChanged();
    if (firstMessage) this.nameSession(firstMessage);
    return { ok: true, turn };
  }

  /** Starts a turn; the caller has already written the user message in the same synchronous block. */
  private start(messageId: string, at: number): Turn {
    const { messages, turns, chunks } = this.deps.store();
    const seq = turns.nextSeq();
    const firstChunk = chunks.lastSeq() + 1;
    messages.append({ id: messageId, role: "assistant", parts: [] }, at);
    turns.start({ seq, assistantMessageId: messageId, firstChunk, startedAt: at });
    const turn = this.create({ seq, messageId, firstChunk });
    this.run(turn, false);
    return turn;
  }

  end(turn: Turn, end: TurnEnd): void {
    if (turn.ended) return;
    turn.end(end);
    if (end.kind === "failed") this.deps.log("turn_failed", { turn: turn.seq, code: end.code });
    if (this.turn === turn) this.turn = undefined;
    this.deps.onEnded(turn);
  }

  stop(): boolean {
    if (!this.turn) return false;
    this.end(this.turn, { kind: "cancelled" });
    return true;
  }

  /**
   * A turn still marked running when the object starts was cut off by an eviction, a deploy or a
   * crash. Its durable chunks are exactly what followers saw. Open parts are closed and every pending
   * tool call gets its one (error) outcome; then the model is called again to continue the same
   * assistant message. A turn that keeps crashing its object is ended with an error instead.
   */
  async recover(): Promise<void> {
    const { turns, chunks } = this.deps.store();
    const row = turns.running();
    if (!row) return;
    const resume = await rebuildTurn(chunks, row.firstChunk, row.assistantMessageId);
    const turn = this.create({ seq: row.seq, messageId: row.assistantMessageId, firstChunk: row.firstChunk, resume });
    if (resume.assembler.finished || row.recoveries >= MAX_RECOVERIES) {
      this.deps.log("turn_interrupted", { turn: row.seq, recoveries: row.recoveries });
      this.end(turn, { kind: "failed", code: "turn_interrupted", errorText: INTERRUPTED_TEXT });
      return;
    }
    turns.countRecovery(row.seq, row.recoveries + 1);
    for (const chunk of closeOpenParts(resume.assembler, { errorText: INTERRUPTED_TEXT, continuing: true })) turn.emit(chunk);
    this.deps.log("turn_continued", { turn: row.seq, recoveries: row.recoveries + 1 });
    this.run(turn, true);
  }

  /**
   * The alarm's check: heartbeats as a backstop for the stream's timer, and a watchdog that ends a
   * turn which has produced nothing for longer than any legitimate wait (a model stall and the
   * longest tool are each bounded on their own, so this only catches what slipped past both).
   */
  tick(now: number): void {
    const turn = this.turn;
    if (!turn) return;
    turn.stream.heartbeatIfIdle(now);
    const { stallTimeoutMs, toolTimeoutCapMs } = this.deps.config;
    if (turn.stream.idleFor(now) > stallTimeoutMs + toolTimeoutCapMs + WATCHDOG_GRACE_MS) {
      this.deps.log("turn_watchdog", { turn: turn.seq });
      this.end(turn, { kind: "failed", code: "turn_interrupted", errorText: "The turn stopped making progress." });
    }
  }

  /** Titles the session from its first message, off the turn's path; a failure leaves it untitled. */
  private nameSession(first: UIMessage): void {
    const text = first.parts.map((part) => (part.type === "text" ? part.text : "")).join(" ");
    this.deps.agent.title(text).then(
      (title) => {
        const { meta } = this.deps.store();
        if (!title || !meta.get() || meta.get()?.title) return;
        meta.update({ title });
        this.deps.onListingChanged();
      },
      // Logged for operators with the session id (the provider's text never goes on the wire).
      (error: unknown) =>
        this.deps.log("title_failed", { error: error instanceof Error ? `${error.name}: ${error.message}` : String(error) }),
    );
  }

  private create(init: { seq: number; messageId: string; firstChunk: number; resume?: Awaited<ReturnType<typeof rebuildTurn>> }): Turn {
    const store = this.deps.store();
    const turn = new Turn({
      ...init,
      chunkLog: store.chunks,
      recorder: turnRecorder({ ...store, turnSeq: init.seq }),
      flushIntervalMs: this.deps.config.chunkFlushIntervalMs,
      heartbeatIntervalMs: this.deps.config.heartbeatIntervalMs,
      log: this.deps.log,
    });
    this.turn = turn;
    this.deps.onStarted(turn);
    return turn;
  }

  private run(turn: Turn, continuing: boolean): void {
    const store = this.deps.store();
    const context: ContextStore = {
      load: () => {
        const compaction = store.compactions.latest();
        const messages = store.messages.liveAfter(compaction?.throughSeq ?? -1).filter((m) => m.message.id !== turn.messageId);
        // A continued turn shows the model its own interrupted answer, as it stands in the stream.
        const seq = store.messages.get(turn.messageId)?.seq ?? store.messages.nextSeq;
        const inFlight = continuing ? [{ seq, message: turn.snapshot() }] : [];
        return { summary: compaction?.summary, messages: [...messages, ...inFlight], continuing };
      },
      saveSummary: (summary) => store.compactions.append(summary, Date.now()),
    };
    // Not awaited: the turn outlives the request that started it. Pending I/O keeps the object alive.
    void this.deps.agent
      .run({ sessionId: store.meta.get()!.id, context, signal: turn.signal, emit: (chunk) => turn.emit(chunk) })
      .then((end) => this.end(turn, end));
  }
}

/** ms of silence past the model's stall limit and the longest tool's limit before the watchdog acts */
const WATCHDOG_GRACE_MS = 60_000;
