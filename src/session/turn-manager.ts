import type { AgentRunner } from "../agent/agent-runner";
import type { ContextStore } from "../agent/model-context";
import type { Config } from "../config";
import { closeOpenParts } from "../protocol/close-open-parts";
import { rebuildTurn } from "./rebuild-turn";
import type { SessionStore } from "./session-store";
import { Turn, type TurnEnd } from "./turn";
import { turnRecorder } from "./turn-recorder";

/** continuations of one turn after evictions or crashes before it is ended instead (a crash loop guard) */
export const MAX_RECOVERIES = 2;

const INTERRUPTED_TEXT = "The turn was interrupted by a server restart.";

export interface TurnManagerDeps {
  store: () => SessionStore;
  config: Config;
  agent: AgentRunner;
  writeStats: { messageRowsWritten: number };
  log: (event: string, detail: Record<string, unknown>) => void;
  /** A turn started or was continued: the session schedules its alarm and tells its sockets. */
  onStarted: (turn: Turn) => void;
  onEnded: (turn: Turn) => void;
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

  /** Starts a turn; the caller has already written the user message in the same synchronous block. */
  start(messageId: string, at: number): Turn {
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

  private create(init: { seq: number; messageId: string; firstChunk: number; resume?: Awaited<ReturnType<typeof rebuildTurn>> }): Turn {
    const store = this.deps.store();
    const turn = new Turn({
      ...init,
      chunkLog: store.chunks,
      recorder: turnRecorder({ ...store, turnSeq: init.seq, stats: this.deps.writeStats }),
      flushIntervalMs: this.deps.config.chunkFlushIntervalMs,
      flushDeltas: this.deps.config.chunkFlushDeltas,
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
