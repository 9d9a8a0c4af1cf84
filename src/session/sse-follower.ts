import { encodeSse, SSE_DONE, SSE_HEARTBEAT, sseFrames } from "../protocol/sse";
import type { ChunkBatch, ChunkSource, Follower } from "./chunk-source";

/** bytes an SSE follower may have queued before its stream stops pulling more from the log */
const HIGH_WATER_MARK_BYTES = 64 * 1024;
/**
 * bytes of live chunks queued beyond the high-water mark before a follower that does not read is
 * switched to catching up from the log. Keeps a stalled client's memory bounded while the turn and
 * the other followers go on at full speed.
 */
const MAX_LIVE_BACKLOG_BYTES = 1024 * 1024;
/** chunks read from the log per catch-up step */
const CATCH_UP_PAGE = 256;

/**
 * One SSE client of one turn. It starts behind (replaying from the log from `startAt`), catches up
 * page by page as its reader pulls, and then takes live batches straight from the fan-out. Live
 * batches that arrive while it is behind are ignored: it will read them from the log, so it never
 * sees a gap or a duplicate, and its memory stays bounded whatever the client does.
 */
export class SseFollower implements Follower {
  readonly stream: ReadableStream<Uint8Array>;
  private controller!: ReadableStreamDefaultController<Uint8Array>;
  /** The next sequence this follower must send. */
  private next: number;
  private closed = false;

  constructor(
    private readonly source: ChunkSource,
    startAt: number,
    private readonly onGone: (follower: SseFollower) => void,
  ) {
    this.next = startAt;
    this.stream = new ReadableStream<Uint8Array>(
      {
        start: (controller) => {
          this.controller = controller;
        },
        pull: () => this.pump(),
        cancel: () => this.close(),
      },
      new ByteLengthQueuingStrategy({ highWaterMark: HIGH_WATER_MARK_BYTES }),
    );
  }

  deliver(batch: ChunkBatch): boolean {
    if (this.closed) return false;
    if (batch.firstSeq !== this.next) {
      // Behind (replaying or lagging): these chunks are in the log; pull them from there.
      this.pump();
      return !this.closed;
    }
    if ((this.controller.desiredSize ?? 0) < -MAX_LIVE_BACKLOG_BYTES) {
      // The client stopped reading. Stop queueing; it catches up from the log if it reads again.
      return true;
    }
    // State first: enqueue may call pull() synchronously, which must see this batch as sent.
    this.next += batch.lines.length;
    this.controller.enqueue(batch.sse());
    return true;
  }

  heartbeat(): void {
    if (this.closed || this.behind()) return;
    this.controller.enqueue(SSE_HEARTBEAT);
  }

  end(): void {
    this.pump();
  }

  private behind(): boolean {
    return this.next <= this.source.durableThrough;
  }

  /** Sends from the log while the reader wants more; finishes the stream once the turn is done. */
  private pump(): void {
    while (!this.closed && this.behind() && (this.controller.desiredSize ?? 0) > 0) {
      const to = Math.min(this.source.durableThrough, this.next + CATCH_UP_PAGE - 1);
      const lines = this.source.read(this.next, to);
      if (lines.length === 0) {
        // The log no longer holds these chunks (pruned): end rather than send a gap.
        this.finish();
        return;
      }
      const from = this.next;
      this.next += lines.length;
      this.controller.enqueue(encodeSse(sseFrames(from, lines)));
    }
    if (!this.closed && !this.behind() && this.source.ended) this.finish();
  }

  private finish(): void {
    if (this.closed) return;
    this.close();
    this.controller.enqueue(SSE_DONE);
    this.controller.close();
  }

  private close(): void {
    if (this.closed) return;
    this.closed = true;
    this.onGone(this);
  }
}
