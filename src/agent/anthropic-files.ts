import type Anthropic from "@anthropic-ai/sdk";
import { BadRequestError, NotFoundError, toFile } from "@anthropic-ai/sdk";
import type { MessageParam } from "@anthropic-ai/sdk/resources/messages/messages";
import { AgentFailure } from "./agent-failure";

/** The beta every Files API call, and every Messages request that names a file by id, must send. */
export const FILES_API_BETA = "files-api-2025-04-14";

/**
 * The Anthropic Files API, as this service uses it: upload a file's bytes once, delete the upload
 * when the last message that uses the file goes. SDK 1.14 does not add the beta header on its own.
 */
export class AnthropicFiles {
  constructor(private readonly client: Anthropic) {}

  /** Uploads the bytes and answers the new file's id. Rejects with the SDK's error when the API refuses. */
  async upload(bytes: Uint8Array, file: { filename: string; mediaType: string }, signal?: AbortSignal): Promise<string> {
    const metadata = await this.client.beta.files.upload(
      { file: await toFile(bytes, file.filename, { type: file.mediaType }), betas: [FILES_API_BETA] },
      signal ? { signal } : {},
    );
    return metadata.id;
  }

  /** Deletes an upload. A file the API no longer knows is as good as deleted; any other failure rejects. */
  async delete(fileId: string): Promise<void> {
    try {
      await this.client.beta.files.delete(fileId, { betas: [FILES_API_BETA] });
    } catch (error) {
      if (error instanceof NotFoundError) return;
      throw error;
    }
  }
}

/**
 * The request options a Messages (or token counting) request needs for its content: the Files API
 * beta when, and only when, an image or document names its source by file id.
 */
export function filesBetaOptions(messages: readonly MessageParam[]): { headers?: Record<string, string> } {
  const usesFileIds = messages.some(
    (message) =>
      Array.isArray(message.content) &&
      message.content.some((block) => (block.type === "image" || block.type === "document") && block.source.type === "file"),
  );
  return usesFileIds ? { headers: { "anthropic-beta": FILES_API_BETA } } : {};
}

/**
 * The file ids a refused request names as unknown: the API answers a Messages request whose file it no
 * longer has (deleted, expired) with 404 `not_found_error`, or 400 `invalid_request_error`, naming the
 * file. Only ids this request sent count, so a 404 for anything else (an unknown model) is not taken
 * for a lost file.
 */
export function unknownFileIds(thrown: unknown, sent: Iterable<string>): string[] {
  // The loop throws the SDK's error wrapped, masked for clients, with the original as its cause.
  const error = thrown instanceof AgentFailure ? thrown.cause : thrown;
  if (!(error instanceof NotFoundError || error instanceof BadRequestError)) return [];
  const text = `${error.message} ${JSON.stringify(error.error ?? "")}`;
  return [...sent].filter((id) => text.includes(id));
}
