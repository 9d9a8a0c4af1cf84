import { and, eq, inArray } from "drizzle-orm";
import type { DrizzleSqliteDODatabase } from "drizzle-orm/durable-sqlite";
import { anthropicFiles, fileRefs } from "./schema";

/** keys per `IN (...)`: a Durable Object's SQLite takes at most 100 bound parameters per statement */
const BATCH = 90;

/**
 * One user's Anthropic Files API ids, one per file content, in the user's index object: the single
 * writer for the user, so recording an id, the last use going and the id being taken for deletion
 * never interleave. Synchronous SQLite only; the API calls are the caller's.
 */
export class AnthropicFileIds {
  constructor(private readonly db: DrizzleSqliteDODatabase<Record<string, unknown>>) {}

  get(sha256s: readonly string[]): Record<string, string> {
    const ids: Record<string, string> = {};
    for (let i = 0; i < sha256s.length; i += BATCH) {
      const rows = this.db
        .select()
        .from(anthropicFiles)
        .where(inArray(anthropicFiles.sha256, sha256s.slice(i, i + BATCH)))
        .all();
      for (const row of rows) ids[row.sha256] = row.fileId;
    }
    return ids;
  }

  /**
   * Keeps the first id recorded for a content and answers the one to use. A file no message uses any
   * more (its last use went while it was being uploaded) gets no id: undefined, and the caller
   * deletes its upload, which nothing would ever delete otherwise.
   */
  record(sha256: string, fileId: string, at: number): string | undefined {
    const used = this.db.select({ sha256: fileRefs.sha256 }).from(fileRefs).where(eq(fileRefs.sha256, sha256)).limit(1).all();
    if (used.length === 0) return undefined;
    this.db.insert(anthropicFiles).values({ sha256, fileId, createdAt: at }).onConflictDoNothing().run();
    return this.get([sha256])[sha256];
  }

  /** Forgets an id the API no longer knows, unless another upload has replaced it already. */
  forget(sha256: string, fileId: string): void {
    this.db
      .delete(anthropicFiles)
      .where(and(eq(anthropicFiles.sha256, sha256), eq(anthropicFiles.fileId, fileId)))
      .run();
  }

  /** Removes the ids of files whose last use went, and answers them for deletion upstream. */
  take(sha256s: readonly string[]): { sha256: string; fileId: string }[] {
    const ids = Object.entries(this.get(sha256s)).map(([sha256, fileId]) => ({ sha256, fileId }));
    for (let i = 0; i < sha256s.length; i += BATCH) {
      this.db
        .delete(anthropicFiles)
        .where(inArray(anthropicFiles.sha256, sha256s.slice(i, i + BATCH)))
        .run();
    }
    return ids;
  }
}
