import { DurableObject } from "cloudflare:workers";
import { and, desc, eq, lt, or } from "drizzle-orm";
import { type DrizzleSqliteDODatabase, drizzle } from "drizzle-orm/durable-sqlite";
import { migrate } from "drizzle-orm/durable-sqlite/migrator";
import migrations from "../../migrations/sessions-index/migrations.js";
import type { SessionSummary } from "../session/session-view";
import { FileRegistry, type FileUse } from "./file-registry";
import { userSessions } from "./schema";

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
export class UserSessions extends DurableObject<{ FILES: R2Bucket }> {
  private readonly db: DrizzleSqliteDODatabase<Record<string, unknown>>;

  constructor(ctx: DurableObjectState, env: { FILES: R2Bucket }) {
    super(ctx, env);
    this.db = drizzle(ctx.storage);
    void ctx.blockConcurrencyWhile(() => migrate(this.db, migrations));
  }

  async upsert(entry: SessionSummary): Promise<void> {
    this.db
      .insert(userSessions)
      .values(entry)
      .onConflictDoUpdate({ target: userSessions.id, set: { title: entry.title, updatedAt: entry.updatedAt } })
      .run();
  }

  async remove(id: string): Promise<void> {
    this.db.delete(userSessions).where(eq(userSessions.id, id)).run();
  }

  /** Records that a session's message (or upload) uses these files. */
  async addFileUses(userId: string, uses: FileUse[]): Promise<void> {
    new FileRegistry(this.db, this.env.FILES, userId).add(uses, Date.now());
  }

  /** Drops a session's (or one message's) uses and deletes the files nobody uses any more. */
  async releaseFiles(userId: string, scope: { sessionId: string; messageId?: string }): Promise<string[]> {
    return new FileRegistry(this.db, this.env.FILES, userId).release(scope);
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
