import type { UIMessage } from "ai";
import type { FileSource } from "./file-bodies";

export interface StoredContextMessage {
  seq: number;
  message: UIMessage;
}

/** What the model is given of a session: a summary of older turns, and the messages after it. */
export interface ModelContext {
  summary?: string | undefined;
  messages: readonly StoredContextMessage[];
  /** The last message is this turn's own answer, cut off by a restart: the model continues it. */
  continuing?: boolean;
}

/** Where the agent reads its context from and records a new summary; the session owns the storage. */
export interface ContextStore {
  load(): ModelContext;
  saveSummary(summary: { throughSeq: number; summary: string }): void;
  /** The session's stored files (messages' attachments, by SHA-256). */
  files?: StoredFiles;
  /** Where the user's Files API ids are kept (when the Files API is on): one id per file content. */
  fileIds?: FileIdStore;
}

/**
 * The user's Anthropic Files API ids by file content (SHA-256), kept by one writer per user so that
 * every session of the user reuses one upload.
 */
export interface FileIdStore {
  get(sha256s: readonly string[]): Promise<Record<string, string>>;
  /**
   * Records an upload. Answers the id to use: this one, or the one a concurrent upload recorded
   * first (the caller deletes its own then), or undefined when no message uses the file any more.
   */
  record(sha256: string, fileId: string): Promise<string | undefined>;
  /** Forgets an id the API no longer knows (only if it is still the recorded one). */
  forget(sha256: string, fileId: string): Promise<void>;
}

/** Stored files as the agent reads them: a file's size to build a prompt, its bytes to send it. */
export interface StoredFiles extends FileSource {
  /** The file's size in bytes, or undefined when it is gone. */
  size(sha256: string): Promise<number | undefined>;
}

/**
 * A file as the model gets it: a text file's text; an image's or PDF's base64, as the placeholder the
 * request streams it in place of (file-bodies.ts); or the Files API id of its upload.
 */
export type ContextFile = { text: string } | { base64: string } | { fileId: string };

/** Files the context's messages attach, by SHA-256: loaded once per turn, before its first model call. */
export type ContextFiles = ReadonlyMap<string, ContextFile>;

/** characters per token in the estimate: close enough for English and JSON to pick a compaction point */
export const CHARS_PER_TOKEN = 4;

/**
 * A rough token count. Compaction only needs to know when a context is near the budget; the API's
 * own `prompt is too long` answer is the backstop when the estimate is off.
 */
export function estimateTokens(value: unknown): number {
  return Math.ceil((typeof value === "string" ? value.length : JSON.stringify(value ?? "").length) / CHARS_PER_TOKEN);
}
