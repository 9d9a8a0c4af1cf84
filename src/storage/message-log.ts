import type { UIMessage } from "ai";
import { asc, desc, eq, inArray, isNull, max } from "drizzle-orm";
import { messagePieces, messages } from "./schema";
import type { SessionDb } from "./session-db";

/**
 * characters of parts JSON kept inline in a message row. At most 3 bytes of UTF-8 per UTF-16 unit,
 * so a row stays near 1.5 MB, under SQLite's 2 MB row limit with room for the other columns.
 */
export const MAX_INLINE_CHARS = 512 * 1024;

/** bound parameters in one statement: a Durable Object's SQLite refuses more than 100 */
export const MAX_BOUND_PARAMETERS = 90;

export interface StoredMessage {
  seq: number;
  message: UIMessage;
  /** The message it follows on its branch; null for the session's first. */
  parentSeq: number | null;
}

/** A message's place in the tree, without its parts. */
export interface MessageNode {
  seq: number;
  id: string;
  role: UIMessage["role"];
  parentSeq: number | null;
}

/**
 * The session's message log, a tree (see schema.ts). Sequence numbers come from `next`, which only this single-writer actor
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

  /** Whether a message with this id is anywhere in the log, on any branch. */
  has(id: string): boolean {
    return this.db.select({ seq: messages.seq }).from(messages).where(eq(messages.id, id)).get() !== undefined;
  }

  /** Appends a message after `parentSeq` (null: the first of the session); returns its sequence. */
  append(message: UIMessage, at: number, parentSeq: number | null): number {
    const seq = this.next;
    this.write(
      this.db.insert(messages).values({
        seq,
        id: message.id,
        role: message.role,
        parentSeq,
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

  /** The newest message with this id (assistant ids are unique; an edited user message shares its id). */
  get(id: string): StoredMessage | undefined {
    const row = this.db.select().from(messages).where(eq(messages.id, id)).orderBy(desc(messages.seq)).limit(1).get();
    return row && this.stored(row);
  }

  bySeq(seq: number): StoredMessage | undefined {
    const row = this.db.select().from(messages).where(eq(messages.seq, seq)).get();
    return row && this.stored(row);
  }

  node(seq: number): MessageNode | undefined {
    return this.db
      .select({ seq: messages.seq, id: messages.id, role: messages.role, parentSeq: messages.parentSeq })
      .from(messages)
      .where(eq(messages.seq, seq))
      .get();
  }

  /**
   * The branch ending at `leafSeq`, walked towards the first message: at most `limit` messages, newest
   * first. One primary-key step per message (a recursive query), so a page costs its own size, however
   * long the session.
   */
  pathNodes(leafSeq: number, limit = Number.MAX_SAFE_INTEGER): MessageNode[] {
    const rows = this.db.$client.sql
      .exec<{ seq: number; id: string; role: string; parent_seq: number | null }>(
        `WITH RECURSIVE path(seq, id, role, parent_seq, depth) AS (
           SELECT seq, id, role, parent_seq, 0 FROM messages WHERE seq = ?
           UNION ALL
           SELECT m.seq, m.id, m.role, m.parent_seq, path.depth + 1 FROM messages m JOIN path ON m.seq = path.parent_seq
           WHERE path.depth + 1 < ?
         )
         SELECT seq, id, role, parent_seq FROM path ORDER BY depth`,
        leafSeq,
        limit,
      )
      .toArray();
    return rows.map((r) => ({ seq: r.seq, id: r.id, role: r.role as UIMessage["role"], parentSeq: r.parent_seq }));
  }

  /** The messages of `nodes`, in the same order. */
  load(nodes: readonly MessageNode[]): StoredMessage[] {
    if (nodes.length === 0) return [];
    const rows = new Map<number, typeof messages.$inferSelect>();
    // In batches: a Durable Object's SQLite takes at most 100 bound parameters per statement.
    for (let i = 0; i < nodes.length; i += MAX_BOUND_PARAMETERS) {
      const seqs = nodes.slice(i, i + MAX_BOUND_PARAMETERS).map((n) => n.seq);
      for (const row of this.db.select().from(messages).where(inArray(messages.seq, seqs)).all()) rows.set(row.seq, row);
    }
    return nodes.flatMap((node) => {
      const row = rows.get(node.seq);
      return row ? [this.stored(row)] : [];
    });
  }

  /** The messages that follow `parentSeq` (null: the session's first messages), oldest first: siblings of one another. */
  children(parentSeq: number | null): MessageNode[] {
    return this.db
      .select({ seq: messages.seq, id: messages.id, role: messages.role, parentSeq: messages.parentSeq })
      .from(messages)
      .where(parentSeq === null ? isNull(messages.parentSeq) : eq(messages.parentSeq, parentSeq))
      .orderBy(asc(messages.seq))
      .all();
  }

  /** Where a branch through `seq` ends: at each step the newest child, so a branch comes back as it was left. */
  leafUnder(seq: number): number {
    let leaf = seq;
    for (;;) {
      const child = this.db
        .select({ seq: messages.seq })
        .from(messages)
        .where(eq(messages.parentSeq, leaf))
        .orderBy(desc(messages.seq))
        .limit(1)
        .get();
      if (!child) return leaf;
      leaf = child.seq;
    }
  }

  private stored(row: typeof messages.$inferSelect): StoredMessage {
    return { seq: row.seq, message: this.toUIMessage(row), parentSeq: row.parentSeq };
  }
}
