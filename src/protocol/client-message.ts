import type { UIMessage } from "ai";
import { z } from "zod";
import { fail, type Result } from "./error-code";

/** characters of text one user message may carry (answered 413 above it) */
export const MAX_MESSAGE_CHARS = 32_000;
/**
 * bytes of a user message's `metadata` as JSON. It is stored in the message's row and sent back with
 * every history read, so it is bounded far below the platform's 2 MB row limit.
 */
export const MAX_METADATA_BYTES = 16 * 1024;
/**
 * levels of nesting in a user message's `metadata`. Structured clone (Durable Object RPC) and
 * JSON.stringify recurse per level: thousands of levels in a small body overflow the stack.
 */
export const MAX_METADATA_DEPTH = 32;

const messageIdSchema = z.string().regex(/^[A-Za-z0-9_-]{1,128}$/, "Message ids are 1-128 characters of A-Z, a-z, 0-9, '_' and '-'.");

const textPartSchema = z.object({ type: z.literal("text"), text: z.string() }).loose();

/** A user message as a client sends it (the last of the AI SDK's `messages`). */
export const userMessageSchema = z.object({
  id: messageIdSchema,
  role: z.literal("user", { error: "The last message must be the new user message (role 'user')." }),
  parts: z.array(textPartSchema, { error: "Only text parts are supported in user messages." }).min(1, "The message has no parts."),
  metadata: z.unknown().optional(),
});

/**
 * The one place a client's new message becomes a stored `UIMessage`, for every transport: its shape,
 * the empty and size checks, and its metadata bounds. Only what the client is entitled to say is
 * kept: the id, the text of its parts and its metadata; any other field of a part is dropped.
 */
export function toUserMessage(value: unknown, path = "messages[-1]"): Result<{ message: UIMessage }> {
  // Depth first, without recursion: the schema below and any later clone would walk every level.
  const depth = nestingDepth((value as { metadata?: unknown } | null)?.metadata);
  if (depth > MAX_METADATA_DEPTH) {
    return fail("invalid_request", `${path}.metadata nests deeper than ${MAX_METADATA_DEPTH} levels.`);
  }
  const parsed = userMessageSchema.safeParse(value);
  if (!parsed.success) return fail("invalid_request", `${path}: ${describeIssues(parsed.error)}`);
  const { id, parts, metadata } = parsed.data;
  const texts = parts.map((part) => ({ type: "text" as const, text: part.text }));
  const invalid = checkText(texts.map((part) => part.text).join(""));
  if (invalid) return invalid;
  const message: UIMessage = { id, role: "user", parts: texts };
  if (metadata !== undefined) {
    if (new TextEncoder().encode(JSON.stringify(metadata)).byteLength > MAX_METADATA_BYTES) {
      return fail("message_too_large", `Message metadata may have at most ${MAX_METADATA_BYTES} bytes as JSON.`);
    }
    message.metadata = metadata;
  }
  return { ok: true, message };
}

/** The text rules of a message, whatever form it came in. */
export function checkText(text: string) {
  if (text.trim() === "") return fail("invalid_request", "The message is empty.");
  if (text.length > MAX_MESSAGE_CHARS) return fail("message_too_large", `A message may have at most ${MAX_MESSAGE_CHARS} characters.`);
  return undefined;
}

/** zod issues as one short human sentence: the first three, each with its path. */
export function describeIssues(error: z.ZodError): string {
  return error.issues
    .slice(0, 3)
    .map((issue) => (issue.path.length > 0 ? `${issue.path.join(".")}: ${issue.message}` : issue.message))
    .join("; ");
}

/** Levels of arrays and objects in a JSON value (0 for a primitive), walked with an explicit stack. */
export function nestingDepth(value: unknown): number {
  let deepest = 0;
  const stack: Array<[unknown, number]> = [[value, 0]];
  while (stack.length > 0) {
    const [node, depth] = stack.pop()!;
    if (typeof node !== "object" || node === null) continue;
    const level = depth + 1;
    if (level > deepest) deepest = level;
    // Past the bound the answer is known; stop before walking a huge value.
    if (deepest > MAX_METADATA_DEPTH) return deepest;
    for (const child of Array.isArray(node) ? node : Object.values(node)) stack.push([child, level]);
  }
  return deepest;
}
