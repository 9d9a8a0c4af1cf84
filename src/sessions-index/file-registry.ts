import { and, eq, inArray } from "drizzle-orm";
import type { DrizzleSqliteDODatabase } from "drizzle-orm/durable-sqlite";
import { fileRefs } from "./schema";

/** keys per `IN (...)`: a Durable Object's SQLite takes at most 100 bound parameters per statement */
const BATCH = 90;

export interface FileUse {
  sha256: string;
  sessionId: string;
  /** The message that uses the file, or `upload` while only an upload does. */
  messageId: string;
}

/** Where a user's file lives in the bucket: content-addressed, under the user, so one user never reads another's. */
export function fileKey(userId: string, sha256: string): string {
  return `users/${userId}/files/${sha256}`;
}

/**
 * One user's file references, kept in that user's index object: the single writer for the user, so
 * adding a use and dropping the last one can never interleave. The caller records the deletion of a
 * file found unused in the same step (PendingDeletions): nothing is orphaned, nothing still used is lost.
 */
export class FileRegistry {
  constructor(private readonly db: DrizzleSqliteDODatabase<Record<string, unknown>>) {}

  add(uses: readonly FileUse[], at: number): void {
    for (const use of uses)
      this.db
        .insert(fileRefs)
        .values({ ...use, createdAt: at })
        .onConflictDoNothing()
        .run();
  }

  /**
   * Drops the uses of a session (all of them, or one message's) and answers the files nobody uses any
   * more. Synchronous, so whatever the caller does with that answer before its first await happens in
   * the same step: no new use can come in between.
   */
  drop(scope: { sessionId: string; messageId?: string }): string[] {
    const where = scope.messageId
      ? and(eq(fileRefs.sessionId, scope.sessionId), eq(fileRefs.messageId, scope.messageId))
      : eq(fileRefs.sessionId, scope.sessionId);
    const touched = [
      ...new Set(
        this.db
          .select({ sha256: fileRefs.sha256 })
          .from(fileRefs)
          .where(where)
          .all()
          .map((r) => r.sha256),
      ),
    ];
    this.db.delete(fileRefs).where(where).run();
    if (touched.length === 0) return [];
    const stillUsed = new Set<string>();
    // In batches: a Durable Object's SQLite takes at most 100 bound parameters per statement.
    for (let i = 0; i < touched.length; i += BATCH) {
      const batch = touched.slice(i, i + BATCH);
      for (const row of this.db.select({ sha256: fileRefs.sha256 }).from(fileRefs).where(inArray(fileRefs.sha256, batch)).all()) {
        stillUsed.add(row.sha256);
      }
    }
    return touched.filter((sha) => !stillUsed.has(sha));
  }
}
