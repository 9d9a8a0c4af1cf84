import { z } from "zod";

/**
 * The REST API's inputs, parsed at the boundary. The same schemas generate the OpenAPI document, so
 * what is documented is what is enforced.
 */

/** characters of text one user message may carry (answered 413 above it) */
export const MAX_MESSAGE_CHARS = 32_000;
/** bytes of a request body: `useChat` sends the whole transcript, of which we read only the last message */
export const MAX_BODY_BYTES = 4 * 1024 * 1024;

export const sessionIdSchema = z.string().regex(/^[A-Za-z0-9_-]{1,64}$/, "Session ids are 1-64 characters of A-Z, a-z, 0-9, '_' and '-'.");

const messageIdSchema = z.string().regex(/^[A-Za-z0-9_-]{1,128}$/, "Message ids are 1-128 characters of A-Z, a-z, 0-9, '_' and '-'.");

const textPartSchema = z.object({ type: z.literal("text"), text: z.string() }).loose();

/** The new user message, as the AI SDK's `DefaultChatTransport` sends it (the last of `messages`). */
export const userMessageSchema = z.object({
  id: messageIdSchema,
  role: z.literal("user", { error: "The last message must be the new user message (role 'user')." }),
  parts: z.array(textPartSchema, { error: "Only text parts are supported in user messages." }).min(1, "The message has no parts."),
  metadata: z.unknown().optional(),
});

export const triggerSchema = z.enum(["submit-message", "regenerate-message"]);

/** `POST /api/chat`: the AI SDK body (`{ id, messages, trigger, messageId }`) or `{ id, message }` for curl. */
export const chatRequestSchema = z.union([
  z.object({
    id: sessionIdSchema,
    messages: z.array(z.unknown()).min(1, "messages must not be empty."),
    trigger: triggerSchema.default("submit-message"),
    messageId: z.string().optional(),
  }),
  z.object({ id: sessionIdSchema, message: z.string() }),
]);
export type ChatRequest = z.infer<typeof chatRequestSchema>;

export const cursorSchema = z
  .string()
  .regex(/^\d{1,15}$/, "A cursor is the non-negative integer from an SSE `id:` line.")
  .transform(Number);

export const followQuerySchema = z.object({ cursor: cursorSchema.optional() });

export const listSessionsQuerySchema = z.object({
  limit: z.coerce.number().int().min(1).max(100).default(20),
  cursor: z.string().max(200).optional(),
});

export const sessionQuerySchema = z.object({
  limit: z.coerce.number().int().min(1).max(1000).default(100),
  before: z.coerce.number().int().min(0).optional(),
});

export const createSessionSchema = z.object({ id: sessionIdSchema.optional() });
