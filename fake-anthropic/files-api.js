// @ts-check
/**
 * The Files API (beta `files-api-2025-04-14`) as api.anthropic.com speaks it:
 *
 *   POST   /v1/files        multipart/form-data with a `file` field -> FileMetadata
 *   GET    /v1/files        { data: FileMetadata[] (newest first), first_id, last_id, has_more }; `limit` (default 20, at most 1000)
 *   GET    /v1/files/<id>   FileMetadata
 *   DELETE /v1/files/<id>   { id, type: "file_deleted" }
 *
 * Every one needs the beta header, and so does a Messages request whose image or document names its
 * source by `{ type: "file", file_id }` (resolveFileSources). An unknown id is a 404 `not_found_error`.
 * The list is how tests see how many uploads exist and which were deleted. A file whose bytes contain
 * `fake:refuse-upload` is refused (400 `invalid_request_error`), so a test can fail an upload; one
 * whose bytes contain `fake:fail-deletes=<n>` answers its first n deletes with a transient 500
 * `api_error`, as the API does in an outage, so a test can see a delete retried until it succeeds.
 */
import { FakeApiError } from "./fake-api-error.js";
import { randomId } from "./random-id.js";

export const FILES_API_BETA = "files-api-2025-04-14";

/** Uploads kept at most, and their bytes at most: past either the oldest is forgotten (to the service, an expired file). */
const MAX_FILES = 1_000;
const MAX_STORED_BYTES = 512 * 1024 * 1024;

/**
 * @typedef {{ id: string, type: "file", filename: string, mime_type: string, size_bytes: number, created_at: string, downloadable: boolean }} FileMetadata
 * @typedef {{ metadata: FileMetadata, bytes: Uint8Array, failDeletes: number }} StoredFile
 */

/** @type {Map<string, StoredFile>} id -> upload, oldest first */
const files = new Map();
let storedBytes = 0;

/** The upload with this id, or undefined. @param {string} id */
export function storedFile(id) {
  return files.get(id);
}

/** @param {Headers} headers */
function hasFilesBeta(headers) {
  return (headers.get("anthropic-beta") ?? "").split(",").some((beta) => beta.trim() === FILES_API_BETA);
}

/** @param {Headers} headers @param {string} what */
function requireFilesBeta(headers, what) {
  if (!hasFilesBeta(headers)) {
    throw new FakeApiError(400, "invalid_request_error", `${what} requires the beta header anthropic-beta: ${FILES_API_BETA}`);
  }
}

/** @param {string} id */
function notFound(id) {
  return new FakeApiError(404, "not_found_error", `File not found: ${id}`);
}

/**
 * Answers a Files API request, or undefined for any other path. Reads the body itself (multipart),
 * so the caller must not have read it.
 * @param {Request} request @param {string} pathname @param {(headers: Headers) => void} authenticate throws when the key is missing or bad
 * @returns {Promise<{ status: number, body: unknown } | undefined>}
 */
export async function handleFilesRequest(request, pathname, authenticate) {
  if (pathname !== "/v1/files" && !pathname.startsWith("/v1/files/")) return undefined;
  const id = pathname === "/v1/files" ? undefined : decodeURIComponent(pathname.slice("/v1/files/".length));
  if (request.method === "POST" && id === undefined) {
    // Read whole before any answer: workerd throws at a response that leaves a request body unread.
    const form = await readForm(request);
    authenticate(request.headers);
    requireFilesBeta(request.headers, "The Files API");
    return { status: 200, body: upload(form) };
  }
  if (request.body) await request.arrayBuffer();
  authenticate(request.headers);
  requireFilesBeta(request.headers, "The Files API");
  if (request.method === "GET" && id === undefined) return { status: 200, body: list(new URL(request.url).searchParams) };
  if (id === undefined || id.includes("/")) throw new FakeApiError(404, "not_found_error", `Not found: ${request.method} ${pathname}`);
  const file = files.get(id);
  if (request.method === "GET") {
    if (!file) throw notFound(id);
    return { status: 200, body: file.metadata };
  }
  if (request.method === "DELETE") {
    if (!file) throw notFound(id);
    if (file.failDeletes > 0) {
      file.failDeletes -= 1;
      throw new FakeApiError(500, "api_error", "Internal server error");
    }
    forget(id);
    return { status: 200, body: { id, type: "file_deleted" } };
  }
  throw new FakeApiError(405, "invalid_request_error", `Method not allowed: ${request.method} ${pathname}`);
}

/** The form's `file` and its bytes, or undefined when the body is not a form with one. @param {Request} request */
async function readForm(request) {
  if (!(request.headers.get("content-type") ?? "").startsWith("multipart/form-data")) {
    await request.arrayBuffer();
    return undefined;
  }
  const file = (await request.formData()).get("file");
  if (file === null || typeof file === "string") return undefined;
  return { name: file.name, type: file.type, bytes: new Uint8Array(await file.arrayBuffer()) };
}

/** @param {{ name: string, type: string, bytes: Uint8Array } | undefined} form @returns {FileMetadata} */
function upload(form) {
  if (!form) throw new FakeApiError(400, "invalid_request_error", "file: Field required (multipart/form-data)");
  const { bytes } = form;
  if (containsAscii(bytes, "fake:refuse-upload")) {
    throw new FakeApiError(400, "invalid_request_error", "fake-anthropic: upload refused (the file contains fake:refuse-upload)");
  }
  /** @type {FileMetadata} */
  const metadata = {
    id: randomId("file_011"),
    type: "file",
    filename: form.name || "upload",
    mime_type: form.type || "application/octet-stream",
    size_bytes: bytes.byteLength,
    created_at: new Date().toISOString(),
    // Only files that Claude's tools create can be downloaded; uploads cannot.
    downloadable: false,
  };
  files.set(metadata.id, { metadata, bytes, failDeletes: asciiCount(bytes, "fake:fail-deletes=") });
  storedBytes += bytes.byteLength;
  while (files.size > MAX_FILES || storedBytes > MAX_STORED_BYTES) forget(/** @type {string} */ (files.keys().next().value));
  return metadata;
}

/** Whether the bytes hold this ASCII text anywhere. @param {Uint8Array} bytes @param {string} text */
function containsAscii(bytes, text) {
  return indexOfAscii(bytes, text) >= 0;
}

/** Where this ASCII text first starts in the bytes, or -1. @param {Uint8Array} bytes @param {string} text */
function indexOfAscii(bytes, text) {
  const codes = Array.from(text, (c) => c.charCodeAt(0));
  outer: for (let i = 0; i + codes.length <= bytes.length; i += 1) {
    for (let j = 0; j < codes.length; j += 1) if (bytes[i + j] !== codes[j]) continue outer;
    return i;
  }
  return -1;
}

/**
 * The decimal number right after this ASCII text in the bytes, or 0 when the text is not there.
 * @param {Uint8Array} bytes @param {string} text
 */
function asciiCount(bytes, text) {
  const at = indexOfAscii(bytes, text);
  if (at < 0) return 0;
  let n = 0;
  for (let i = at + text.length; i < bytes.length && (bytes[i] ?? 0) >= 0x30 && (bytes[i] ?? 0) <= 0x39; i += 1) {
    n = n * 10 + ((bytes[i] ?? 0) - 0x30);
  }
  return n;
}

/** @param {string} id */
function forget(id) {
  const file = files.get(id);
  if (!file) return;
  files.delete(id);
  storedBytes -= file.bytes.byteLength;
}

/** @param {URLSearchParams} params */
function list(params) {
  const limit = Number(params.get("limit") ?? "20");
  if (!Number.isInteger(limit) || limit < 1 || limit > 1_000) {
    throw new FakeApiError(400, "invalid_request_error", "limit: Input should be between 1 and 1000");
  }
  const newestFirst = [...files.values()].reverse().map((file) => file.metadata);
  const data = newestFirst.slice(0, limit);
  return { data, first_id: data[0]?.id ?? null, last_id: data.at(-1)?.id ?? null, has_more: newestFirst.length > limit };
}

/**
 * Checks every `{ type: "file", file_id }` source of a Messages (or token counting) request as the
 * real API does: the beta header, a known id, and a file whose type fits the block.
 * @param {{ messages: { content: unknown }[] }} body @param {Headers} headers
 */
export function resolveFileSources(body, headers) {
  for (const message of body.messages) {
    if (!Array.isArray(message.content)) continue;
    for (const block of message.content) {
      const source = block?.source;
      if (!(block?.type === "image" || block?.type === "document") || source?.type !== "file") continue;
      requireFilesBeta(headers, "A file source");
      const file = files.get(String(source.file_id));
      if (!file) throw notFound(String(source.file_id));
      const fits =
        block.type === "image"
          ? file.metadata.mime_type.startsWith("image/")
          : /^(application\/pdf|text\/plain)$/.test(file.metadata.mime_type);
      if (!fits) {
        throw new FakeApiError(
          400,
          "invalid_request_error",
          `File ${source.file_id} (${file.metadata.mime_type}) cannot be used in a ${block.type} block.`,
        );
      }
    }
  }
}
