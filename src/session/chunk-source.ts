/**
 * What a follower reads a turn from: the durable part of its chunk log. Followers never see a chunk
 * that is not durable yet, so a replay always equals what live followers received.
 */
export interface ChunkSource {
  /** Session-wide sequence of the turn's `start` chunk. */
  readonly firstSeq: number;
  /**
   * Where a full replay of the turn's message starts: `firstSeq`, or for a turn that carries on a
   * message that waited for answers, the `start` of that message's first turn (a client rebuilds the
   * message from there, as it rebuilds any in-flight message from its start).
   */
  readonly replayFrom?: number;
  /** Highest sequence that is durable (and so may be sent); `firstSeq - 1` before the first flush. */
  readonly durableThrough: number;
  /** True once the turn's last chunk (`finish`) is durable: a follower that has it is done. */
  readonly ended: boolean;
  /** Chunk JSON for `from .. to` inclusive, from the log. */
  read(from: number, to: number): readonly string[];
}

/** Chunks that were persisted together and are delivered together. */
export interface ChunkBatch {
  readonly firstSeq: number;
  readonly lines: readonly string[];
  /** The batch as SSE frames, encoded once and shared by every SSE follower. */
  sse(): Uint8Array;
}

/** A client attached to a turn, on any transport. */
export interface Follower {
  /** Live chunks just made durable. Returns false when the follower is gone and should be dropped. */
  deliver(batch: ChunkBatch): boolean;
  /** Nothing was sent for a heartbeat interval. */
  heartbeat(): void;
  /** The source has ended: finish the transport's stream once everything is sent. */
  end(): void;
}
