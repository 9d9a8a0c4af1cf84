import type { DrizzleSqliteDODatabase } from "drizzle-orm/durable-sqlite";
import type { sessionSchema } from "./schema";

/**
 * The one database type of a session object's stores: drizzle over the object's SQLite, typed by the
 * session schema, with the raw storage (`$client`) for what drizzle cannot express (row cursors).
 */
export type SessionDb = DrizzleSqliteDODatabase<typeof sessionSchema> & { $client: DurableObjectStorage };
