import type { UIMessage } from "ai";

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
  /** A stored file's bytes (a message's attachment, by SHA-256), or undefined when it is gone. */
  loadFile?(sha256: string): Promise<Uint8Array | undefined>;
}

/** Files the context's messages attach, by SHA-256: loaded once per turn, before its first model call. */
export type ContextFiles = ReadonlyMap<string, Uint8Array>;

/** characters per token in the estimate: close enough for English and JSON to pick a compaction point */
export const CHARS_PER_TOKEN = 4;

/**
 * A rough token count. Compaction only needs to know when a context is near the budget; the API's
 * own `prompt is too long` answer is the backstop when the estimate is off.
 */
export function estimateTokens(value: unknown): number {
  return Math.ceil((typeof value === "string" ? value.length : JSON.stringify(value ?? "").length) / CHARS_PER_TOKEN);
}
