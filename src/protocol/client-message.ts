import type { UIMessage } from "ai";
import { z } from "zod";
import { fail, type Result } from "./error-code";
import {
  checkFileBytes,
  DEFAULT_FILE_LIMITS,
  type FileLimits,
  kindOf,
  normalMediaType,
  parseDataUrl,
  parseFileLink,
  parseFileRef,
} from "./file-parts";

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

/** As `sendMessage({ files })` sends a file: a data URL, or the reference an upload returned. */
const filePartSchema = z
  .object({ type: z.literal("file"), mediaType: z.string().max(200), filename: z.string().max(255).optional(), url: z.string() })
  .loose();

/** A user message as a client sends it (the last of the AI SDK's `messages`). */
export const userMessageSchema = z.object({
  id: messageIdSchema,
  role: z.literal("user", { error: "The last message must be the new user message (role 'user')." }),
  parts: z
    .array(z.discriminatedUnion("type", [textPartSchema, filePartSchema]), { error: "User messages take text and file parts." })
    .min(1, "The message has no parts."),
  metadata: z.unknown().optional(),
});

/** A file of a new message, checked but not stored yet: its bytes (from a data URL), or a stored file it names. */
export type IncomingFile =
  | { kind: "bytes"; bytes: Uint8Array; mediaType: string; filename?: string | undefined }
  | { kind: "ref"; sha256: string; mediaType: string; filename?: string | undefined };

/**
 * The one place a client's new message becomes a stored `UIMessage`, for every transport: its shape,
 * the empty and size checks, and its metadata bounds. Only what the client is entitled to say is
 * kept: the id, the text of its parts and its metadata; any other field of a part is dropped.
 */
export function toUserMessage(
  value: unknown,
  limits: FileLimits = DEFAULT_FILE_LIMITS,
  path = "messages[-1]",
): Result<{ message: UIMessage; files: IncomingFile[] }> {
  // Depth first, without recursion: the schema below and any later clone would walk every level.
  const depth = nestingDepth((value as { metadata?: unknown } | null)?.metadata);
  if (depth > MAX_METADATA_DEPTH) {
    return fail("invalid_request", `${path}.metadata nests deeper than ${MAX_METADATA_DEPTH} levels.`);
  }
  const parsed = userMessageSchema.safeParse(value);
  if (!parsed.success) return fail("invalid_request", `${path}: ${describeIssues(parsed.error)}`);
  const { id, parts, metadata } = parsed.data;
  const texts: { type: "text"; text: string }[] = [];
  const fileParts: { mediaType: string; filename?: string | undefined; url: string }[] = [];
  for (const part of parts) {
    if (part.type === "text") texts.push({ type: "text", text: part.text });
    else fileParts.push(part);
  }
  const files = readFiles(fileParts, limits);
  if (!files.ok) return files;
  const text = texts.map((part) => part.text).join("");
  // A message of files alone is a message; one with neither text nor files is empty.
  const invalid = files.files.length > 0 && text.trim() === "" ? undefined : checkText(text);
  if (invalid) return invalid;
  const message: UIMessage = { id, role: "user", parts: texts.filter((part) => part.text !== "" || files.files.length === 0) };
  if (metadata !== undefined) {
    if (new TextEncoder().encode(JSON.stringify(metadata)).byteLength > MAX_METADATA_BYTES) {
      return fail("message_too_large", `Message metadata may have at most ${MAX_METADATA_BYTES} bytes as JSON.`);
    }
    message.metadata = metadata;
  }
  return { ok: true, message, files: files.files };
}

/** The files of a message: how many, each one's bytes against its type and limit, and their total size. */
function readFiles(
  parts: readonly { mediaType: string; filename?: string | undefined; url: string }[],
  limits: FileLimits,
): Result<{ files: IncomingFile[] }> {
  if (parts.length > limits.maxFiles) return fail("too_many_files", `A message may have at most ${limits.maxFiles} files.`);
  const files: IncomingFile[] = [];
  let total = 0;
  for (const part of parts) {
    const filename = part.filename?.replace(/[\r\n"]/g, "_");
    const sha256 = parseFileRef(part.url) ?? parseFileLink(part.url);
    if (sha256) {
      const kind = kindOf(part.mediaType);
      if (!kind) return fail("unsupported_file_type", `Files of type ${part.mediaType} cannot be attached.`);
      files.push({ kind: "ref", sha256, mediaType: normalMediaType(part.mediaType), filename });
      continue;
    }
    const decoded = parseDataUrl(part.url);
    if (!decoded.ok) return decoded;
    const checked = checkFileBytes(decoded.bytes, part.mediaType, limits);
    if (!checked.ok) return checked;
    if (normalMediaType(decoded.mediaType) !== checked.mediaType && kindOf(decoded.mediaType) !== checked.kind) {
      return fail("file_type_mismatch", `The file part says ${checked.mediaType} but its data URL says ${decoded.mediaType}.`);
    }
    total += decoded.bytes.byteLength;
    if (total > limits.maxMessageBytes)
      return fail("file_too_large", `A message's files may have at most ${limits.maxMessageBytes} bytes in all.`);
    files.push({ kind: "bytes", bytes: decoded.bytes, mediaType: checked.mediaType, filename });
  }
  return { ok: true, files };
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
