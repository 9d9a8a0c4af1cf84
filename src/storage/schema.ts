import type { UIMessage } from "ai";
import { index, integer, primaryKey, sqliteTable, text } from "drizzle-orm/sqlite-core";
import type { ClientTool } from "../protocol/client-tools";
import type { TokenUsage } from "../protocol/token-usage";

/** One row: the session this Durable Object is. Absent until the first send or an explicit create. */
export const sessionMeta = sqliteTable("session_meta", {
  id: text("id").primaryKey(),
  owner: text("owner").notNull(),
  title: text("title"),
  createdAt: integer("created_at").notNull(),
  updatedAt: integer("updated_at").notNull(),
  /** Token usage summed over the session's turns, or NULL before the first. */
  usage: text("usage", { mode: "json" }).$type<TokenUsage>(),
  /**
   * The message the active branch ends at (its leaf), by `seq`: history is the path from the first
   * message to it, and the model's context is that path. NULL before the first message.
   */
  headSeq: integer("head_seq"),
});

/**
 * The message log: a tree. `seq` is the rowid: dense, 0-based, assigned by the single-writer actor,
 * never reused. Each message points at the message it follows (`parentSeq`), so an edited user message
 * (same client id, same parent) and a regenerated answer (same parent) are siblings: new branches,
 * with every old branch kept. `id` is unique on any one path, not in the whole log.
 */
export const messages = sqliteTable(
  "messages",
  {
    seq: integer("seq").primaryKey(),
    id: text("id").notNull(),
    role: text("role", { enum: ["user", "assistant", "system"] }).notNull(),
    /** UIMessage parts as JSON, exactly as a client assembles them; "" when split into `pieces` rows. */
    parts: text("parts").notNull(),
    /** Rows of message_pieces holding the parts JSON, when it is too large for one row; else 0. */
    pieces: integer("pieces").notNull().default(0),
    /** UIMessage metadata, or NULL when the message has none. */
    metadata: text("metadata", { mode: "json" }).$type<unknown>(),
    /** No longer written (branches replaced it); kept so older rows still read. */
    supersededBy: text("superseded_by"),
    /** The message this one follows on its branch; NULL for a session's first message. */
    parentSeq: integer("parent_seq"),
    createdAt: integer("created_at").notNull(),
    updatedAt: integer("updated_at").notNull(),
  },
  (t) => [index("messages_id").on(t.id), index("messages_parent").on(t.parentSeq, t.seq)],
);

/**
 * The parts JSON of a message too large for one row (SQLite refuses rows over 2 MB), in order.
 * Written and read only by MessageLog.
 */
export const messagePieces = sqliteTable(
  "message_pieces",
  {
    messageSeq: integer("message_seq").notNull(),
    idx: integer("idx").notNull(),
    body: text("body").notNull(),
  },
  (t) => [primaryKey({ columns: [t.messageSeq, t.idx] })],
);

/**
 * One row per turn; at most one has status 'running'. A turn whose last step's tool calls wait for a
 * person or the browser ends 'waiting'; the answer starts a new turn of the same assistant message.
 */
export const turns = sqliteTable(
  "turns",
  {
    seq: integer("seq").primaryKey(),
    assistantMessageId: text("assistant_message_id").notNull(),
    status: text("status", { enum: ["running", "waiting", "finished", "failed", "cancelled"] }).notNull(),
    /** Session-wide sequence number of the turn's `start` chunk. */
    firstChunk: integer("first_chunk").notNull(),
    /**
     * Sequence of the turn's last chunk, written once when the turn ends. While it runs the actor's
     * memory is authoritative, so a flush writes one row, not two; after a crash it is recomputed.
     */
    lastChunk: integer("last_chunk"),
    errorCode: text("error_code"),
    /** Times this turn was continued after its object was evicted or crashed; bounds a crash loop. */
    recoveries: integer("recoveries").notNull().default(0),
    startedAt: integer("started_at").notNull(),
    endedAt: integer("ended_at"),
    /**
     * The browser tools the request declared (name, description, JSON Schema), or NULL for none. Kept
     * with the turn so that the answer to a waiting call, even after a reload, continues with the same set.
     */
    clientTools: text("client_tools", { mode: "json" }).$type<ClientTool[]>(),
  },
  (t) => [index("turns_status").on(t.status), index("turns_message").on(t.assistantMessageId)],
);

/**
 * The chunk log. Chunks that arrive within one flush interval share a row (`count` chunks starting
 * at `seq`), which is what keeps rows written per token low. `body` is the chunks' JSON joined by
 * newlines: JSON.stringify never emits a raw newline, and replay can send the stored text as is.
 * No secondary index: replay and pruning read by `seq` range, so each flush writes exactly one row.
 */
export const chunkBatches = sqliteTable("chunk_batches", {
  seq: integer("seq").primaryKey(),
  turn: integer("turn").notNull(),
  count: integer("count").notNull(),
  body: text("body").notNull(),
});

/**
 * Summaries of older turns, for the model only: the newest row covers every live message with
 * seq <= throughSeq. The messages themselves stay in the log untouched.
 */
export const compactions = sqliteTable("compactions", {
  seq: integer("seq").primaryKey(),
  throughSeq: integer("through_seq").notNull(),
  summary: text("summary").notNull(),
  createdAt: integer("created_at").notNull(),
});

/**
 * Messages sent while a turn ran, under the `queue` policy: each becomes a turn, in order, when the
 * one before it ends. Kept here, so a queue survives a crash; a cancelled one is deleted unrun.
 */
export const queuedMessages = sqliteTable("queued_messages", {
  seq: integer("seq").primaryKey({ autoIncrement: true }),
  messageId: text("message_id").notNull().unique(),
  /** The user message as it will be stored (files already stored, parts referring to them). */
  message: text("message", { mode: "json" }).$type<UIMessage>().notNull(),
  clientTools: text("client_tools", { mode: "json" }).$type<ClientTool[]>().notNull(),
  createdAt: integer("created_at").notNull(),
});

export const sessionSchema = { sessionMeta, messages, messagePieces, turns, chunkBatches, compactions, queuedMessages };
