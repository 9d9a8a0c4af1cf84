import { index, integer, sqliteTable, text } from "drizzle-orm/sqlite-core";

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
