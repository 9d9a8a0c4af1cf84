import { index, integer, primaryKey, sqliteTable, text } from "drizzle-orm/sqlite-core";

/** A user's sessions, for listing: one row per session, kept current by the session objects. */
export const userSessions = sqliteTable(
  "user_sessions",
  {
    id: text("id").primaryKey(),
    title: text("title"),
    createdAt: integer("created_at").notNull(),
    updatedAt: integer("updated_at").notNull(),
  },
  (t) => [index("user_sessions_recent").on(t.updatedAt, t.id)],
);

/**
 * Who still uses a stored file (R2 `users/<user>/files/<sha256>`): one row per (file, session, message).
 * An upload counts as message `upload` of its session until a message uses the file. A file is deleted
 * from R2 when its last row goes, in this one object per user, so a delete can never race a new use.
 */
export const fileRefs = sqliteTable(
  "file_refs",
  {
    sha256: text("sha256").notNull(),
    sessionId: text("session_id").notNull(),
    messageId: text("message_id").notNull(),
    createdAt: integer("created_at").notNull(),
  },
  (t) => [primaryKey({ columns: [t.sha256, t.sessionId, t.messageId] }), index("file_refs_session").on(t.sessionId, t.messageId)],
);

/**
 * The user's Anthropic Files API uploads (ANTHROPIC_FILES_API=on): one per file content, reused by
 * every message and session of the user. Deleted upstream with the file's last use (file_refs).
 */
export const anthropicFiles = sqliteTable("anthropic_files", {
  sha256: text("sha256").primaryKey(),
  fileId: text("file_id").notNull(),
  createdAt: integer("created_at").notNull(),
});
