import type { FileUIPart } from "ai";
import { ApiError, parseErrorBody } from "./api-client";
import { authHeaders, reportUnauthorized } from "./auth-token";

/**
 * Files attached to a message (issue 14): what the page lets through, and how each one reaches the
 * server. The server checks everything again (bytes against the media type, its configured limits);
 * the checks here only spare the user a round trip for a file that cannot be sent at all.
 */

/** A file in the composer, before it is sent. */
export interface Attachment {
  id: string;
  file: File;
  /** the file's media type, from its extension when the browser gives none (a `.md` or `.log`) */
  mediaType: string;
  /** an object URL of an image, for its thumbnail */
  preview: string | undefined;
}

/** files one message may have (the server's default `maxFiles`) */
export const MAX_FILES = 20;
/** bytes per kind, the server's defaults: the Anthropic API takes images up to 5 MB */
const MAX_BYTES = { image: 5 * 1024 * 1024, pdf: 32 * 1024 * 1024, text: 1024 * 1024 } as const;
/**
 * Files up to this size go inside the message as data URLs; larger ones are uploaded first
 * (POST /api/sessions/:id/files) and the message names them. A chat request is at most 4 MiB and
 * base64 adds a third, so inline files stay well under it together (see INLINE_TOTAL_BYTES).
 */
const INLINE_MAX_BYTES = 1024 * 1024;
/** bytes of all inline files of one message: with base64, about 2.7 MiB of the request's 4 MiB */
const INLINE_TOTAL_BYTES = 2 * 1024 * 1024;

const IMAGE_TYPES = ["image/png", "image/jpeg", "image/gif", "image/webp"];
/** What the file picker offers: the types above, PDF, and text files by type or by extension. */
export const ACCEPTED = [...IMAGE_TYPES, "application/pdf", "text/*", ".md", ".csv", ".json", ".log", ".txt"].join(",");

/** Media types of text files whose extension browsers often leave untyped. */
const TYPE_BY_EXTENSION: Record<string, string> = {
  md: "text/markdown",
  markdown: "text/markdown",
  log: "text/plain",
  txt: "text/plain",
  csv: "text/csv",
  json: "application/json",
};

export function mediaTypeOf(file: File): string {
  if (file.type) return file.type;
  const extension = file.name.split(".").pop()?.toLowerCase() ?? "";
  return TYPE_BY_EXTENSION[extension] ?? "application/octet-stream";
}

export function kindOf(mediaType: string): keyof typeof MAX_BYTES | undefined {
  if (IMAGE_TYPES.includes(mediaType)) return "image";
  if (mediaType === "application/pdf") return "pdf";
  if (mediaType.startsWith("text/") || mediaType === "application/json") return "text";
  return undefined;
}

/** Why a file cannot be attached, in words, or undefined when it can. */
export function refusalOf(file: File, mediaType: string): string | undefined {
  const kind = kindOf(mediaType);
  if (!kind) return `${file.name} cannot be attached: only images (PNG, JPEG, GIF, WebP), PDFs and text files can.`;
  if (file.size === 0) return `${file.name} is empty.`;
  if (file.size > MAX_BYTES[kind])
    return `${file.name} is too large: a ${kind === "pdf" ? "PDF" : kind} file may have at most ${sizeText(MAX_BYTES[kind])}.`;
  return undefined;
}

/** A size as people read it: 62 B, 14 KB, 1.2 MB. */
export function sizeText(bytes: number): string {
  if (bytes < 1024) return `${bytes} B`;
  return bytes < 1024 * 1024 ? `${Math.round(bytes / 1024)} KB` : `${(bytes / (1024 * 1024)).toFixed(1)} MB`;
}

/**
 * Uploaded files' references (`edgechat:file/...`, not loadable by a browser) mapped to the object URL
 * of the file this tab sent, so the conversation shows the picture until a reload brings signed links.
 */
const localCopies = new Map<string, string>();

/** A URL the browser can load for a file part, or undefined (an upload of another tab, before a reload). */
export function viewableUrl(url: string): string | undefined {
  if (url.startsWith("edgechat:")) return localCopies.get(url);
  return url;
}

/** The file parts of a message: small files as data URLs, large ones uploaded first. Throws an ApiError when an upload is refused. */
export async function toFileParts(sessionId: string, attachments: readonly Attachment[]): Promise<FileUIPart[]> {
  let inline = 0;
  const parts: FileUIPart[] = [];
  for (const attachment of attachments) {
    const { file, mediaType } = attachment;
    if (file.size <= INLINE_MAX_BYTES && inline + file.size <= INLINE_TOTAL_BYTES) {
      inline += file.size;
      parts.push({ type: "file", mediaType, filename: file.name, url: await dataUrlOf(file, mediaType) });
      continue;
    }
    const url = await upload(sessionId, file, mediaType);
    if (attachment.preview) localCopies.set(url, attachment.preview);
    parts.push({ type: "file", mediaType, filename: file.name, url });
  }
  return parts;
}

function dataUrlOf(file: File, mediaType: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const reader = new FileReader();
    // The declared type, not the browser's guess: the server checks the two agree.
    reader.onload = () => resolve(String(reader.result).replace(/^data:[^;,]*/, `data:${mediaType}`));
    reader.onerror = () => reject(new ApiError(0, "invalid_file", `${file.name} could not be read.`));
    reader.readAsDataURL(file);
  });
}

async function upload(sessionId: string, file: File, mediaType: string): Promise<string> {
  const query = new URLSearchParams({ filename: file.name });
  const response = await fetch(`/api/sessions/${encodeURIComponent(sessionId)}/files?${query}`, {
    method: "POST",
    headers: { ...authHeaders(), "content-type": mediaType },
    body: file,
  });
  if (!response.ok) {
    if (response.status === 401) reportUnauthorized();
    const error = parseErrorBody(response.status, await response.text());
    throw new ApiError(error.status, error.code, `${file.name}: ${error.message}`);
  }
  const body: unknown = await response.json();
  const url = typeof body === "object" && body !== null && "url" in body ? body.url : undefined;
  if (typeof url !== "string") throw new ApiError(500, "invalid_response", `${file.name}: the server's answer had no file reference.`);
  return url;
}
