import type { ChunkLog } from "../storage/chunk-log";
import type { TurnLog } from "../storage/turn-log";

/**
 * Drops the chunk logs of turns that ended more than `retentionMs` ago (cursor resumes into them
 * then answer `invalid_cursor`); messages are never touched. Returns when the next prune is due,
 * or undefined when no kept chunk can expire.
 */
export function pruneChunks(
  turns: TurnLog,
  chunks: ChunkLog,
  now: number,
  retentionMs: number,
): { pruned: number; nextDueAt: number | undefined } {
  const expiredThrough = turns.lastChunkEndedBefore(now - retentionMs);
  const pruned = expiredThrough === undefined ? 0 : chunks.pruneBefore(expiredThrough + 1);
  const oldestKeptEnd = turns.oldestEndedAfterChunk(expiredThrough ?? -1);
  return { pruned, nextDueAt: oldestKeptEnd === undefined ? undefined : oldestKeptEnd + retentionMs };
}
