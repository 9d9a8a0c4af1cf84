import { DurableObject } from "cloudflare:workers";
import { generateId, type UIMessage } from "ai";
import { type DrizzleSqliteDODatabase, drizzle } from "drizzle-orm/durable-sqlite";
import { migrate } from "drizzle-orm/durable-sqlite/migrator";
import migrations from "../../migrations/session/migrations.js";
import { type AgentRunner, createAgentRunner } from "../agent/agent-runner";
import type { ContextStore } from "../agent/model-context";
import { type Config, type Env, readConfig } from "../config";
import { type Failure, fail, type Result } from "../protocol/error-code";
import { sessionIndexStub } from "../sessions-index/session-index-stub";
import { ChunkLog } from "../storage/chunk-log";
import { CompactionLog } from "../storage/compaction-log";
import { MessageLog } from "../storage/message-log";
import { SessionMetaStore } from "../storage/session-meta-store";
import { TurnLog } from "../storage/turn-log";
import type { ChunkSource } from "./chunk-source";
import { rebuildTurn } from "./rebuild-turn";
import { resolveFollow } from "./resolve-follow";
import type { FollowRequest, SendRequest, SessionAddress, SessionApi, SessionStats } from "./session-api";
import { buildSessionView, type SessionView } from "./session-view";
import { type SocketAttachment, SocketSession } from "./socket-session";
import { SseFollower } from "./sse-follower";
import { Turn, type TurnEnd } from "./turn";
import { turnRecorder } from "./turn-recorder";
import type { TurnStream } from "./turn-stream";

/** Headers the Worker sets on the internal WebSocket upgrade request, after authenticating it. */
export const SOCKET_USER_HEADER = "x-edgechat-user";
export const SOCKET_SESSION_HEADER = "x-edgechat-session";

/**
 * One chat session. The actor serialises everything that touches the session: a check and the
 * write that depends on it run in one synchronous block, so "one turn at a time" and dense message
 * sequences are plain invariants. The class only wires the parts: storage (storage/), the running
 * turn and its stream (turn.ts, turn-stream.ts), followers (sse-follower.ts) and the agent (agent/).
 */
export class ChatSession extends DurableObject<Env> implements SessionApi {
  private readonly config: Config;
  private readonly db: DrizzleSqliteDODatabase<Record<string, unknown>> & { $client: DurableObjectStorage };
  private readonly chunks: ChunkLog;
  private meta!: SessionMetaStore;
  private messages!: MessageLog;
  private turns!: TurnLog;
  private compactions!: CompactionLog;
  private turn: Turn | undefined;
  private readonly agent: AgentRunner;
  private readonly sockets = new SocketSession({
    begin: (request) => this.begin(request),
    running: () => this.turn?.stream,
    stop: () => {
      if (this.turn) this.endTurn(this.turn, { kind: "cancelled" });
    },
  });
  private readonly writeStats = { messageRowsWritten: 0 };
  /** Index updates go out one at a time so a late update can never overtake a delete. */
  private indexQueue: Promise<void> = Promise.resolve();

  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env);
    this.config = readConfig(env);
    this.db = drizzle(ctx.storage, { logger: false });
    this.chunks = new ChunkLog(ctx.storage.sql);
    this.agent = createAgentRunner(this.config);
    void ctx.blockConcurrencyWhile(async () => {
      await migrate(this.db, migrations);
      this.loadStores();
      await this.recoverInterruptedTurn();
    });
  }

  async send(request: SendRequest): Promise<Result<{ stream: ReadableStream<Uint8Array>; messageId: string }>> {
    const owned = this.checkOwner(request, { allowMissing: true });
    if (owned) return owned;
    const begun = this.begin(request);
    if (!begun.ok) return begun;
    const follower = this.attachSse(begun.stream, begun.stream.firstSeq);
    return { ok: true, stream: follower.stream, messageId: begun.messageId };
  }

  /** Upgrades to a WebSocket held through the Hibernation API; the Worker has authenticated the user. */
  override async fetch(request: Request): Promise<Response> {
    const userId = request.headers.get(SOCKET_USER_HEADER);
    const sessionId = request.headers.get(SOCKET_SESSION_HEADER);
    if (request.headers.get("upgrade")?.toLowerCase() !== "websocket" || !userId || !sessionId) {
      return new Response(null, { status: 400 });
    }
    const owned = this.checkOwner({ userId, sessionId }, { allowMissing: true });
    if (owned) return Response.json({ error: { code: owned.code, message: owned.message } }, { status: 404 });
    const pair = new WebSocketPair();
    const attachment: SocketAttachment = { userId, sessionId };
    this.ctx.acceptWebSocket(pair[1]);
    pair[1].serializeAttachment(attachment);
    return new Response(null, { status: 101, webSocket: pair[0] });
  }

  override async webSocketMessage(socket: WebSocket, message: string | ArrayBuffer): Promise<void> {
    const attachment = socket.deserializeAttachment() as SocketAttachment | null;
    if (!attachment) {
      socket.close(1011, "Unknown socket");
      return;
    }
    await this.sockets.onFrame(socket, attachment, message);
  }

  override async webSocketClose(socket: WebSocket): Promise<void> {
    this.sockets.onClose(socket);
  }

  override async webSocketError(socket: WebSocket): Promise<void> {
    this.sockets.onClose(socket);
  }

  /**
   * Starts a turn for any transport. Everything from the checks to the turn's start is synchronous:
   * no other request can interleave, and the user message is durable (with its sequence number) in
   * the same commit that makes the turn visible as running.
   */
  private begin(request: SendRequest): Result<{ stream: TurnStream; messageId: string }> {
    if (this.turn) return fail("stream_already_active", "A turn is already running in this session. Stop it or wait for it to finish.");
    if (!this.config.anthropicApiKey)
      return fail("not_configured", "The model is not configured on this server (ANTHROPIC_API_KEY is missing).");
    const at = Date.now();
    const assistantId = `msg_${generateId()}`;
    if (request.trigger === "submit-message") {
      const message = request.message;
      if (!message) return fail("invalid_request", "A new user message is required.");
      if (this.messages.has(message.id)) return fail("message_exists", "A message with this id is already in the session.");
      if (!this.meta.get()) this.meta.create({ id: request.sessionId, owner: request.userId, at });
      const first = this.messages.nextSeq === 0;
      this.messages.append(message, at);
      if (first) this.nameSession(textOf(message));
    } else {
      const last = this.meta.get() && this.messages.lastLive();
      if (!last) return fail("invalid_request", "There is no answer to regenerate in this session.");
      if (last.message.role === "assistant") this.messages.supersede(last.message.id, assistantId);
    }
    this.meta.update({ updatedAt: at });
    const turn = this.startTurn(assistantId, at);
    this.syncIndex();
    return { ok: true, stream: turn.stream, messageId: assistantId };
  }

  async follow(request: FollowRequest): Promise<Result<{ stream: ReadableStream<Uint8Array> } | { idle: true }>> {
    const owned = this.checkOwner(request);
    if (owned) return owned;
    const target = resolveFollow({ cursor: request.cursor, running: this.turn?.stream, turns: this.turns, chunks: this.chunks });
    if (!target.ok) return target;
    if ("idle" in target) return { ok: true, idle: true };
    return { ok: true, stream: this.attachSse(target.source, target.startAt).stream };
  }

  async stop(request: SessionAddress): Promise<Result<{ stopped: boolean }>> {
    const owned = this.checkOwner(request);
    if (owned) return owned;
    const turn = this.turn;
    if (!turn) return { ok: true, stopped: false };
    this.endTurn(turn, { kind: "cancelled" });
    return { ok: true, stopped: true };
  }

  async view(request: SessionAddress & { limit: number; beforeSeq?: number }): Promise<Result<{ view: SessionView }>> {
    const owned = this.checkOwner(request);
    if (owned) return owned;
    const view = buildSessionView({
      meta: this.meta.get()!,
      messages: this.messages,
      turn: this.turn,
      limit: request.limit,
      beforeSeq: request.beforeSeq,
    });
    return { ok: true, view };
  }

  async create(request: SessionAddress): Promise<Result<{ view: SessionView; created: boolean }>> {
    const owned = this.checkOwner(request, { allowMissing: true });
    if (owned) return owned;
    const created = !this.meta.get();
    if (created) {
      this.meta.create({ id: request.sessionId, owner: request.userId, at: Date.now() });
      this.syncIndex();
    }
    const view = buildSessionView({ meta: this.meta.get()!, messages: this.messages, turn: this.turn, limit: 1 });
    return { ok: true, view, created };
  }

  /** Stops a running turn and removes every row and the alarm; the object is left empty. */
  async remove(request: SessionAddress): Promise<Result<{ deleted: true }>> {
    const owned = this.checkOwner(request);
    if (owned) return owned;
    if (this.turn) this.endTurn(this.turn, { kind: "cancelled" });
    const { userId, sessionId } = request;
    await this.ctx.storage.deleteAlarm();
    await this.ctx.storage.deleteAll();
    // deleteAll drops the tables too; recreate them so this instance keeps working if reused.
    await migrate(this.db, migrations);
    this.loadStores();
    this.enqueueIndex(() => sessionIndexStub(this.env, userId).remove(sessionId));
    return { ok: true, deleted: true };
  }

  async stats(request: SessionAddress): Promise<Result<{ stats: SessionStats }>> {
    const owned = this.checkOwner(request);
    if (owned) return owned;
    return {
      ok: true,
      stats: {
        chunkLog: { ...this.chunks.stats },
        messageRowsWritten: this.writeStats.messageRowsWritten,
        databaseBytes: this.ctx.storage.sql.databaseSize,
        followers: (this.turn?.stream.followerCount ?? 0) + this.ctx.getWebSockets().length,
      },
    };
  }

  /** Titles the session from its first message, off the turn's path; a failure leaves it untitled. */
  private nameSession(firstMessage: string): void {
    void this.agent.title(firstMessage).then((title) => {
      if (!title || !this.meta.get() || this.meta.get()?.title) return;
      this.meta.update({ title });
      this.syncIndex();
    });
  }

  private startTurn(messageId: string, at: number): Turn {
    const seq = this.turns.nextSeq();
    const firstChunk = this.chunks.lastSeq() + 1;
    this.messages.append({ id: messageId, role: "assistant", parts: [] }, at);
    this.turns.start({ seq, assistantMessageId: messageId, firstChunk, startedAt: at });
    const turn = this.newTurn({ seq, messageId, firstChunk });
    this.sockets.broadcast(this.ctx.getWebSockets(), { type: "turn-started", messageId });
    this.runAgent(turn);
    return turn;
  }

  private newTurn(init: { seq: number; messageId: string; firstChunk: number; resume?: Awaited<ReturnType<typeof rebuildTurn>> }): Turn {
    const turn = new Turn({
      ...init,
      chunkLog: this.chunks,
      recorder: turnRecorder({ messages: this.messages, turns: this.turns, meta: this.meta, turnSeq: init.seq, stats: this.writeStats }),
      flushIntervalMs: this.config.chunkFlushIntervalMs,
      heartbeatIntervalMs: this.config.heartbeatIntervalMs,
      log: (event, detail) => this.log(event, detail),
    });
    this.turn = turn;
    return turn;
  }

  private runAgent(turn: Turn): void {
    const context: ContextStore = {
      load: () => {
        const compaction = this.compactions.latest();
        const messages = this.messages.liveAfter(compaction?.throughSeq ?? -1).filter((m) => m.message.id !== turn.messageId);
        return { summary: compaction?.summary, messages };
      },
      saveSummary: (summary) => this.compactions.append(summary, Date.now()),
    };
    // Not awaited: the turn outlives the request that started it. Pending I/O keeps the object alive.
    void this.agent
      .run({ sessionId: this.meta.get()!.id, context, signal: turn.signal, emit: (chunk) => turn.emit(chunk) })
      .then((end) => this.endTurn(turn, end));
  }

  private endTurn(turn: Turn, end: TurnEnd): void {
    if (turn.ended) return;
    turn.end(end);
    if (end.kind === "failed") this.log("turn_failed", { turn: turn.seq, code: end.code });
    if (this.turn === turn) this.turn = undefined;
    this.sockets.broadcast(this.ctx.getWebSockets(), { type: "turn-ended", messageId: turn.messageId });
    this.syncIndex();
  }

  private attachSse(
    source: ChunkSource & { attach?: (f: SseFollower) => void; detach?: (f: SseFollower) => void },
    startAt: number,
  ): SseFollower {
    const follower = new SseFollower(source, startAt, (gone) => source.detach?.(gone));
    source.attach?.(follower);
    return follower;
  }

  /**
   * A turn still marked running when the object starts was cut off by an eviction, a deploy or a
   * crash. Its chunks up to the last durable one are exactly what followers saw; it is closed from
   * there: every open part ended, every pending tool call given an error outcome, then `finish`.
   */
  private async recoverInterruptedTurn(): Promise<void> {
    const row = this.turns.running();
    if (!row) return;
    const resume = await rebuildTurn(this.chunks, row.firstChunk, row.assistantMessageId);
    const turn = this.newTurn({ seq: row.seq, messageId: row.assistantMessageId, firstChunk: row.firstChunk, resume });
    this.log("turn_interrupted", { turn: row.seq });
    this.endTurn(turn, { kind: "failed", code: "turn_interrupted", errorText: "The turn was interrupted by a server restart." });
  }

  private checkOwner(address: SessionAddress, options: { allowMissing?: boolean } = {}): Failure | undefined {
    const meta = this.meta.get();
    if (!meta) return options.allowMissing ? undefined : notFound();
    // Objects are addressed by (user, session), so this never differs; checked anyway, answered as 404.
    return meta.owner === address.userId && meta.id === address.sessionId ? undefined : notFound();
  }

  private loadStores(): void {
    this.meta = new SessionMetaStore(this.db);
    this.messages = new MessageLog(this.db);
    this.turns = new TurnLog(this.db);
    this.compactions = new CompactionLog(this.db);
  }

  private syncIndex(): void {
    const meta = this.meta.get();
    if (!meta) return;
    const entry = { id: meta.id, title: meta.title, createdAt: meta.createdAt, updatedAt: meta.updatedAt };
    this.enqueueIndex(() => sessionIndexStub(this.env, meta.owner).upsert(entry));
  }

  private enqueueIndex(update: () => Promise<unknown>): void {
    this.indexQueue = this.indexQueue.then(update).then(
      () => undefined,
      (error: unknown) => this.log("index_update_failed", { error: String(error) }),
    );
  }

  private log(event: string, detail: Record<string, unknown>): void {
    console.log(JSON.stringify({ event, session: this.meta?.get()?.id, ...detail }));
  }
}

function notFound(): Failure {
  return fail("not_found", "No such session.");
}

function textOf(message: UIMessage): string {
  return message.parts.map((part) => (part.type === "text" ? part.text : "")).join(" ");
}
