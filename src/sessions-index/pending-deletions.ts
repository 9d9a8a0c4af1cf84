import { and, asc, eq, inArray, lte, min } from "drizzle-orm";
import type { DrizzleSqliteDODatabase } from "drizzle-orm/durable-sqlite";
import { pendingFileDeletions } from "./schema";

/** keys per `IN (...)`: a Durable Object's SQLite takes at most 100 bound parameters per statement */
const BATCH = 90;
/** ms after a failed delete before the alarm tries it again; doubled per failure */
export const RETRY_BASE_MS = 30_000;
/** ms between tries at most, however often a delete has failed: an outage ends, and then within this */
export const RETRY_MAX_MS = 6 * 3_600_000;

export type DeletionKind = "r2_object" | "anthropic_file";

export interface PendingDeletion {
  id: number;
  sha256: string;
  kind: DeletionKind;
  /** the R2 key, or the Files API id */
  target: string;
  attempts: number;
}

/**
 * The deletions a user's index object still owes (pending_file_deletions). Synchronous SQLite only,
 * so recording a deletion happens in the same step that finds the file unused, and cancelling one in
 * the same step that records a new use; the deletes themselves are FileDeleter's.
 */
export class PendingDeletions {
  constructor(private readonly db: DrizzleSqliteDODatabase<Record<string, unknown>>) {}

  /** Records deletions owed, first tried by the caller at once; the alarm's first retry is at `firstRetryAt`. */
  record(targets: readonly { sha256: string; kind: DeletionKind; target: string }[], at: number, firstRetryAt: number): PendingDeletion[] {
    return targets.map((t) =>
      this.db
        .insert(pendingFileDeletions)
        .values({ ...t, attempts: 0, nextAttemptAt: firstRetryAt, createdAt: at })
        .returning({
          id: pendingFileDeletions.id,
          sha256: pendingFileDeletions.sha256,
          kind: pendingFileDeletions.kind,
          target: pendingFileDeletions.target,
          attempts: pendingFileDeletions.attempts,
        })
        .get(),
    );
  }

  /**
   * Cancels the R2 deletions of these files (a new use came in) and answers the files whose deletion
   * was owed: their object may be gone already. A Files API deletion stays owed: its id was taken out
   * of anthropic_files with the last use, so the new use uploads again and the old upload still goes.
   */
  cancelObjects(sha256s: readonly string[]): string[] {
    const cancelled = new Set<string>();
    for (let i = 0; i < sha256s.length; i += BATCH) {
      const where = and(eq(pendingFileDeletions.kind, "r2_object"), inArray(pendingFileDeletions.sha256, sha256s.slice(i, i + BATCH)));
      for (const row of this.db.delete(pendingFileDeletions).where(where).returning({ sha256: pendingFileDeletions.sha256 }).all()) {
        cancelled.add(row.sha256);
      }
    }
    return [...cancelled];
  }

  /** The delete succeeded. By row id, never by target: a row recorded again for the same file is another deletion. */
  done(id: number): void {
    this.db.delete(pendingFileDeletions).where(eq(pendingFileDeletions.id, id)).run();
  }

  /**
   * The delete failed: tried again after a backoff that doubles per failure. Answers the failures so
   * far, or undefined when the row is gone (a new use cancelled it while its delete was in flight).
   */
  failed(id: number, at: number): number | undefined {
    const row = this.db
      .select({ attempts: pendingFileDeletions.attempts })
      .from(pendingFileDeletions)
      .where(eq(pendingFileDeletions.id, id))
      .get();
    if (!row) return undefined;
    const attempts = row.attempts + 1;
    const delay = Math.min(RETRY_MAX_MS, RETRY_BASE_MS * 2 ** Math.min(attempts - 1, 20));
    this.db
      .update(pendingFileDeletions)
      .set({ attempts, nextAttemptAt: at + delay })
      .where(eq(pendingFileDeletions.id, id))
      .run();
    return attempts;
  }

  /** Deletions due by `at`, oldest due first, at most `limit`. */
  due(at: number, limit: number): PendingDeletion[] {
    return this.db
      .select({
        id: pendingFileDeletions.id,
        sha256: pendingFileDeletions.sha256,
        kind: pendingFileDeletions.kind,
        target: pendingFileDeletions.target,
        attempts: pendingFileDeletions.attempts,
      })
      .from(pendingFileDeletions)
      .where(lte(pendingFileDeletions.nextAttemptAt, at))
      .orderBy(asc(pendingFileDeletions.nextAttemptAt), asc(pendingFileDeletions.id))
      .limit(limit)
      .all();
  }

  /** When the next owed deletion is due, or undefined when none is owed. */
  nextDueAt(): number | undefined {
    return (
      this.db
        .select({ at: min(pendingFileDeletions.nextAttemptAt) })
        .from(pendingFileDeletions)
        .get()?.at ?? undefined
    );
  }
}
