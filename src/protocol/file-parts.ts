import { Buffer } from "node:buffer";
import { fail, type Result } from "./error-code";

/**
 * Files in messages: what may be attached, how big, and how a stored file is referred to. Pure: the
 * bytes are checked here; storing them (R2) and serving them (signed URLs) happen elsewhere.
 */

/** Limits a deployment may tune (FILE_* vars); the defaults match what the Anthropic API accepts. */
export interface FileLimits {
  /** bytes of one image (the API takes images up to 5 MB) */
  maxImageBytes: number;
  /** bytes of one PDF (the API's whole request is at most 32 MB) */
  maxPdfBytes: number;
  /** bytes of one text file */
  maxTextBytes: number;
  /** bytes of all files of one message */
  maxMessageBytes: number;
  /** files in one message */
  maxFiles: number;
}

export const DEFAULT_FILE_LIMITS: FileLimits = {
  maxImageBytes: 5 * 1024 * 1024,
  maxPdfBytes: 32 * 1024 * 1024,
  maxTextBytes: 1024 * 1024,
  maxMessageBytes: 32 * 1024 * 1024,
  maxFiles: 20,
};

export type FileKind = "image" | "pdf" | "text";

const IMAGE_TYPES = new Set(["image/png", "image/jpeg", "image/gif", "image/webp"]);
/** Text types sent to Claude as plain-text documents. */
const TEXT_TYPES = new Set(["text/plain", "text/markdown", "text/csv", "text/html", "application/json", "text/x-log"]);

/** The kind of an allowed media type, or undefined when it is not allowed. */
export function kindOf(mediaType: string): FileKind | undefined {
  const type = mediaType.toLowerCase().split(";")[0]!.trim();
  if (IMAGE_TYPES.has(type)) return "image";
  if (type === "application/pdf") return "pdf";
  if (TEXT_TYPES.has(type) || type.startsWith("text/")) return "text";
  return undefined;
}

/** The media type without parameters, lower case: how it is stored and served. */
export function normalMediaType(mediaType: string): string {
  return mediaType.toLowerCase().split(";")[0]!.trim();
}

/** How a stored file is referred to in a message part and in an upload's answer: `edgechat:file/<sha-256 hex>`. */
export const FILE_REF_PREFIX = "edgechat:file/";

export function fileRef(sha256: string): string {
  return `${FILE_REF_PREFIX}${sha256}`;
}

/** The SHA-256 a reference names, or undefined when the URL is not one of our references. */
export function parseFileRef(url: string): string | undefined {
  if (!url.startsWith(FILE_REF_PREFIX)) return undefined;
  const sha = url.slice(FILE_REF_PREFIX.length);
  return /^[0-9a-f]{64}$/.test(sha) ? sha : undefined;
}

/**
 * The SHA-256 that a file link from history names (`.../api/files/<payload>.<signature>`, made by
 * http/file-links.ts), so that a client re-sending a message it read from history refers to the same
 * stored file: the page's edit keeps the message's files, and after a reload those are history's links.
 * The signature is not needed to name a file: a named file is looked up under the sender's own key,
 * so a link to another user's file names nothing of the sender's (`unknown_file`), and a link's expiry
 * is about serving bytes to whoever holds it, not about naming a file the sender has.
 */
export function parseFileLink(url: string): string | undefined {
  const match = /^(?:https?:\/\/[^/?#]+)?\/api\/files\/([A-Za-z0-9_-]{1,4096})\.[A-Za-z0-9_-]{1,200}$/.exec(url);
  if (!match) return undefined;
  try {
    const json = atob(match[1]!.replaceAll("-", "+").replaceAll("_", "/"));
    const sha = (JSON.parse(new TextDecoder().decode(Uint8Array.from(json, (c) => c.charCodeAt(0)))) as { s?: unknown }).s;
    return typeof sha === "string" && /^[0-9a-f]{64}$/.test(sha) ? sha : undefined;
  } catch {
    return undefined;
  }
}

/** A data URL's bytes and media type: base64 (what `sendMessage({ files })` makes) or percent-encoded text. */
export function parseDataUrl(url: string): Result<{ mediaType: string; bytes: Uint8Array }> {
  const match = /^data:([^,;]*)((?:;[^,;=]+=[^,;]*)*)(;base64)?,(.*)$/s.exec(url);
  if (!match)
    return fail(
      "invalid_file",
      "A file's url must be a data URL (data:<type>;base64,...), a reference from an upload, or a file link from history.",
    );
  const mediaType = match[1] || "text/plain";
  const body = match[4]!;
  if (match[3]) {
    if (!/^[A-Za-z0-9+/]*={0,2}$/.test(body) || body.length % 4 === 1)
      return fail("invalid_file", "A file's data URL is not valid base64.");
    // Native decoding (nodejs_compat): a JavaScript loop over a 7 MB string holds the thread for long.
    const decoded = Buffer.from(body, "base64");
    return { ok: true, mediaType, bytes: new Uint8Array(decoded.buffer, decoded.byteOffset, decoded.byteLength) };
  }
  try {
    return { ok: true, mediaType, bytes: new TextEncoder().encode(decodeURIComponent(body)) };
  } catch {
    return fail("invalid_file", "A file's data URL is not valid percent-encoding.");
  }
}

/**
 * The kind the bytes really are, from their first bytes (the magic numbers of PNG, JPEG, GIF, WebP and
 * PDF; for text: valid UTF-8 without NUL bytes). Written out because it is six signatures; a library
 * that knows hundreds of formats would add weight for none of them.
 */
export function sniffMediaType(bytes: Uint8Array): string | undefined {
  const starts = (...sig: number[]) => sig.every((b, i) => bytes[i] === b);
  const ascii = (offset: number, text: string) => [...text].every((ch, i) => bytes[offset + i] === ch.charCodeAt(0));
  if (starts(0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a)) return "image/png";
  if (starts(0xff, 0xd8, 0xff)) return "image/jpeg";
  if (ascii(0, "GIF87a") || ascii(0, "GIF89a")) return "image/gif";
  if (ascii(0, "RIFF") && ascii(8, "WEBP")) return "image/webp";
  if (ascii(0, "%PDF-")) return "application/pdf";
  if (bytes.includes(0)) return undefined;
  try {
    new TextDecoder("utf-8", { fatal: true, ignoreBOM: false }).decode(bytes);
    return "text/plain";
  } catch {
    return undefined;
  }
}

/**
 * Checks one file's bytes against its declared media type and the limits: an allowed type, bytes that
 * really are that type (a PNG named image/jpeg, or a program named text/plain, is refused), a size
 * within the limit of its kind.
 */
export function checkFileBytes(bytes: Uint8Array, declared: string, limits: FileLimits): Result<{ mediaType: string; kind: FileKind }> {
  const mediaType = normalMediaType(declared);
  const kind = kindOf(mediaType);
  if (!kind)
    return fail(
      "unsupported_file_type",
      `Files of type ${mediaType || "(none)"} cannot be attached: images (PNG, JPEG, GIF, WebP), PDF and text files can.`,
    );
  const limit = kind === "image" ? limits.maxImageBytes : kind === "pdf" ? limits.maxPdfBytes : limits.maxTextBytes;
  if (bytes.byteLength > limit) return fail("file_too_large", `A ${kind} file may have at most ${limit} bytes.`);
  if (bytes.byteLength === 0) return fail("invalid_file", "The file is empty.");
  const sniffed = sniffMediaType(bytes);
  const matches = kind === "text" ? sniffed === "text/plain" : sniffed === mediaType;
  if (!matches) return fail("file_type_mismatch", `The file's bytes are not ${mediaType}${sniffed ? ` (they look like ${sniffed})` : ""}.`);
  return { ok: true, mediaType, kind };
}

/** Hex SHA-256 of the bytes: the file's name in storage, so the same file is stored once. */
export async function sha256Hex(bytes: Uint8Array): Promise<string> {
  const digest = new Uint8Array(await crypto.subtle.digest("SHA-256", bytes));
  return Array.from(digest, (b) => b.toString(16).padStart(2, "0")).join("");
}
