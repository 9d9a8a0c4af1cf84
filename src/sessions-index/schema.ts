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

/**
 * Deletions owed: an R2 object (`r2_object`, target its key) or a Files API upload (`anthropic_file`,
 * target its id) of a file whose last use went. Written in the same step that finds the file unused,
 * and removed only when the delete succeeded, so a failed or interrupted delete is retried by the
 * alarm (next_attempt_at) instead of leaving an orphan nobody knows of. A new use of the file cancels
 * its `r2_object` row in the same step as it is recorded.
 */
export const pendingFileDeletions = sqliteTable(
  "pending_file_deletions",
  {
    id: integer("id").primaryKey({ autoIncrement: true }),
    sha256: text("sha256").notNull(),
    kind: text("kind", { enum: ["r2_object", "anthropic_file"] }).notNull(),
    target: text("target").notNull(),
    /** failed attempts so far */
    attempts: integer("attempts").notNull(),
    /** ms since the epoch: when the alarm tries it (again) */
    nextAttemptAt: integer("next_attempt_at").notNull(),
    createdAt: integer("created_at").notNull(),
  },
  (t) => [index("pending_file_deletions_file").on(t.sha256), index("pending_file_deletions_due").on(t.nextAttemptAt)],
);
