import { DurableObject } from "cloudflare:workers";
import { drizzle } from "drizzle-orm/durable-sqlite";
import { migrate } from "drizzle-orm/durable-sqlite/migrator";
import migrations from "../../migrations/session/migrations.js";
import { type AgentRunner, createAgentRunner } from "../agent/agent-runner";
import { type Config, readConfig } from "../config";
import { type Failure, fail, type Result } from "../protocol/error-code";
import { sessionIndexStub } from "../sessions-index/session-index-stub";
import { ChunkLog } from "../storage/chunk-log";
import { CompactionLog } from "../storage/compaction-log";
import { MessageLog } from "../storage/message-log";
import { MessageQueue } from "../storage/message-queue";
import { sessionSchema } from "../storage/schema";
import type { SessionDb } from "../storage/session-db";
import { SessionMetaStore } from "../storage/session-meta-store";
import { TurnLog } from "../storage/turn-log";
import { Branches } from "./branches";
import type { ChunkSource } from "./chunk-source";
import { FileStore } from "./file-store";
import { pruneChunks } from "./prune-chunks";
import { queuedSse } from "./queued-sse";
import { resolveFollow } from "./resolve-follow";
import { SendAdmission } from "./send-admission";
import type { FollowRequest, SendRequest, SessionAddress, SessionApi, SessionStats } from "./session-api";
import type { SessionEnv as Env } from "./session-env";
import type { SessionStore } from "./session-store";
import { buildSessionView, type SessionView } from "./session-view";
import { SOCKET_SESSION_HEADER, SOCKET_USER_HEADER } from "./socket-headers";
import { type SocketAttachment, SocketSession } from "./socket-session";
import { SseFollower } from "./sse-follower";
import { TurnManager } from "./turn-manager";
import type { TurnStream } from "./turn-stream";

/** ms between alarms while a turn runs (heartbeat backstop and watchdog), at most */
const MAX_ALARM_INTERVAL_MS = 10_000;

/**
 * One chat session. The actor serialises everything that touches the session: a check and the
 * write that depends on it run in one synchronous block, so "one turn at a time" and dense message
 * sequences are plain invariants. The class only wires the parts: storage (storage/), the turn
 * lifecycle (turn-manager.ts), followers (sse-follower.ts, socket-session.ts) and the agent (agent/).
 */
export class ChatSession extends DurableObject<Env> implements SessionApi {
  private readonly config: Config;
  private readonly db: SessionDb;
  private store!: SessionStore;
  private readonly agent: AgentRunner;
  private readonly turns: TurnManager;
  /** Rows the message log has written since this object started (stats). */
  private readonly messageWrites = { rowsWritten: 0 };
  /** Index updates go out one at a time so a late update can never overtake a delete. */
  private indexQueue: Promise<void> = Promise.resolve();
  private readonly sockets: SocketSession;
  private readonly files: FileStore;
  /** Requests whose message was queued, waiting for its turn to start (undefined: it never will). */
  private readonly sends: SendAdmission;

  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env);
    this.config = readConfig(env);
    this.db = drizzle(ctx.storage, { schema: sessionSchema, logger: false });
    this.agent = createAgentRunner(this.config);
    this.files = new FileStore(env.FILES, (userId) => sessionIndexStub(env, userId));

    this.sockets = new SocketSession(
      {
        begin: (request) => this.sends.begin(request),
        running: () => this.turns.current?.stream,
        stop: () => void this.turns.stop(),
      },
      this.config.socketOutputLimitBytes,
      this.config.fileLimits,
    );
    this.turns = new TurnManager({
      store: () => this.store,
      config: this.config,
      agent: this.agent,
      log: (event, detail) => this.log(event, detail),
      onStarted: (turn) => {
        this.sockets.broadcast(this.ctx.getWebSockets(), { type: "turn-started", messageId: turn.messageId });
        this.rescheduleAlarm();
      },
      onEnded: (turn) => {
        this.sockets.broadcast(this.ctx.getWebSockets(), { type: "turn-ended", messageId: turn.messageId });
        this.syncIndex();
        this.rescheduleAlarm();
      },
      onListingChanged: () => this.syncIndex(),
      onQueuedStarted: (messageId, turn) => {
        this.sends.started(messageId, turn);
      },
      onQueueChanged: () => {
        this.sockets.broadcast(this.ctx.getWebSockets(), { type: "queue-changed", queued: this.turns.queue.list().map((m) => m.id) });
        this.syncIndex();
      },
      files: this.files,
    });
    this.sends = new SendAdmission({ turns: this.turns, files: this.files, store: () => this.store, log: (e, d) => this.log(e, d) });
    void ctx.blockConcurrencyWhile(async () => {
      await migrate(this.db, migrations);
      this.loadStores();
      await this.turns.recover();
    });
  }

  async send(request: SendRequest): Promise<Result<{ stream: ReadableStream<Uint8Array>; messageId: string }>> {
    const owned = this.checkOwner(request, { allowMissing: true });
    if (owned) return owned;
    const begun = await this.sends.begin(request);
    if (!begun.ok) return begun;
    if ("queued" in begun) {
      const stream = queuedSse(begun.queued, (started) => this.attachSse(started.source, started.startAt).stream, this.log.bind(this));
      return { ok: true, stream, messageId: request.action === "send" ? request.message.id : "" };
    }
    const follower = this.attachSse(begun.source, begun.startAt);
    return { ok: true, stream: follower.stream, messageId: begun.messageId };
  }

  async follow(request: FollowRequest): Promise<Result<{ stream: ReadableStream<Uint8Array> } | { idle: true }>> {
    const owned = this.checkOwner(request);
    if (owned) return owned;
    const { turns, chunks } = this.store;
    const target = resolveFollow({ cursor: request.cursor, running: this.turns.current?.stream, turns, chunks });
    if (!target.ok) return target;
    if ("idle" in target) return { ok: true, idle: true };
    return { ok: true, stream: this.attachSse(target.source, target.startAt).stream };
  }

  async stop(request: SessionAddress): Promise<Result<{ stopped: boolean }>> {
    const owned = this.checkOwner(request);
    if (owned) return owned;
    const stopped = this.turns.stop();
    if (stopped) this.log("turn_stopped", { request: request.requestId });
    return { ok: true, stopped };
  }

  async view(request: SessionAddress & { limit: number; beforeSeq?: number }): Promise<Result<{ view: SessionView }>> {
    const owned = this.checkOwner(request);
    if (owned) return owned;
    return { ok: true, view: this.viewOf(request.limit, request.beforeSeq) };
  }

  async create(request: SessionAddress): Promise<Result<{ view: SessionView; created: boolean }>> {
    const owned = this.checkOwner(request, { allowMissing: true });
    if (owned) return owned;
    const created = !this.store.meta.get();
    if (created) {
      this.store.meta.create({ id: request.sessionId, owner: request.userId, at: Date.now() });
      this.syncIndex();
    }
    return { ok: true, view: this.viewOf(1), created };
  }

  /** The user's own title; a generated one never replaces it (the title call skips a titled session). */
  async rename(request: SessionAddress & { title: string }): Promise<Result<{ view: SessionView }>> {
    const owned = this.checkOwner(request);
    if (owned) return owned;
    this.store.meta.update({ title: request.title });
    this.syncIndex();
    return { ok: true, view: this.viewOf(1) };
  }

  /**
   * Makes the branch through message `seq` the active one (down to where it was left). Refused while a
   * turn runs or tool calls wait for answers: the branch those belong to must stay the active one.
   */
  async switchHead(request: SessionAddress & { seq: number }): Promise<Result<{ view: SessionView }>> {
    const owned = this.checkOwner(request);
    if (owned) return owned;
    if (this.turns.current) return fail("stream_already_active", "A turn is running; switch branches when it has finished.");
    if (this.turns.waitingFor()) return fail("tools_pending", "Tool calls wait for an answer on this branch; answer or stop them first.");
    if (!this.store.messages.node(request.seq)) return fail("invalid_request", `There is no message ${request.seq} in this session.`);
    const headSeq = this.store.branches.switchTo(request.seq);
    this.log("head_switched", { headSeq, request: request.requestId });
    this.sockets.broadcast(this.ctx.getWebSockets(), { type: "head-changed", headSeq });
    this.syncIndex();
    return { ok: true, view: this.viewOf(100) };
  }

  /**
   * Adds a user message and has it answered with no client attached (a webhook, a scheduled job): the
   * turn runs to its end on its own, and anyone can follow it from `cursor`. A re-send of the same
   * message gives the same turn.
   */
  async start(request: SendRequest): Promise<Result<{ messageId: string; cursor: number | null; queued: boolean }>> {
    const owned = this.checkOwner(request, { allowMissing: true });
    if (owned) return owned;
    const begun = await this.sends.begin(request);
    if (!begun.ok) return begun;
    // Queued: the answer has no id yet; the user message's id names the entry (cancel it with that).
    if ("queued" in begun) return { ok: true, messageId: request.action === "send" ? request.message.id : "", cursor: null, queued: true };
    // The last chunk before the turn; none for a session's first turn (follow that one without a cursor).
    return { ok: true, messageId: begun.messageId, cursor: begun.startAt > 0 ? begun.startAt - 1 : null, queued: false };
  }

  /** Cancels a queued message before it runs. */
  async cancelQueued(request: SessionAddress & { messageId: string }): Promise<Result<{ cancelled: true }>> {
    const owned = this.checkOwner(request);
    if (owned) return owned;
    if (!this.turns.queue.cancel(request.messageId)) return fail("not_found", "No such queued message (it may have started already).");
    return { ok: true, cancelled: true };
  }

  /** Stops a running turn and removes every row and the alarm; the object is left empty. */
  async remove(request: SessionAddress): Promise<Result<{ deleted: true }>> {
    const owned = this.checkOwner(request);
    if (owned) return owned;
    this.turns.stop();
    const { userId, sessionId } = request;
    await this.ctx.storage.deleteAlarm();
    await this.ctx.storage.deleteAll();
    // deleteAll drops the tables too; recreate them so this instance keeps working if reused.
    await migrate(this.db, migrations);
    this.loadStores();
    this.enqueueIndex(() => sessionIndexStub(this.env, userId).remove(sessionId));
    // Its files go with it, unless another session of the user still uses them.
    this.enqueueIndex(() => this.files.release(userId, { sessionId }));
    return { ok: true, deleted: true };
  }

  async stats(request: SessionAddress): Promise<Result<{ stats: SessionStats }>> {
    const owned = this.checkOwner(request);
    if (owned) return owned;
    return {
      ok: true,
      stats: {
        chunkLog: { ...this.store.chunks.stats },
        messageRowsWritten: this.messageWrites.rowsWritten,
        databaseBytes: this.ctx.storage.sql.databaseSize,
        // SSE and WebSocket requests following the running turn, and open sockets (attached or not).
        followers: this.turns.current?.stream.followerCount ?? 0,
        sockets: this.ctx.getWebSockets().length,
      },
    };
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
   * While a turn runs: heartbeat backstop and watchdog. After an eviction or crash the alarm is what
   * wakes the object (the constructor continues the interrupted turn). Otherwise: chunk-log retention,
   * and the expiry of a wait for answers when TOOL_WAIT_TIMEOUT_MS is set.
   */
  override async alarm(): Promise<void> {
    const now = Date.now();
    this.turns.tick(now);
    await this.scheduleAlarm(now);
  }

  private viewOf(limit: number, beforeSeq?: number): SessionView {
    const { meta, branches } = this.store;
    return buildSessionView({
      meta: meta.get()!,
      branches,
      turn: this.turns.current,
      waiting: this.turns.waitingFor(),
      queued: this.turns.queue.list(),
      limit,
      beforeSeq,
    });
  }

  private attachSse(source: ChunkSource & Partial<Pick<TurnStream, "attach" | "detach">>, startAt: number): SseFollower {
    const follower = new SseFollower(source, startAt, (gone) => source.detach?.(gone));
    source.attach?.(follower);
    return follower;
  }

  /** Reschedules off the request's path; a failed storage call is logged, never an unhandled rejection. */
  private rescheduleAlarm(): void {
    this.scheduleAlarm().catch((error: unknown) => this.log("alarm_schedule_failed", { error: String(error) }));
  }

  /** The next alarm: soon while a turn runs, else when a kept chunk log or a wait expires, else none. */
  private async scheduleAlarm(now = Date.now()): Promise<void> {
    if (this.turns.current) {
      await this.ctx.storage.setAlarm(now + Math.min(MAX_ALARM_INTERVAL_MS, this.config.heartbeatIntervalMs));
      return;
    }
    const waiting = this.turns.waitingFor();
    const keepFrom = waiting && this.store.turns.firstOfMessage(waiting.messageId)?.firstChunk;
    const { pruned, nextDueAt } = pruneChunks(this.store.turns, this.store.chunks, now, this.config.chunkRetentionMs, keepFrom);
    if (pruned > 0) this.log("chunks_pruned", { rows: pruned });
    // A wait with an expiry needs the alarm that closes it; a wait without one needs no alarm at all.
    const due = [nextDueAt, this.turns.waitExpiresAt()].filter((at): at is number => at !== undefined);
    if (due.length === 0) await this.ctx.storage.deleteAlarm();
    else await this.ctx.storage.setAlarm(Math.max(Math.min(...due), now + 1_000));
  }

  private checkOwner(address: SessionAddress, options: { allowMissing?: boolean } = {}): Failure | undefined {
    const meta = this.store.meta.get();
    if (!meta) return options.allowMissing ? undefined : notFound();
    // Objects are addressed by (user, session), so this never differs; checked anyway, answered as 404.
    return meta.owner === address.userId && meta.id === address.sessionId ? undefined : notFound();
  }

  private loadStores(): void {
    const meta = new SessionMetaStore(this.db);
    const messages = new MessageLog(this.db, this.messageWrites);
    this.store = {
      meta,
      messages,
      turns: new TurnLog(this.db),
      compactions: new CompactionLog(this.db),
      chunks: this.store?.chunks ?? new ChunkLog(this.ctx.storage.sql),
      branches: new Branches(messages, meta),
      queue: new MessageQueue(this.db),
    };
  }

  private syncIndex(): void {
    const meta = this.store.meta.get();
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
    console.log(JSON.stringify({ event, session: this.store?.meta.get()?.id, ...detail }));
  }
}

function notFound(): Failure {
  return fail("not_found", "No such session.");
}
