import { desc } from "drizzle-orm";
import { compactions } from "./schema";
import type { SessionDb } from "./session-db";

export interface Compaction {
  /** Every live message with a sequence at or below this is covered by `summary`. */
  throughSeq: number;
  summary: string;
}

/** Summaries of older turns for the model's context; append-only, the newest one counts. */
export class CompactionLog {
  constructor(private readonly db: SessionDb) {}

  latest(): Compaction | undefined {
    const row = this.db.select().from(compactions).orderBy(desc(compactions.seq)).limit(1).get();
    return row && { throughSeq: row.throughSeq, summary: row.summary };
  }

  append(compaction: Compaction, at: number): void {
    this.db
      .insert(compactions)
      .values({ ...compaction, createdAt: at })
      .run();
  }
}
