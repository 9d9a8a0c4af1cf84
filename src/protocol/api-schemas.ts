import { z } from "zod";
import { MAX_CLIENT_TOOLS, MAX_CLIENT_TOOLS_BYTES } from "./client-tools";
import { MAX_USER_TITLE_CHARS } from "./title";

/**
 * The REST API's inputs, parsed at the boundary. The routes declare them (http/*-routes.ts), and from
 * that one declaration come the validation, the OpenAPI document and the typed client's parameters:
 * what is documented is what is enforced.
 */

/**
 * bytes of a request body: `useChat` sends the whole transcript, of which we read only the last
 * message, and files as data URLs (base64: a third larger than the file). Larger files go through the
 * upload route and a message refers to them.
 */
export const MAX_BODY_BYTES = 16 * 1024 * 1024;

export const sessionIdSchema = z.string().regex(/^[A-Za-z0-9_-]{1,64}$/, "Session ids are 1-64 characters of A-Z, a-z, 0-9, '_' and '-'.");

export const sessionParamsSchema = z.object({ id: sessionIdSchema });

export const triggerSchema = z.enum(["submit-message", "regenerate-message"]);

/** `POST /api/chat`: the AI SDK body (`{ id, messages, trigger, messageId }`) or `{ id, message }` for curl. */
export const chatRequestSchema = z.union([
  z.object({
    id: sessionIdSchema,
    messages: z.array(z.unknown()).min(1, "messages must not be empty."),
    trigger: triggerSchema.default("submit-message"),
    messageId: z.string().optional(),
    onBusy: z.enum(["reject", "queue"]).optional().meta({
      description: "While a turn runs: `reject` (409 stream_already_active) or `queue` (runs when it ends). Default: BUSY_POLICY.",
    }),
    clientTools: z
      .unknown()
      .optional()
      .meta({
        description: `Tools that run in the browser (\`DefaultChatTransport({ body: { clientTools } })\`): at most ${MAX_CLIENT_TOOLS} of \`{ name, description, inputSchema }\` (JSON Schema of an object), ${MAX_CLIENT_TOOLS_BYTES} bytes in all.`,
      }),
  }),
  z.object({ id: sessionIdSchema, message: z.string() }),
]);
export type ChatRequest = z.infer<typeof chatRequestSchema>;

/**
 * An integer in a query string. Its input type is `${number}`, so a typed client cannot pass "ten";
 * the document describes the value, as an integer with its bounds.
 */
function intQuery(min: number, max: number, message?: string) {
  return z
    .templateLiteral([z.number()], message ? { error: message } : undefined)
    .transform(Number)
    .pipe(z.number().int(message).min(min, message).max(max, message))
    .meta({ type: "integer", minimum: min, maximum: max });
}

/** The cursor of the chunk log: the non-negative integer of an SSE `id:` line. */
export const cursorSchema = z
  .string()
  .regex(/^\d{1,15}$/, "A cursor is the non-negative integer from an SSE `id:` line.")
  .transform(Number);

export const followQuerySchema = z.object({
  cursor: intQuery(0, 999_999_999_999_999, "A cursor is the non-negative integer from an SSE `id:` line.")
    .optional()
    .meta({ description: "Resume after this cursor (the SSE `id:` of the last chunk seen)." }),
});

export const listSessionsQuerySchema = z.object({
  limit: intQuery(1, 100).default(20),
  cursor: z.string().max(200).optional().meta({ description: "`nextCursor` of the previous page." }),
});

export const sessionQuerySchema = z.object({
  limit: intQuery(1, 1000).default(100),
  before: intQuery(0, Number.MAX_SAFE_INTEGER).optional().meta({ description: "`nextBefore` of the previous page." }),
});

export const createSessionSchema = z.object({ id: sessionIdSchema.optional() });

/** `PATCH /api/sessions/:id`: a title is one line of plain text (shown as is everywhere). */
export const renameSessionSchema = z.object({
  title: z
    .string()
    .trim()
    .min(1, "A title must not be empty.")
    .max(MAX_USER_TITLE_CHARS, `A title has at most ${MAX_USER_TITLE_CHARS} characters.`)
    // biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are exactly what is refused
    .regex(/^[^\u0000-\u001f\u007f]*$/, "A title is one line of text, without control characters.")
    .meta({ description: `Plain text, 1-${MAX_USER_TITLE_CHARS} characters after trimming, one line.` }),
});

export const socketQuerySchema = z.object({
  token: z.string().optional().meta({ description: "The bearer JWT: browsers cannot set headers on a WebSocket handshake." }),
});

/** `PUT /api/sessions/:id/head`: the branch to make active, by a message's sequence. */
export const switchHeadSchema = z.object({ seq: z.number().int().min(0) });

/** `POST /api/sessions/:id/messages`: a user message (a UIMessage, checked like any), or just its text. */
const busySchema = z.enum(["reject", "queue"]).optional();
export const postMessageSchema = z.union([
  z.object({ message: z.unknown(), clientTools: z.unknown().optional(), onBusy: busySchema }),
  z.object({ text: z.string(), clientTools: z.unknown().optional(), onBusy: busySchema }),
]);
