import type { UIMessage } from "ai";
import { and, asc, desc, eq, gt, isNull, lt, max } from "drizzle-orm";
import { messagePieces, messages } from "./schema";
import type { SessionDb } from "./session-db";

/**
 * characters of parts JSON kept inline in a message row. At most 3 bytes of UTF-8 per UTF-16 unit,
 * so a row stays near 1.5 MB, under SQLite's 2 MB row limit with room for the other columns.
 */
export const MAX_INLINE_CHARS = 512 * 1024;

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

  constructor(
    private readonly db: SessionDb,
    /** Every row this log writes is counted here (pieces and index entries included, as SQLite counts them). */
    private readonly stats: { rowsWritten: number } = { rowsWritten: 0 },
  ) {
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
    this.write(
      this.db.insert(messages).values({
        seq,
        id: message.id,
        role: message.role,
        ...this.storeParts(seq, JSON.stringify(message.parts)).columns,
        metadata: message.metadata === undefined ? null : message.metadata,
        createdAt: at,
        updatedAt: at,
      }),
    );
    this.next = seq + 1;
    return seq;
  }

  /**
   * Overwrites a message's parts and metadata (the assistant message at each checkpoint); returns the
   * rows written, pieces included: the benchmark reports them as the cost of checkpoints.
   */
  update(message: UIMessage, at: number): number {
    const seq = this.db.select({ seq: messages.seq }).from(messages).where(eq(messages.id, message.id)).get()?.seq;
    if (seq === undefined) return 0;
    const parts = this.storeParts(seq, JSON.stringify(message.parts));
    const row = this.db
      .update(messages)
      .set({
        ...parts.columns,
        metadata: message.metadata === undefined ? null : message.metadata,
        updatedAt: at,
      })
      .where(eq(messages.id, message.id));
    return parts.rowsWritten + this.write(row);
  }

  /**
   * Where a message's parts JSON goes: inline in its row, or, when too large for one row, in
   * message_pieces rows that the message row points to. Never a row SQLite would refuse. Also the
   * rows this wrote: the old pieces deleted and the new ones inserted.
   */
  private storeParts(seq: number, json: string): { columns: { parts: string; pieces: number }; rowsWritten: number } {
    let rowsWritten = this.write(this.db.delete(messagePieces).where(eq(messagePieces.messageSeq, seq)));
    if (json.length <= MAX_INLINE_CHARS) return { columns: { parts: json, pieces: 0 }, rowsWritten };
    const count = Math.ceil(json.length / MAX_INLINE_CHARS);
    for (let idx = 0; idx < count; idx++) {
      const body = json.slice(idx * MAX_INLINE_CHARS, (idx + 1) * MAX_INLINE_CHARS);
      rowsWritten += this.write(this.db.insert(messagePieces).values({ messageSeq: seq, idx, body }));
    }
    return { columns: { parts: "", pieces: count }, rowsWritten };
  }

  /**
   * Runs a write and returns SQLite's own count of the rows it wrote (an insert's index entries
   * count too). drizzle's Durable Object driver drops the SQL cursor on run(), so its SQL is executed
   * here to keep the cursor's rowsWritten.
   */
  private write(query: { toSQL(): { sql: string; params: unknown[] } }): number {
    const { sql, params } = query.toSQL();
    const written = this.db.$client.sql.exec(sql, ...(params as SqlStorageValue[])).rowsWritten;
    this.stats.rowsWritten += written;
    return written;
  }

  private toUIMessage(row: typeof messages.$inferSelect): UIMessage {
    const partsJson =
      row.pieces === 0
        ? row.parts
        : this.db
            .select({ body: messagePieces.body })
            .from(messagePieces)
            .where(eq(messagePieces.messageSeq, row.seq))
            .orderBy(asc(messagePieces.idx))
            .all()
            .map((piece) => piece.body)
            .join("");
    // Rows are written only by this module from validated UIMessages, so parsing them back is a
    // structural identity; there is no outside input to validate here.
    const message: UIMessage = { id: row.id, role: row.role, parts: JSON.parse(partsJson) as UIMessage["parts"] };
    if (row.metadata !== null) message.metadata = row.metadata;
    return message;
  }

  get(id: string): StoredMessage | undefined {
    const row = this.db.select().from(messages).where(eq(messages.id, id)).get();
    return row && { seq: row.seq, message: this.toUIMessage(row) };
  }

  /** The last message of the live branch (not superseded by a regeneration). */
  lastLive(): StoredMessage | undefined {
    const row = this.db.select().from(messages).where(isNull(messages.supersededBy)).orderBy(desc(messages.seq)).limit(1).get();
    return row && { seq: row.seq, message: this.toUIMessage(row) };
  }

  supersede(id: string, by: string): void {
    this.write(this.db.update(messages).set({ supersededBy: by }).where(eq(messages.id, id)));
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
    return rows.reverse().map((row) => ({ seq: row.seq, message: this.toUIMessage(row) }));
  }

  /** Live messages after `afterSeq`, oldest first: what the model sees besides the summary before them. */
  liveAfter(afterSeq: number): StoredMessage[] {
    return this.db
      .select()
      .from(messages)
      .where(and(isNull(messages.supersededBy), gt(messages.seq, afterSeq)))
      .orderBy(asc(messages.seq))
      .all()
      .map((row) => ({ seq: row.seq, message: this.toUIMessage(row) }));
  }
}
