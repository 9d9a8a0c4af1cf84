import { fail, type Result } from "../protocol/error-code";
import type { ChunkLog } from "../storage/chunk-log";
import type { TurnLog } from "../storage/turn-log";
import type { ChunkSource } from "./chunk-source";
import type { TurnStream } from "./turn-stream";

export type FollowTarget = Result<
  { source: ChunkSource & Partial<Pick<TurnStream, "attach" | "detach">>; startAt: number } | { idle: true }
>;

/**
 * Decides what a follower gets. Without a cursor: the running turn's message from its `start` chunk
 * (what the AI SDK's resume expects; for a message that waited for answers, from its first turn), or
 * idle (HTTP 204). With a cursor: exactly the chunks after it, from the
 * running turn or from the finished turn it belongs to, so a client that dropped before `finish`
 * still gets the end; a cursor at the end of a turn continues with the next turn, if any, else is idle.
 */
export function resolveFollow(deps: {
  cursor: number | undefined;
  running: TurnStream | undefined;
  turns: TurnLog;
  chunks: ChunkLog;
}): FollowTarget {
  const { cursor, running } = deps;
  if (cursor === undefined) {
    return running ? { ok: true, source: running, startAt: running.replayFrom } : { ok: true, idle: true };
  }
  if (running && cursor >= running.firstSeq) {
    if (cursor > running.durableThrough) return badCursor();
    return { ok: true, source: running, startAt: cursor + 1 };
  }
  const turn = deps.turns.containing(cursor);
  if (!turn || turn.lastChunk === null) return badCursor();
  if (cursor === turn.lastChunk) {
    // The end of a turn: the next turn, when there is one (what `POST .../messages` answers is the last
    // chunk before its turn), all of it; otherwise nothing more.
    if (running && running.firstSeq === cursor + 1) return { ok: true, source: running, startAt: running.firstSeq };
    const next = deps.turns.containing(cursor + 1);
    if (!next || next.lastChunk === null) return { ok: true, idle: true };
    return { ok: true, source: finishedSource(deps.chunks, next.firstChunk, next.lastChunk), startAt: next.firstChunk };
  }
  if (deps.chunks.read(cursor, cursor).length === 0) return fail("invalid_cursor", "This cursor's chunks are no longer kept.");
  return { ok: true, source: finishedSource(deps.chunks, turn.firstChunk, turn.lastChunk), startAt: cursor + 1 };
}

/** A finished stretch of the chunk log, read as a source that has ended. */
export function finishedSource(chunks: ChunkLog, first: number, last: number): ChunkSource {
  return { firstSeq: first, durableThrough: last, ended: true, read: (from, to) => chunks.read(from, to) };
}

function badCursor() {
  return fail("invalid_cursor", "The cursor does not point into a turn of this session.");
}
