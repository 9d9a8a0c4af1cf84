import { defineConfig } from "drizzle-kit";

export default defineConfig({
  dialect: "sqlite",
  driver: "durable-sqlite",
  schema: "./src/sessions-index/schema.ts",
  out: "./migrations/sessions-index",
});
