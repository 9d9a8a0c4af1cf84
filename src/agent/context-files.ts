import { kindOf, parseFileRef } from "../protocol/file-parts";
import type { AnthropicFiles } from "./anthropic-files";
import type { FileBodies } from "./file-bodies";
import type { ContextFile, ContextFiles, ContextStore, ModelContext } from "./model-context";

type Log = (event: string, detail: Record<string, unknown>) => void;

/** How a turn's files reach the model: the Files API (and where the user's ids are kept), or bytes in the request. */
export interface FileDelivery {
  files?: AnthropicFiles | undefined;
  /** where a file sent as bytes is streamed into this turn's requests */
  bodies: FileBodies;
  sessionId: string;
  signal: AbortSignal;
  log: Log;
}

/**
 * What the model gets of every file the context's messages attach, fetched in parallel. With the
 * Files API on, an image or PDF goes by the id of its upload: one per user and content, recorded in
 * the user's index object, so a file that has an id is neither read from R2 nor encoded again, and
 * the request stays small whatever the file's size. Text files stay inline as plain-text documents:
 * the Files API would take them only as `text/plain` documents, which cost the same tokens either
 * way, and they are at most 1 MiB. Without the Files API (the default) every image and PDF goes as
 * base64, streamed from R2 into each request (file-bodies.ts): only its size is looked up here.
 * An upload the API refuses rejects with the SDK's error: the turn fails with the usual mapping.
 */
export async function loadContextFiles(context: ModelContext, store: ContextStore, delivery: FileDelivery): Promise<ContextFiles> {
  const attached = new Map<string, { mediaType: string }>();
  for (const { message } of context.messages) {
    for (const part of message.parts) {
      if (part.type !== "file") continue;
      const sha = parseFileRef(part.url);
      if (sha && !attached.has(sha)) attached.set(sha, { mediaType: part.mediaType });
    }
  }
  const files = new Map<string, ContextFile>();
  const { files: stored, fileIds } = store;
  if (!stored) return files;
  const upstream = delivery.files && fileIds ? { files: delivery.files, ids: fileIds } : undefined;
  const byId = upstream ? [...attached].filter(([, { mediaType }]) => kindOf(mediaType) !== "text").map(([sha]) => sha) : [];
  const recorded = upstream && byId.length > 0 ? await upstream.ids.get(byId) : {};
  await Promise.all(
    [...attached].map(async ([sha, { mediaType }]) => {
      const known = recorded[sha];
      if (known) {
        files.set(sha, { fileId: known });
        return;
      }
      if (kindOf(mediaType) === "text") {
        const stream = await stored.stream(sha);
        if (stream) files.set(sha, { text: await new Response(stream).text() });
        return;
      }
      if (!upstream || !byId.includes(sha)) {
        const size = await stored.size(sha);
        if (size !== undefined) files.set(sha, { base64: delivery.bodies.placeholder(sha, size) });
        return;
      }
      const stream = await stored.stream(sha);
      if (!stream) return;
      const bytes = new Uint8Array(await new Response(stream).arrayBuffer());
      files.set(sha, await uploadOnce(sha, bytes, mediaType, upstream, delivery));
    }),
  );
  return files;
}

/**
 * Uploads a file and records its id for the user. A concurrent first use (another session, another
 * step) may have uploaded and recorded it first: that id is kept and this upload deleted, so the
 * user has one upload per content. When no message uses the file any more (its session was deleted
 * during the upload) the upload is deleted too, and this request gets the bytes it already has.
 */
async function uploadOnce(
  sha: string,
  bytes: Uint8Array,
  mediaType: string,
  upstream: { files: AnthropicFiles; ids: NonNullable<ContextStore["fileIds"]> },
  delivery: FileDelivery,
): Promise<ContextFile> {
  // The name is the content hash: always a valid Files API filename, whatever the user called the
  // file (the API refuses some characters), and the same for every message that attaches it.
  const filename = `${sha}.${mediaType === "application/pdf" ? "pdf" : (mediaType.split("/")[1] ?? "bin")}`;
  const uploaded = await upstream.files.upload(bytes, { filename, mediaType }, delivery.signal);
  const kept = await upstream.ids.record(sha, uploaded);
  if (kept !== uploaded) await deleteExtra(uploaded, upstream.files, delivery);
  return kept === undefined ? { base64: delivery.bodies.placeholder(sha, bytes.byteLength) } : { fileId: kept };
}

async function deleteExtra(fileId: string, files: AnthropicFiles, delivery: FileDelivery): Promise<void> {
  try {
    await files.delete(fileId);
  } catch (error) {
    // An extra upload left behind costs storage, not correctness; the turn goes on.
    delivery.log("anthropic_file_delete_failed", { session: delivery.sessionId, fileId, detail: String(error) });
  }
}
