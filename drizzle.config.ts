import { defineConfig } from "drizzle-kit";

/** The session object's schema. The per-user index has its own config: drizzle-index.config.ts. */
export default defineConfig({
  dialect: "sqlite",
  driver: "durable-sqlite",
  schema: "./src/storage/schema.ts",
  out: "./migrations/session",
});
