/** Tokens (and server tool requests) a turn or a session used, as the Anthropic API reports them. */
export interface TokenUsage {
  /** input tokens neither read from nor written to the prompt cache */
  inputTokens: number;
  /** every output token, thinking included */
  outputTokens: number;
  cacheReadTokens: number;
  /** all cache writes: cacheWrite5mTokens + cacheWrite1hTokens (billed at 1.25x and 2x input) */
  cacheWriteTokens: number;
  cacheWrite5mTokens: number;
  cacheWrite1hTokens: number;
  /** the part of outputTokens that was thinking */
  thinkingTokens: number;
  /** Claude's web searches (billed per search) */
  webSearchRequests: number;
  webFetchRequests: number;
}

export const NO_USAGE: TokenUsage = {
  inputTokens: 0,
  outputTokens: 0,
  cacheReadTokens: 0,
  cacheWriteTokens: 0,
  cacheWrite5mTokens: 0,
  cacheWrite1hTokens: 0,
  thinkingTokens: 0,
  webSearchRequests: 0,
  webFetchRequests: 0,
};

const FIELDS = Object.keys(NO_USAGE) as (keyof TokenUsage)[];

export function addUsage(a: TokenUsage, b: TokenUsage): TokenUsage {
  const sum = { ...NO_USAGE };
  for (const field of FIELDS) sum[field] = a[field] + b[field];
  return sum;
}

/**
 * The usage a message's metadata carries (`{ usage }`, set by the agent loop), if any. Fields that
 * older messages lack (they predate the split of cache writes, thinking and server tools) read as 0,
 * except a cache write of then, which was all 5-minute writes.
 */
export function usageOf(metadata: unknown): TokenUsage | undefined {
  const usage = (metadata as { usage?: Partial<Record<keyof TokenUsage, unknown>> } | null | undefined)?.usage;
  if (!usage || typeof usage.inputTokens !== "number") return undefined;
  const read = { ...NO_USAGE };
  for (const field of FIELDS) {
    const value = usage[field];
    read[field] = typeof value === "number" ? value : 0;
  }
  if (typeof usage.cacheWrite5mTokens !== "number" && typeof usage.cacheWrite1hTokens !== "number") {
    read.cacheWrite5mTokens = read.cacheWriteTokens;
  }
  return read;
}
