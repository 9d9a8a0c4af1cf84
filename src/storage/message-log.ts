import type { UIMessage } from "ai";
import { and, asc, desc, eq, gt, isNull, lt, max } from "drizzle-orm";
import type { DrizzleSqliteDODatabase } from "drizzle-orm/durable-sqlite";
import { messages } from "./schema";

type Db = DrizzleSqliteDODatabase<Record<string, unknown>> & { $client: DurableObjectStorage };

export interface StoredMessage {
  seq: number;
  message: UIMessage;
}

/**
 * The session's message log. Sequence numbers come from `next`, which only this single-writer actor
 * advances, inside synchronous code: two requests can never both read the same value, so `seq` is
 * dense and unique without locks, counters in another store, or retries on collision.
 */
export class MessageLog {
  private next: number;

  constructor(private readonly db: Db) {
    const row = db
      .select({ last: max(messages.seq) })
      .from(messages)
      .get();
    this.next = (row?.last ?? -1) + 1;
  }

  /** The sequence number the next appended message gets. */
  get nextSeq(): number {
    return this.next;
  }

  has(id: string): boolean {
    return this.db.select({ seq: messages.seq }).from(messages).where(eq(messages.id, id)).get() !== undefined;
  }

  append(message: UIMessage, at: number): number {
    const seq = this.next;
    this.db
      .insert(messages)
      .values({
        seq,
        id: message.id,
        role: message.role,
        parts: JSON.stringify(message.parts),
        metadata: message.metadata === undefined ? null : JSON.stringify(message.metadata),
        createdAt: at,
        updatedAt: at,
      })
      .run();
    this.next = seq + 1;
    return seq;
  }

  /** Overwrites a message's parts and metadata (the assistant message at each checkpoint); returns rows written. */
  update(message: UIMessage, at: number): number {
    // drizzle's Durable Object driver drops the SQL cursor on run(); execute its SQL here to keep
    // the cursor's rowsWritten, which is what the benchmark reports as the cost of checkpoints.
    const query = this.db
      .update(messages)
      .set({
        parts: JSON.stringify(message.parts),
        metadata: message.metadata === undefined ? null : JSON.stringify(message.metadata),
        updatedAt: at,
      })
      .where(eq(messages.id, message.id))
      .toSQL();
    return this.db.$client.sql.exec(query.sql, ...(query.params as SqlStorageValue[])).rowsWritten;
  }

  get(id: string): StoredMessage | undefined {
    const row = this.db.select().from(messages).where(eq(messages.id, id)).get();
    return row && { seq: row.seq, message: toUIMessage(row) };
  }

  /** The last message of the live branch (not superseded by a regeneration). */
  lastLive(): StoredMessage | undefined {
    const row = this.db.select().from(messages).where(isNull(messages.supersededBy)).orderBy(desc(messages.seq)).limit(1).get();
    return row && { seq: row.seq, message: toUIMessage(row) };
  }

  supersede(id: string, by: string): void {
    this.db.update(messages).set({ supersededBy: by }).where(eq(messages.id, id)).run();
  }

  /**
   * Live messages in sequence order, oldest first: the newest `limit` of those before `beforeSeq`.
   * Pages through the index, so a session of thousands of messages is never read whole.
   */
  page(options: { limit: number; beforeSeq?: number }): StoredMessage[] {
    const where =
      options.beforeSeq === undefined
        ? isNull(messages.supersededBy)
        : and(isNull(messages.supersededBy), lt(messages.seq, options.beforeSeq));
    const rows = this.db.select().from(messages).where(where).orderBy(desc(messages.seq)).limit(options.limit).all();
    return rows.reverse().map((row) => ({ seq: row.seq, message: toUIMessage(row) }));
  }

  /** Live messages after `afterSeq`, oldest first: what the model sees besides the summary before them. */
  liveAfter(afterSeq: number): StoredMessage[] {
    return this.db
      .select()
      .from(messages)
      .where(and(isNull(messages.supersededBy), gt(messages.seq, afterSeq)))
      .orderBy(asc(messages.seq))
      .all()
      .map((row) => ({ seq: row.seq, message: toUIMessage(row) }));
  }
}

function toUIMessage(row: typeof messages.$inferSelect): UIMessage {
  // Rows are written only by this module from validated UIMessages, so parsing them back is a
  // structural identity; there is no outside input to validate here.
  const message: UIMessage = { id: row.id, role: row.role, parts: JSON.parse(row.parts) as UIMessage["parts"] };
  if (row.metadata !== null) message.metadata = JSON.parse(row.metadata) as unknown;
  return message;
}
