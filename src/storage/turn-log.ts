import { and, asc, desc, eq, gt, lt, lte, ne } from "drizzle-orm";
import type { ClientTool } from "../protocol/client-tools";
import type { ErrorCode } from "../protocol/error-code";
import { turns } from "./schema";
import type { SessionDb } from "./session-db";

export type TurnStatus = (typeof turns.$inferSelect)["status"];
export type TurnRow = typeof turns.$inferSelect;

/** Turn records: which turn is running, and which chunk range each turn owns (for cursors). */
export class TurnLog {
  constructor(private readonly db: SessionDb) {}

  nextSeq(): number {
    const row = this.db.select({ seq: turns.seq }).from(turns).orderBy(desc(turns.seq)).limit(1).get();
    return (row?.seq ?? -1) + 1;
  }

  start(row: { seq: number; assistantMessageId: string; firstChunk: number; startedAt: number; clientTools: ClientTool[] }): void {
    this.db
      .insert(turns)
      .values({
        ...row,
        clientTools: row.clientTools.length > 0 ? row.clientTools : null,
        status: "running",
        lastChunk: null,
        errorCode: null,
        endedAt: null,
        recoveries: 0,
      })
      .run();
  }

  /** A waiting turn whose wait is over (answered or closed): the turn after it carries the message on. */
  answered(seq: number): void {
    this.db.update(turns).set({ status: "finished" }).where(eq(turns.seq, seq)).run();
  }

  /** The newest turn: a session waits for answers when its status is 'waiting'. */
  latest(): TurnRow | undefined {
    return this.db.select().from(turns).orderBy(desc(turns.seq)).limit(1).get();
  }

  /** The first turn of an assistant message (a message that waited for answers spans several turns). */
  firstOfMessage(assistantMessageId: string): TurnRow | undefined {
    return this.db.select().from(turns).where(eq(turns.assistantMessageId, assistantMessageId)).orderBy(asc(turns.seq)).limit(1).get();
  }

  end(
    seq: number,
    outcome: { status: Exclude<TurnStatus, "running">; lastChunk: number; errorCode: ErrorCode | null; endedAt: number },
  ): void {
    this.db.update(turns).set(outcome).where(eq(turns.seq, seq)).run();
  }

  countRecovery(seq: number, recoveries: number): void {
    this.db.update(turns).set({ recoveries }).where(eq(turns.seq, seq)).run();
  }

  /** Finished turns whose chunks are still kept and that ended before `before`: their last chunk. */
  lastChunkEndedBefore(before: number): number | undefined {
    const row = this.db
      .select({ lastChunk: turns.lastChunk })
      .from(turns)
      .where(and(ne(turns.status, "running"), lt(turns.endedAt, before)))
      .orderBy(desc(turns.seq))
      .limit(1)
      .get();
    return row?.lastChunk ?? undefined;
  }

  /** When the oldest turn whose chunks may still be kept ended, to schedule pruning. */
  oldestEndedAfterChunk(chunk: number): number | undefined {
    const row = this.db
      .select({ endedAt: turns.endedAt })
      .from(turns)
      .where(and(ne(turns.status, "running"), gt(turns.lastChunk, chunk)))
      .orderBy(asc(turns.seq))
      .limit(1)
      .get();
    return row?.endedAt ?? undefined;
  }

  running(): TurnRow | undefined {
    return this.db.select().from(turns).where(eq(turns.status, "running")).get();
  }

  get(seq: number): TurnRow | undefined {
    return this.db.select().from(turns).where(eq(turns.seq, seq)).get();
  }

  /** The turn whose chunk range holds `chunkSeq`. */
  containing(chunkSeq: number): TurnRow | undefined {
    const row = this.db.select().from(turns).where(lte(turns.firstChunk, chunkSeq)).orderBy(desc(turns.firstChunk)).limit(1).get();
    if (!row) return undefined;
    if (row.lastChunk !== null && chunkSeq > row.lastChunk) return undefined;
    return row;
  }
}
