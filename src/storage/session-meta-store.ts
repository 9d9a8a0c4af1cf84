import { eq } from "drizzle-orm";
import { sessionMeta } from "./schema";
import type { SessionDb } from "./session-db";

export type SessionMeta = typeof sessionMeta.$inferSelect;

/** The single metadata row of a session object. Cached: only this actor writes it. */
export class SessionMetaStore {
  private cached: SessionMeta | undefined;

  constructor(private readonly db: SessionDb) {
    this.cached = db.select().from(sessionMeta).get();
  }

  get(): SessionMeta | undefined {
    return this.cached;
  }

  create(row: { id: string; owner: string; at: number }): SessionMeta {
    const meta: SessionMeta = {
      id: row.id,
      owner: row.owner,
      title: null,
      createdAt: row.at,
      updatedAt: row.at,
      usage: null,
      headSeq: null,
    };
    this.db.insert(sessionMeta).values(meta).run();
    this.cached = meta;
    return meta;
  }

  update(patch: Partial<Pick<SessionMeta, "title" | "updatedAt" | "usage" | "headSeq">>): SessionMeta {
    const current = this.cached;
    if (!current) throw new Error("session meta updated before it was created");
    this.db.update(sessionMeta).set(patch).where(eq(sessionMeta.id, current.id)).run();
    this.cached = { ...current, ...patch };
    return this.cached;
  }

  forget(): void {
    this.cached = undefined;
  }
}
