import type { ChunkLog } from "../storage/chunk-log";
import type { TurnLog } from "../storage/turn-log";

/**
 * Drops the chunk logs of turns that ended more than `retentionMs` ago (cursor resumes into them
 * then answer `invalid_cursor`); messages are never touched. Returns when the next prune is due,
 * or undefined when no kept chunk can expire.
 *
 * `keepFrom`: the first chunk of a message that may still continue (one waiting for answers): a crash
 * while it continues rebuilds it from all of its turns' chunks, so those are kept however old.
 */
export function pruneChunks(
  turns: TurnLog,
  chunks: ChunkLog,
  now: number,
  retentionMs: number,
  keepFrom?: number,
): { pruned: number; nextDueAt: number | undefined } {
  const expired = turns.lastChunkEndedBefore(now - retentionMs);
  const expiredThrough = expired === undefined || keepFrom === undefined ? expired : Math.min(expired, keepFrom - 1);
  const pruned = expiredThrough === undefined ? 0 : chunks.pruneBefore(expiredThrough + 1);
  const oldestKeptEnd = turns.oldestEndedAfterChunk(expiredThrough ?? -1);
  return { pruned, nextDueAt: oldestKeptEnd === undefined ? undefined : oldestKeptEnd + retentionMs };
}
