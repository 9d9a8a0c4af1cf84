import type { z } from "zod";
import { errorBodySchema } from "../protocol/api-responses";

/**
 * Pieces the route declarations share, and the document's frame. Each route is declared once, with
 * `createRoute` next to its handler; the OpenAPI document, the validation, the 405 answers and the
 * typed client all come from those declarations.
 */

export const errorResponse = (description: string) => ({
  description,
  content: { "application/json": { schema: errorBodySchema } },
});

export const jsonResponse = <T extends z.ZodType>(description: string, schema: T) => ({
  description,
  content: { "application/json": { schema } },
});

export const sseResponse = {
  description:
    "The turn as the AI SDK UI message stream v1 (Server-Sent Events): `id: <cursor>` then `data: <chunk JSON>` per chunk, `data: [DONE]` at the end, `: heartbeat` comments after 15 s without a chunk.",
  content: { "text/event-stream": { schema: { type: "string" } } },
} as const;

export const unauthorized = errorResponse("No valid bearer JWT.");
export const notFound = errorResponse("No such session (also for another user's session).");

/** The parts of the document that no route declares. */
export const documentFrame = {
  openapi: "3.1.0",
  info: {
    title: "edgechat",
    version: "0.1.0",
    description:
      "Streaming AI chat on Cloudflare Workers: one Durable Object per session, the AI SDK UI message stream over SSE and WebSockets.",
  },
  security: [{ bearer: [] }],
};

export const securityScheme = { type: "http", scheme: "bearer", bearerFormat: "JWT (HS256, `sub` = user id, `exp` required)" } as const;
