import type { DeletionKind, PendingDeletion, PendingDeletions } from "./pending-deletions";

/** keys per R2 delete call: R2 takes at most 1,000 */
const R2_DELETE_BATCH = 1_000;

/** Where owed deletions go: the user's file bucket and the Files API (made on first use). */
export interface DeletionTargets {
  bucket: R2Bucket;
  /** Deletes an upload; one the API no longer knows counts as deleted. */
  deleteUpload(fileId: string): Promise<void>;
}

/**
 * Tries owed deletions (PendingDeletions): a row goes only when its delete succeeded; a failure is
 * logged as `file_delete_failed` and left for the alarm with a backoff, never thrown, since the
 * user's request (a session delete) has succeeded whatever happens to the bytes. Keeps the deletes in
 * flight, so a new use of a file can wait until a delete already sent has landed (`settled`).
 */
export class FileDeleter {
  /** By row id: the alarm skips a row whose delete a release is still making. */
  private readonly inFlight = new Map<number, { sha256: string; kind: DeletionKind; done: Promise<void> }>();

  constructor(
    private readonly pending: PendingDeletions,
    private readonly targets: () => DeletionTargets,
  ) {}

  async run(rows: readonly PendingDeletion[]): Promise<void> {
    const idle = rows.filter((row) => !this.inFlight.has(row.id));
    if (idle.length === 0) return;
    const targets = this.targets();
    const objects = idle.filter((row) => row.kind === "r2_object");
    const attempts: Promise<void>[] = [];
    for (let i = 0; i < objects.length; i += R2_DELETE_BATCH) {
      const batch = objects.slice(i, i + R2_DELETE_BATCH);
      attempts.push(this.attempt(batch, () => targets.bucket.delete(batch.map((row) => row.target))));
    }
    for (const row of idle) {
      if (row.kind === "anthropic_file") attempts.push(this.attempt([row], () => targets.deleteUpload(row.target)));
    }
    await Promise.all(attempts);
  }

  /** Resolves once no R2 delete of these files is in flight: the object is then as it will stay. */
  async settled(sha256s: readonly string[]): Promise<void> {
    if (sha256s.length === 0) return;
    const wanted = new Set(sha256s);
    await Promise.all([...this.inFlight.values()].filter((f) => f.kind === "r2_object" && wanted.has(f.sha256)).map((f) => f.done));
  }

  private attempt(rows: readonly PendingDeletion[], remove: () => Promise<unknown>): Promise<void> {
    // Started a microtask later, so the rows are marked in flight before `finally` can unmark them.
    const done = Promise.resolve()
      .then(remove)
      .then(
        () => {
          for (const row of rows) this.pending.done(row.id);
        },
        (error: unknown) => this.failed(rows, error),
      )
      .finally(() => {
        for (const row of rows) this.inFlight.delete(row.id);
      });
    for (const row of rows) this.inFlight.set(row.id, { sha256: row.sha256, kind: row.kind, done });
    return done;
  }

  private failed(rows: readonly PendingDeletion[], error: unknown): void {
    const at = Date.now();
    for (const row of rows) {
      const attempts = this.pending.failed(row.id, at);
      // undefined: a new use cancelled this deletion while it was in flight; nothing is owed.
      if (attempts === undefined) continue;
      console.log(JSON.stringify({ event: "file_delete_failed", kind: row.kind, target: row.target, attempts, detail: String(error) }));
    }
  }
}
