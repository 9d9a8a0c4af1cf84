import { desc } from "drizzle-orm";
import { compactions } from "./schema";
import type { SessionDb } from "./session-db";

export interface Compaction {
  /** Every message of the branch up to and including this one is covered by `summary`. */
  throughSeq: number;
  summary: string;
}

/** Summaries of older turns for the model's context; append-only, the newest one counts. */
export class CompactionLog {
  constructor(private readonly db: SessionDb) {}

  /**
   * The newest summary of the branch `path` holds: a summary covers the messages up to `throughSeq`
   * on that message's own path, so it applies to every branch that passes through it, and to no other.
   * Summaries are few (one per compaction), so they are read whole.
   */
  latestOn(path: ReadonlySet<number>): Compaction | undefined {
    const row = this.db
      .select()
      .from(compactions)
      .orderBy(desc(compactions.seq))
      .all()
      .find((r) => path.has(r.throughSeq));
    return row && { throughSeq: row.throughSeq, summary: row.summary };
  }

  append(compaction: Compaction, at: number): void {
    this.db
      .insert(compactions)
      .values({ ...compaction, createdAt: at })
      .run();
  }
}
