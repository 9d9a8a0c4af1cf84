import { DurableObject } from "cloudflare:workers";
import { and, desc, eq, lt, or } from "drizzle-orm";
import { type DrizzleSqliteDODatabase, drizzle } from "drizzle-orm/durable-sqlite";
import { migrate } from "drizzle-orm/durable-sqlite/migrator";
import migrations from "../../migrations/sessions-index/migrations.js";
import { createAnthropicClient } from "../agent/anthropic-client";
import { AnthropicFiles } from "../agent/anthropic-files";
import { type ConfigVars, readConfig } from "../config";
import { type SessionEvent, sessionEventFrame } from "../protocol/session-events";
import type { SessionSummary } from "../protocol/session-summary";
import { AnthropicFileIds } from "./anthropic-file-ids";
import { FileDeleter } from "./file-deleter";
import { FileRegistry, type FileUse, fileKey } from "./file-registry";
import { PendingDeletions, RETRY_BASE_MS } from "./pending-deletions";
import { userSessions } from "./schema";

/** event streams one user may hold open at once (tabs, devices); a new one past this closes the oldest */
export const MAX_EVENT_STREAMS = 32;
/** ms without an event before a heartbeat comment: proxies close SSE connections idle for about 100 s */
const EVENT_HEARTBEAT_MS = 25_000;
/** bytes queued for a client that does not read before its stream is closed (it reconnects and reloads the list) */
const MAX_EVENT_BACKLOG_BYTES = 64 * 1024;

const encoder = new TextEncoder();
const HEARTBEAT = encoder.encode(": heartbeat\n\n");
/** owed deletions one alarm tries at most (each a subrequest or part of one); more are left for an alarm at once */
const ALARM_DELETIONS = 200;

export interface SessionPage {
  sessions: SessionSummary[];
  /** Opaque; pass back as `cursor` for the next page. */
  nextCursor: string | null;
}

/**
 * One user's list of sessions, most recent activity first. Each session object keeps its own entry
 * current; this object only answers "which sessions does this user have". One per user, so listing
 * scales with users rather than funnelling everyone through one index.
 */
/** What the index object reads from its env: the file bucket, and the vars it needs to delete Files API uploads. */
export interface UserSessionsEnv extends ConfigVars {
  FILES: R2Bucket;
}

export class UserSessions extends DurableObject<UserSessionsEnv> {
  private readonly db: DrizzleSqliteDODatabase<Record<string, unknown>>;
  /** Open event streams, oldest first. In memory: a stream ends with the object, and the client reconnects. */
  private readonly streams = new Set<ReadableStreamDefaultController<Uint8Array>>();
  private heartbeat: ReturnType<typeof setInterval> | undefined;
  private readonly fileIds: AnthropicFileIds;
  private readonly pending: PendingDeletions;
  private readonly deleter: FileDeleter;
  /** Made on first use: most users' index objects never delete a Files API upload. */
  private upstreamFiles: AnthropicFiles | undefined;

  constructor(ctx: DurableObjectState, env: UserSessionsEnv) {
    super(ctx, env);
    this.db = drizzle(ctx.storage);
    this.fileIds = new AnthropicFileIds(this.db);
    this.pending = new PendingDeletions(this.db);
    this.deleter = new FileDeleter(this.pending, () => ({
      bucket: this.env.FILES,
      deleteUpload: (fileId) => this.upstream().delete(fileId),
    }));
    void ctx.blockConcurrencyWhile(() => migrate(this.db, migrations));
  }

  async upsert(entry: SessionSummary): Promise<void> {
    this.db
      .insert(userSessions)
      .values(entry)
      .onConflictDoUpdate({ target: userSessions.id, set: { title: entry.title, updatedAt: entry.updatedAt } })
      .run();
    this.publish({ type: "upsert", session: entry });
  }

  async remove(id: string): Promise<void> {
    this.db.delete(userSessions).where(eq(userSessions.id, id)).run();
    this.publish({ type: "remove", id });
  }

  /**
   * The user's session events as an SSE body, from now on (nothing is replayed: a client loads the
   * list when it connects). Heartbeats keep idle connections open through proxies.
   */
  async events(): Promise<ReadableStream<Uint8Array>> {
    let own: ReadableStreamDefaultController<Uint8Array> | undefined;
    return new ReadableStream<Uint8Array>(
      {
        start: (controller) => {
          own = controller;
          if (this.streams.size >= MAX_EVENT_STREAMS) {
            const oldest = this.streams.values().next().value;
            if (oldest) this.close(oldest);
          }
          this.streams.add(controller);
          // A first byte at once, so the client knows it is connected (and proxies flush the headers).
          controller.enqueue(encoder.encode(": connected\n\n"));
          this.heartbeat ??= setInterval(() => this.send(HEARTBEAT), EVENT_HEARTBEAT_MS);
        },
        cancel: () => {
          if (own) this.forget(own);
        },
      },
      // Counted in bytes, so desiredSize says how much a client has left unread.
      { highWaterMark: 0, size: (chunk) => chunk.byteLength },
    );
  }

  private publish(event: SessionEvent): void {
    if (this.streams.size > 0) this.send(encoder.encode(sessionEventFrame(event)));
  }

  private send(bytes: Uint8Array): void {
    for (const controller of this.streams) {
      if ((controller.desiredSize ?? 0) < -MAX_EVENT_BACKLOG_BYTES) {
        this.close(controller);
        continue;
      }
      try {
        controller.enqueue(bytes);
      } catch {
        // The stream was closed or errored (its client went away): enqueue throws; drop it.
        this.forget(controller);
      }
    }
  }

  private close(controller: ReadableStreamDefaultController<Uint8Array>): void {
    try {
      controller.close();
    } catch {
      // Already closed by its client.
    }
    this.forget(controller);
  }

  private forget(controller: ReadableStreamDefaultController<Uint8Array>): void {
    this.streams.delete(controller);
    if (this.streams.size === 0 && this.heartbeat !== undefined) {
      clearInterval(this.heartbeat);
      this.heartbeat = undefined;
    }
  }

  /**
   * Records that a session's message (or upload) uses these files. A file whose deletion is still
   * owed is kept: its R2 deletion is cancelled in the same step, and `revived` names it, since its
   * object may be gone already. Answers only once any R2 delete of it already sent has landed, so the
   * caller's HEAD then sees the object as it stays, and writes the bytes again (or, with none to
   * write, refuses the file) rather than keep a use of a missing object.
   */
  async addFileUses(uses: FileUse[]): Promise<{ revived: string[] }> {
    new FileRegistry(this.db).add(uses, Date.now());
    const revived = this.pending.cancelObjects(uses.map((use) => use.sha256));
    await this.deleter.settled(revived);
    return { revived };
  }

  /**
   * Drops a session's (or one message's) uses and deletes the files nobody uses any more: their bytes
   * in R2 and their Files API uploads. In the same synchronous step as the uses go, the ids are taken
   * (a new use finds none and uploads again) and every delete is recorded as owed; each is removed
   * when it succeeds, and the alarm retries the rest with a backoff. Never throws for a failed delete:
   * the session is gone either way.
   */
  async releaseFiles(userId: string, scope: { sessionId: string; messageId?: string }): Promise<string[]> {
    const unused = new FileRegistry(this.db).drop(scope);
    if (unused.length === 0) return [];
    const now = Date.now();
    const owed = this.pending.record(
      [
        ...unused.map((sha256) => ({ sha256, kind: "r2_object" as const, target: fileKey(userId, sha256) })),
        ...this.fileIds.take(unused).map(({ sha256, fileId }) => ({ sha256, kind: "anthropic_file" as const, target: fileId })),
      ],
      now,
      now + RETRY_BASE_MS,
    );
    // The retry is scheduled before the first try: an object evicted mid-delete still retries.
    await this.scheduleDeletions();
    await this.deleter.run(owed);
    await this.scheduleDeletions();
    return unused;
  }

  /** Retries the owed deletions that are due (see releaseFiles). */
  override async alarm(): Promise<void> {
    await this.deleter.run(this.pending.due(Date.now(), ALARM_DELETIONS));
    await this.scheduleDeletions();
  }

  /** The alarm at the next owed deletion's time (at once if one is overdue), or none when nothing is owed. */
  private async scheduleDeletions(): Promise<void> {
    const next = this.pending.nextDueAt();
    if (next === undefined) await this.ctx.storage.deleteAlarm();
    else await this.ctx.storage.setAlarm(next);
  }

  /** The user's Files API ids of these files (by SHA-256), for those that have one. */
  async anthropicFileIds(sha256s: string[]): Promise<Record<string, string>> {
    return this.fileIds.get(sha256s);
  }

  /**
   * Records an upload; answers the id to use (see AnthropicFileIds.record). An upload that is not
   * kept is deleted by its uploader at once; it is also owed here, tried first by the alarm after
   * that (a 404 counts as deleted), so a failure of the uploader's delete leaves no orphan either.
   */
  async recordAnthropicFile(sha256: string, fileId: string): Promise<string | undefined> {
    const now = Date.now();
    const kept = this.fileIds.record(sha256, fileId, now);
    if (kept !== fileId) {
      this.pending.record([{ sha256, kind: "anthropic_file", target: fileId }], now, now + RETRY_BASE_MS);
      await this.scheduleDeletions();
    }
    return kept;
  }

  /** Forgets an id the API answered as unknown. */
  async forgetAnthropicFile(sha256: string, fileId: string): Promise<void> {
    this.fileIds.forget(sha256, fileId);
  }

  /**
   * No SDK retries: a failed delete is owed and retried by the alarm with its own backoff, and the
   * SDK's retries would hold the user's delete request for seconds.
   */
  private upstream(): AnthropicFiles {
    this.upstreamFiles ??= new AnthropicFiles(createAnthropicClient({ ...readConfig(this.env), upstreamMaxRetries: 0 }));
    return this.upstreamFiles;
  }

  async list(options: { limit: number; cursor?: { updatedAt: number; id: string } }): Promise<SessionPage> {
    const { cursor } = options;
    const rows = this.db
      .select()
      .from(userSessions)
      .where(
        cursor &&
          or(
            lt(userSessions.updatedAt, cursor.updatedAt),
            and(eq(userSessions.updatedAt, cursor.updatedAt), lt(userSessions.id, cursor.id)),
          ),
      )
      .orderBy(desc(userSessions.updatedAt), desc(userSessions.id))
      .limit(options.limit + 1)
      .all();
    const page = rows.slice(0, options.limit);
    const last = page.at(-1);
    return {
      sessions: page,
      nextCursor: rows.length > options.limit && last ? encodeListCursor({ updatedAt: last.updatedAt, id: last.id }) : null,
    };
  }
}

export function encodeListCursor(cursor: { updatedAt: number; id: string }): string {
  return btoa(`${cursor.updatedAt}:${cursor.id}`).replaceAll("=", "");
}

/** Undefined for anything that is not a cursor this object issued. */
export function decodeListCursor(raw: string): { updatedAt: number; id: string } | undefined {
  try {
    const match = /^(\d{1,16}):([A-Za-z0-9_-]{1,64})$/.exec(atob(raw));
    return match ? { updatedAt: Number(match[1]), id: match[2]! } : undefined;
  } catch {
    return undefined;
  }
}
