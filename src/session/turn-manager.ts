import { generateId, type UIMessage } from "ai";
import type { AgentRunner } from "../agent/agent-runner";
import type { ContextStore } from "../agent/model-context";
import type { Config } from "../config";
import type { ChatInput } from "../protocol/chat-request";
import type { ClientTool } from "../protocol/client-tools";
import { closeOpenParts } from "../protocol/close-open-parts";
import { type Failure, fail, type Result } from "../protocol/error-code";
import type { FileStore } from "./file-store";
import { rebuildTurn } from "./rebuild-turn";
import { SendQueue } from "./send-queue";
import { type Retry, retryOf } from "./send-retry";
import type { SendRequest } from "./session-api";
import type { SessionStore } from "./session-store";
import { nameSession } from "./session-title";
import { type ApprovedCall, closingChunks, matchAnswers, type PendingTool, pendingToolsOf, resolutionOf } from "./tool-answers";
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
/** What Claude (and the page) reads on a call whose wait a new message ended. */
const SUPERSEDED_BY_MESSAGE = "The user sent a new message instead of answering.";
/** ...and on one whose wait a stop ended. */
const STOPPED_WHILE_WAITING = "The user stopped the turn instead of answering.";

/** A message whose last step's tool calls wait for a person's decision or a browser tool's output. */
interface Waiting {
  turnSeq: number;
  messageId: string;
  clientTools: ClientTool[];
  /** ms since the epoch when the wait began */
  since: number;
}

export interface TurnManagerDeps {
  store: () => SessionStore;
  config: Config;
  agent: AgentRunner;
  log: (event: string, detail: Record<string, unknown>) => void;
  /** A turn started or was continued: the session schedules its alarm and tells its sockets. */
  onStarted: (turn: Turn) => void;
  onEnded: (turn: Turn) => void;
  /** A queued message's turn started, or it was refused or cancelled (undefined): the session tells whoever waits for it. */
  onQueuedStarted: (messageId: string, turn: Turn | undefined) => void;
  /** The queue changed (a message queued, started or cancelled): every tab should show it. */
  onQueueChanged: () => void;
  /** A user's stored files as the model's requests read them, and their Files API ids. */
  files: Pick<FileStore, "reader" | "fileIds">;
  /** The session's listing changed (a new turn, a title): the session updates the user's index. */
  onListingChanged: () => void;
}

/**
 * The turn's lifecycle: admit a request and start its turn, run the agent for it, end it exactly once,
 * continue it after the object was evicted or crashed, and watch it from the alarm. A turn may end
 * waiting for answers (approvals, browser tools): waiting is not running (no alarm, no CPU); the
 * answer, a new message or a stop starts the turn that carries the same message on.
 */
export class TurnManager {
  private turn: Turn | undefined;
  private waiting: Waiting | undefined;

  constructor(private readonly deps: TurnManagerDeps) {
    this.queue = new SendQueue({
      store: () => deps.store(),
      config: deps.config,
      log: deps.log,
      running: () => this.turn !== undefined,
      admit: (request) => this.admit(request),
      onStarted: deps.onQueuedStarted,
      onChanged: deps.onQueueChanged,
    });
  }

  get current(): Turn | undefined {
    return this.turn;
  }

  /** When the current wait is closed unanswered (TOOL_WAIT_TIMEOUT_MS); undefined when nothing waits or waits forever. */
  waitExpiresAt(): number | undefined {
    const timeout = this.deps.config.toolWaitTimeoutMs;
    return this.waiting && timeout > 0 ? this.waiting.since + timeout : undefined;
  }

  /** The message waiting for answers, and what it waits for; undefined when nothing waits. */
  waitingFor(): { messageId: string; pendingTools: PendingTool[] } | undefined {
    const waiting = this.waiting;
    const stored = waiting && this.deps.store().messages.get(waiting.messageId);
    if (!waiting || !stored) return undefined;
    return { messageId: waiting.messageId, pendingTools: pendingToolsOf(stored.message, toolNames(waiting.clientTools)) };
  }

  /**
   * Admits a client's request and starts its turn, for any transport. Everything from the checks to
   * the turn's start is synchronous: no other request can interleave, and the user message is durable
   * (with its sequence number) in the same commit that makes the turn visible as running. A refused
   * request writes nothing.
   */
  /**
   * The checks of `admit` that need no writes, for a caller that has asynchronous work to do before
   * admitting (storing a message's files): refused here, nothing is stored at all.
   */
  precheck(request: SendRequest): Failure | { retry: Retry } | undefined {
    if (request.action === "send" && !request.edit) {
      const retry = retryOf(this.deps.store(), this.turn, request.message);
      if (retry) return retry;
    }
    if (this.turn) return fail("stream_already_active", "A turn is already running in this session. Stop it or wait for it to finish.");
    if (!this.deps.config.anthropicApiKey) {
      return fail("not_configured", "The model is not configured on this server (ANTHROPIC_API_KEY is missing).");
    }
    if (request.action === "answer") return undefined;
    const shadowing = request.clientTools.find((tool) => this.deps.agent.toolNames.has(tool.name));
    if (shadowing) return fail("invalid_request", `clientTools: "${shadowing.name}" is the name of a server tool.`);
    const { branches } = this.deps.store();
    if (request.action === "send" && request.edit) {
      const edited = branches.findOnPath(request.message.id);
      if (edited?.role !== "user") return fail("invalid_request", "There is no message of yours with this id on this branch to edit.");
    }
    if (request.action === "regenerate" && this.regenerationParent(request.messageId) === undefined) {
      return fail("invalid_request", "There is no answer to regenerate here.");
    }
    return undefined;
  }

  admit(request: SendRequest): Result<{ turn: Turn } | { retry: Retry }> {
    const checked = this.precheck(request);
    if (checked && "retry" in checked) return { ok: true, retry: checked.retry };
    if (checked) return checked;
    if (request.action === "answer") return this.answer(request);
    const { meta, branches } = this.deps.store();
    const at = Date.now();
    const assistantId = `msg_${generateId()}`;
    let firstMessage: UIMessage | undefined;
    if (request.action === "send") {
      const { message } = request;
      if (this.waiting) this.closeWait(SUPERSEDED_BY_MESSAGE, { kind: "finished", finishReason: "other" }, at);
      if (!meta.get()) meta.create({ id: request.sessionId, owner: request.userId, at });
      if (branches.headSeq === null) firstMessage = message;
      // An edit is a sibling of the message it replaces: a new branch from the same place.
      const edited = request.edit ? branches.findOnPath(message.id) : undefined;
      if (edited) branches.appendAfter(edited.parentSeq, message, at);
      else branches.extend(message, at);
    } else {
      if (this.waiting) this.closeWait(SUPERSEDED_BY_MESSAGE, { kind: "finished", finishReason: "other" }, at);
      // A regenerated answer is a sibling of the one it replaces; the old one stays on its branch.
      branches.rewindTo(this.regenerationParent(request.messageId)!);
    }
    meta.update({ updatedAt: at });
    const turn = this.startTurn({ messageId: assistantId, clientTools: request.clientTools, at });
    this.run(turn, { continuing: false });
    const action = request.action === "send" && request.edit ? "edit" : request.action;
    this.deps.log("turn_started", { turn: turn.seq, messageId: assistantId, action, request: request.requestId });
    this.deps.onListingChanged();
    if (firstMessage) nameSession(firstMessage, this.deps);
    return { ok: true, turn };
  }

  /** The user message a new answer goes after: `messageId`'s parent (an answer), or the active branch's last user message. */
  private regenerationParent(messageId: string | undefined): number | undefined {
    const { branches, messages } = this.deps.store();
    const head = branches.headSeq;
    const target = messageId !== undefined ? branches.findOnPath(messageId) : head === null ? undefined : messages.node(head);
    if (!target) return undefined;
    if (target.role === "user") return target.seq;
    return target.parentSeq ?? undefined;
  }

  /**
   * Answers to the waiting message: only the decisions and browser-tool outputs that match what the
   * log says is pending are recorded (as chunks of a new turn of the same message, so every follower
   * and a later replay see them). With everything answered, denied calls get their outcome, approved
   * ones run, and Claude continues the same message; otherwise the turn ends waiting again.
   */
  private answer(request: SessionAddressOf<Extract<ChatInput, { action: "answer" }>>): Result<{ turn: Turn }> {
    const { meta, messages } = this.deps.store();
    const waiting = this.waiting;
    if (!waiting || waiting.messageId !== request.messageId) {
      return messages.has(request.messageId)
        ? fail("already_answered", "This message is not waiting for an answer: it was answered, or it never asked.")
        : fail("invalid_request", "There is no tool call waiting for an answer in this message.");
    }
    const stored = messages.get(waiting.messageId)!.message;
    const names = toolNames(waiting.clientTools);
    const matched = matchAnswers(stored, names, request.parts);
    if (!matched.ok) return matched;
    const at = Date.now();
    meta.update({ updatedAt: at });
    this.deps.store().turns.answered(waiting.turnSeq);
    this.waiting = undefined;
    const turn = this.startTurn({ messageId: waiting.messageId, base: stored, clientTools: waiting.clientTools, at });
    this.deps.log("turn_started", { turn: turn.seq, messageId: waiting.messageId, action: "answer", request: request.requestId });
    for (const chunk of matched.chunks) turn.emit(chunk);
    const resolution = resolutionOf(turn.snapshot(), names);
    if (!resolution) {
      this.end(turn, { kind: "waiting" });
      return { ok: true, turn };
    }
    for (const chunk of resolution.chunks) turn.emit(chunk);
    this.run(turn, { continuing: true, approvedCalls: resolution.approvedCalls });
    return { ok: true, turn };
  }

  /** Ends a wait nobody answered: every waiting call gets its one outcome, in a turn of its own. */
  private closeWait(reason: string, end: TurnEnd, at: number): void {
    const waiting = this.waiting;
    if (!waiting) return;
    const { messages, turns } = this.deps.store();
    const stored = messages.get(waiting.messageId)?.message;
    turns.answered(waiting.turnSeq);
    this.waiting = undefined;
    if (!stored) return;
    const turn = this.startTurn({ messageId: waiting.messageId, base: stored, clientTools: waiting.clientTools, at });
    for (const chunk of closingChunks(stored, toolNames(waiting.clientTools), reason)) turn.emit(chunk);
    this.deps.log("wait_closed", { turn: turn.seq, messageId: waiting.messageId, reason });
    this.end(turn, end);
  }

  /**
   * Starts a turn; the caller has already written the user message in the same synchronous block. A
   * turn that carries on a waiting message (`base`) adds no message: it appends to that one.
   */
  private startTurn(init: { messageId: string; base?: UIMessage; clientTools: ClientTool[]; at: number }): Turn {
    const { turns, chunks, branches } = this.deps.store();
    const seq = turns.nextSeq();
    const firstChunk = chunks.lastSeq() + 1;
    if (!init.base) branches.extend({ id: init.messageId, role: "assistant", parts: [] }, init.at);
    turns.start({ seq, assistantMessageId: init.messageId, firstChunk, startedAt: init.at, clientTools: init.clientTools });
    const messageFirstChunk = init.base ? turns.firstOfMessage(init.messageId)?.firstChunk : undefined;
    return this.create({
      seq,
      messageId: init.messageId,
      firstChunk,
      clientTools: init.clientTools,
      ...(init.base ? { base: init.base } : {}),
      ...(messageFirstChunk !== undefined ? { messageFirstChunk } : {}),
    });
  }

  end(turn: Turn, end: TurnEnd): void {
    if (turn.ended) return;
    turn.end(end);
    if (end.kind === "failed") this.deps.log("turn_failed", { turn: turn.seq, code: end.code });
    if (end.kind === "waiting") {
      this.waiting = { turnSeq: turn.seq, messageId: turn.messageId, clientTools: turn.clientTools, since: Date.now() };
      this.deps.log("turn_waiting", { turn: turn.seq, messageId: turn.messageId });
    }
    if (this.turn === turn) this.turn = undefined;
    this.deps.onEnded(turn);
    // The next queued message, once this synchronous block is over: an admission that closes a wait
    // ends a turn in the middle of adding its own message.
    queueMicrotask(() => this.queue.startNext());
  }

  /** Messages sent while a turn ran, under the queue policy (send-queue.ts). */
  readonly queue: SendQueue;

  /** Stops the running turn, or ends the wait of a waiting one (each waiting call gets its outcome). */
  stop(): boolean {
    if (this.turn) {
      this.end(this.turn, { kind: "cancelled" });
      return true;
    }
    if (!this.waiting) return false;
    this.closeWait(STOPPED_WHILE_WAITING, { kind: "cancelled" }, Date.now());
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
    if (!row) {
      queueMicrotask(() => this.queue.startNext());
      const latest = turns.latest();
      if (latest?.status === "waiting") {
        this.waiting = {
          turnSeq: latest.seq,
          messageId: latest.assistantMessageId,
          clientTools: latest.clientTools ?? [],
          since: latest.endedAt ?? latest.startedAt,
        };
      }
      return;
    }
    // A turn that carried on a waiting message rebuilds that message from all of its turns.
    const messageFirstChunk = turns.firstOfMessage(row.assistantMessageId)?.firstChunk ?? row.firstChunk;
    const resume = await rebuildTurn(chunks, row.firstChunk, row.assistantMessageId, messageFirstChunk);
    const turn = this.create({
      seq: row.seq,
      messageId: row.assistantMessageId,
      firstChunk: row.firstChunk,
      messageFirstChunk,
      clientTools: row.clientTools ?? [],
      resume,
    });
    if (resume.assembler.finished || row.recoveries >= MAX_RECOVERIES) {
      this.deps.log("turn_interrupted", { turn: row.seq, recoveries: row.recoveries });
      this.end(turn, { kind: "failed", code: "turn_interrupted", errorText: INTERRUPTED_TEXT });
      return;
    }
    turns.countRecovery(row.seq, row.recoveries + 1);
    for (const chunk of closeOpenParts(resume.assembler, { errorText: INTERRUPTED_TEXT, continuing: true })) turn.emit(chunk);
    this.deps.log("turn_continued", { turn: row.seq, recoveries: row.recoveries + 1 });
    this.run(turn, { continuing: true });
  }

  /**
   * The alarm's check: heartbeats as a backstop for the stream's timer, and a watchdog that ends a
   * turn which has produced nothing for longer than any legitimate wait (a model stall and the
   * longest tool are each bounded on their own, so this only catches what slipped past both).
   */
  tick(now: number): void {
    const expiresAt = this.waitExpiresAt();
    if (expiresAt !== undefined && now >= expiresAt) {
      const minutes = Math.round(this.deps.config.toolWaitTimeoutMs / 60_000);
      this.closeWait(
        `No answer came within ${minutes} minute${minutes === 1 ? "" : "s"}.`,
        { kind: "finished", finishReason: "other" },
        now,
      );
    }
    const turn = this.turn;
    if (!turn) return;
    turn.stream.heartbeatIfIdle(now);
    const { stallTimeoutMs, toolTimeoutCapMs } = this.deps.config;
    if (turn.stream.idleFor(now) > stallTimeoutMs + toolTimeoutCapMs + WATCHDOG_GRACE_MS) {
      this.deps.log("turn_watchdog", { turn: turn.seq });
      this.end(turn, { kind: "failed", code: "turn_interrupted", errorText: "The turn stopped making progress." });
    }
  }

  private create(init: {
    seq: number;
    messageId: string;
    firstChunk: number;
    clientTools: ClientTool[];
    base?: UIMessage;
    messageFirstChunk?: number;
    resume?: Awaited<ReturnType<typeof rebuildTurn>>;
  }): Turn {
    const store = this.deps.store();
    const turn = new Turn({
      ...init,
      chunkLog: store.chunks,
      recorder: turnRecorder({ ...store, turnSeq: init.seq }),
      flushIntervalMs: this.deps.config.chunkFlushIntervalMs,
      flushDeltas: this.deps.config.chunkFlushDeltas,
      heartbeatIntervalMs: this.deps.config.heartbeatIntervalMs,
      log: this.deps.log,
    });
    this.turn = turn;
    this.deps.onStarted(turn);
    return turn;
  }

  private run(turn: Turn, options: { continuing: boolean; approvedCalls?: ApprovedCall[] }): void {
    const store = this.deps.store();
    const { continuing } = options;
    const context: ContextStore = {
      load: () => {
        // The active branch only: other branches are not part of this conversation.
        const path = store.branches.path();
        const compaction = store.compactions.latestOn(new Set(path.map((m) => m.seq)));
        const after = compaction ? path.findIndex((m) => m.seq === compaction.throughSeq) + 1 : 0;
        const messages = path.slice(after).filter((m) => m.message.id !== turn.messageId);
        // A continued turn shows the model its own answer so far, as it stands in the stream.
        const seq = path.find((m) => m.message.id === turn.messageId)?.seq ?? store.messages.nextSeq;
        const inFlight = continuing ? [{ seq, message: turn.snapshot() }] : [];
        return { summary: compaction?.summary, messages: [...messages, ...inFlight], continuing };
      },
      saveSummary: (summary) => store.compactions.append(summary, Date.now()),
      files: this.deps.files.reader(store.meta.get()!.owner),
      fileIds: this.deps.files.fileIds(store.meta.get()!.owner),
    };
    // Not awaited: the turn outlives the request that started it. Pending I/O keeps the object alive.
    void this.deps.agent
      .run({
        sessionId: store.meta.get()!.id,
        context,
        signal: turn.signal,
        emit: (chunk) => turn.emit(chunk),
        clientTools: turn.clientTools,
        ...(options.approvedCalls ? { approvedCalls: options.approvedCalls } : {}),
      })
      .then((end) => this.end(turn, end));
  }
}

function toolNames(tools: readonly ClientTool[]): ReadonlySet<string> {
  return new Set(tools.map((tool) => tool.name));
}

type SessionAddressOf<T> = SendRequest & T;

/** ms of silence past the model's stall limit and the longest tool's limit before the watchdog acts */
const WATCHDOG_GRACE_MS = 60_000;
