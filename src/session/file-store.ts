import type { FileUIPart } from "ai";
import type { FileIdStore, StoredFiles } from "../agent/model-context";
import type { IncomingFile } from "../protocol/client-message";
import { fail, type Result } from "../protocol/error-code";
import { fileRef, kindOf, sha256Hex } from "../protocol/file-parts";
import { type FileUse, fileKey } from "../sessions-index/file-registry";
import type { UserSessions } from "../sessions-index/user-sessions";

/** What the session needs of the user's index object to keep file uses. */
type Registry = Pick<UserSessions, "addFileUses" | "releaseFiles" | "anthropicFileIds" | "recordAnthropicFile" | "forgetAnthropicFile">;

/**
 * A session's side of file storage: puts a message's files into R2 (once per content, per user) and
 * records which message uses them in the user's registry; reads them back for the model. The message
 * row keeps only the reference, media type, size and name.
 */
export class FileStore {
  constructor(
    private readonly bucket: R2Bucket,
    private readonly registry: (userId: string) => Registry,
  ) {}

  /**
   * Stores the files of a message about to be admitted, and returns the parts the message keeps. The
   * use is recorded before any bytes are written, so a concurrent delete of the last other use cannot
   * remove a file this message is about to keep (recording it cancels an owed deletion, and answers
   * after a delete already sent has landed: `put`'s HEAD then sees whether the bytes must be written
   * again); anything that fails releases what was recorded.
   */
  async attach(
    userId: string,
    use: { sessionId: string; messageId: string },
    files: readonly IncomingFile[],
  ): Promise<Result<{ parts: FileUIPart[] }>> {
    const prepared: { sha256: string; file: IncomingFile; size: number }[] = [];
    for (const file of files) {
      if (file.kind === "bytes") {
        prepared.push({ sha256: await sha256Hex(file.bytes), file, size: file.bytes.byteLength });
        continue;
      }
      // A reference names a file of this user only: another user's file is not under this user's key.
      const head = await this.bucket.head(fileKey(userId, file.sha256));
      if (!head) return fail("unknown_file", `No file ${file.sha256.slice(0, 12)}... has been uploaded by this user.`);
      const stored = head.httpMetadata?.contentType ?? "";
      if (kindOf(stored) !== kindOf(file.mediaType)) {
        return fail("file_type_mismatch", `The uploaded file is ${stored}, not ${file.mediaType}.`);
      }
      prepared.push({ sha256: file.sha256, file: { ...file, mediaType: stored }, size: head.size });
    }
    const registry = this.registry(userId);
    const uses: FileUse[] = prepared.map((p) => ({ sha256: p.sha256, ...use }));
    const { revived } = await registry.addFileUses(uses);
    // A referenced file whose deletion was owed may have been deleted after the HEAD above, and
    // there are no bytes here to write again: the reference is then unknown, as for a deleted file.
    for (const { sha256, file } of prepared) {
      if (file.kind === "bytes" || !revived.includes(sha256) || (await this.bucket.head(fileKey(userId, sha256)))) continue;
      await registry.releaseFiles(userId, use);
      return fail("unknown_file", `No file ${sha256.slice(0, 12)}... has been uploaded by this user.`);
    }
    try {
      for (const { sha256, file } of prepared) {
        if (file.kind !== "bytes") continue;
        await this.put(userId, sha256, file.bytes, file.mediaType);
      }
    } catch (error) {
      await registry.releaseFiles(userId, use);
      throw error;
    }
    const parts = prepared.map(
      ({ sha256, file, size }): FileUIPart => ({
        type: "file",
        mediaType: file.mediaType,
        ...(file.filename ? { filename: file.filename } : {}),
        url: fileRef(sha256),
        providerMetadata: { edgechat: { sha256, size } },
      }),
    );
    return { ok: true, parts };
  }

  /** Stores bytes under their hash unless they are there already (content-addressed: same file, one object). */
  async put(userId: string, sha256: string, bytes: Uint8Array, mediaType: string): Promise<void> {
    const key = fileKey(userId, sha256);
    if (await this.bucket.head(key)) return;
    await this.bucket.put(key, bytes, { httpMetadata: { contentType: mediaType }, sha256 });
  }

  /** Drops a session's (or one message's) uses; files nobody uses any more are deleted. */
  async release(userId: string, scope: { sessionId: string; messageId?: string }): Promise<void> {
    await this.registry(userId).releaseFiles(userId, scope);
  }

  /** The user's Files API ids, kept by the user's index object (the one writer for the user). */
  fileIds(userId: string): FileIdStore {
    const registry = () => this.registry(userId);
    return {
      get: (sha256s) => registry().anthropicFileIds([...sha256s]),
      record: (sha256, fileId) => registry().recordAnthropicFile(sha256, fileId),
      forget: (sha256, fileId) => registry().forgetAnthropicFile(sha256, fileId),
    };
  }

  /** One user's files as the model's requests read them: sizes from a HEAD, bytes as R2's stream (never whole in memory). */
  reader(userId: string): StoredFiles {
    return {
      size: async (sha256) => (await this.bucket.head(fileKey(userId, sha256)))?.size,
      stream: async (sha256) => (await this.bucket.get(fileKey(userId, sha256)))?.body,
    };
  }
}
