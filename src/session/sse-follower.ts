import { encodeSse, SSE_DONE, SSE_HEARTBEAT, sseFrames } from "../protocol/sse";
import type { ChunkBatch, ChunkSource, Follower } from "./chunk-source";

/** bytes written to an SSE follower and not yet taken by its reader before its catch-up from the log waits */
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
 * writes a follower has in the pipe at once before further batches are held and joined (see
 * `write`). Measured (`npm run bench -- --only=fanout --transports=sse --followers=500,100`, one run
 * each, load about 1), p99 lag first to last follower at 500 / 100 followers: no limit 853-4,359 /
 * 4.4-4.9 ms; 4: 388 / 3.7 ms; 2: 212 / 7.6 ms; 1: 145-226 / 10.2-15.4 ms. The pulled stream this
 * replaced: 694 / 12-18 ms.
 */
const MAX_WRITES_IN_FLIGHT = 2;

/**
 * One SSE client of one turn. It starts behind (replaying from the log from `startAt`), catches up
 * page by page as its reader takes them, and then writes live batches straight from the fan-out.
 * Live batches that arrive while it is behind are ignored: it will read them from the log, so it
 * never sees a gap or a duplicate, and its memory stays bounded whatever the client does.
 *
 * The stream is workerd's native pipe (IdentityTransformStream), written to, not a JavaScript
 * ReadableStream pulled by the runtime: the runtime reads a pulled stream by calling into JavaScript
 * for every chunk of every follower to carry it into the RPC stream, in between whatever else the
 * thread does; a native pipe it reads without.
 * Measured with 100 followers of a 2,000-token turn at 200 tokens/s, 4 runs each, alternating: p99
 * lag from the first follower to the last 16.9-26.6 ms pulled, 5.3-7.6 ms written; Worker CPU per
 * token 1,685-1,710 us pulled, 1,290-1,660 us written.
 */
export class SseFollower implements Follower {
  readonly stream: ReadableStream<Uint8Array>;
  private readonly writer: WritableStreamDefaultWriter<Uint8Array>;
  /** The next sequence this follower must send. */
  private next: number;
  private closed = false;
  /** A catch-up from the log is under way: live batches are left to it. */
  private catchingUp = false;
  /**
   * Bytes written and not yet taken by the reader, counted from the writes' own promises. Not the
   * pipe's `desiredSize` and `ready`: with a `highWaterMark`, `ready` stayed pending after the reader
   * had taken the backlog (the 2.7 MB turn of test/bounded-storage.test.ts never ended).
   */
  private unread = 0;
  /** writes to the pipe not yet taken by the reader; past MAX_WRITES_IN_FLIGHT, `held` waits */
  private inFlight = 0;
  private held: Uint8Array[] = [];
  /** `finish` ran: close the pipe once everything written and held is taken. */
  private closeWhenWritten = false;
  /** Resumes a catch-up waiting for the reader to take what was written. */
  private onDrained: (() => void) | undefined;

  constructor(
    private readonly source: ChunkSource,
    startAt: number,
    private readonly onGone: (follower: SseFollower) => void,
  ) {
    this.next = startAt;
    const pipe = new IdentityTransformStream();
    this.stream = pipe.readable;
    this.writer = pipe.writable.getWriter();
    // Rejects when the client goes away (the response is cancelled): the follower is gone.
    this.writer.closed.catch(() => this.close());
    void this.catchUp();
  }

  deliver(batch: ChunkBatch): boolean {
    if (this.closed) return false;
    if (this.catchingUp) return true;
    if (batch.firstSeq !== this.next || this.unread > HIGH_WATER_MARK_BYTES + MAX_LIVE_BACKLOG_BYTES) {
      // Behind (replaying or lagging), or the client stopped reading: these chunks are in the log;
      // send them from there once the reader takes more.
      void this.catchUp();
      return !this.closed;
    }
    this.next += batch.lines.length;
    this.write(batch.sse());
    return true;
  }

  heartbeat(): void {
    if (this.closed || this.catchingUp || this.behind()) return;
    this.write(SSE_HEARTBEAT);
  }

  end(): void {
    if (this.catchingUp) return; // the catch-up finishes the stream when it is done
    if (this.behind()) void this.catchUp();
    else this.finish();
  }

  private behind(): boolean {
    return this.next <= this.source.durableThrough;
  }

  /** Sends from the log, a page whenever the reader has room; finishes the stream once the turn is done. */
  private async catchUp(): Promise<void> {
    if (this.catchingUp || this.closed) return;
    this.catchingUp = true;
    try {
      while (!this.closed && this.behind()) {
        if (this.unread >= HIGH_WATER_MARK_BYTES) await new Promise<void>((resolve) => (this.onDrained = resolve));
        if (this.closed) return;
        const to = Math.min(this.source.durableThrough, this.next + CATCH_UP_PAGE - 1);
        const lines = this.source.read(this.next, to);
        if (lines.length === 0) {
          // The log no longer holds these chunks (pruned): end rather than send a gap.
          this.finish();
          return;
        }
        const from = this.next;
        this.next += lines.length;
        this.write(encodeSse(sseFrames(from, lines)));
      }
    } catch (error) {
      // A failed log read errors the client's stream.
      this.close();
      this.writer.abort(error).catch(() => {});
      return;
    } finally {
      this.catchingUp = false;
    }
    if (!this.closed && this.source.ended) this.finish();
  }

  /**
   * At most MAX_WRITES_IN_FLIGHT writes in the pipe; what comes while they are under way is held and
   * goes as one write when the reader takes one. A reader that keeps up gets each batch at once; one
   * that falls behind (hundreds of followers on one thread) gets fewer, larger writes instead of a
   * queue of one native write per row, each its own round trip: at 500 followers that queue put
   * seconds between the first follower and the last. The bytes are the same, in the same order.
   */
  private write(bytes: Uint8Array): void {
    this.unread += bytes.length;
    if (this.inFlight >= MAX_WRITES_IN_FLIGHT) this.held.push(bytes);
    else this.send(bytes);
  }

  private send(bytes: Uint8Array): void {
    this.inFlight += 1;
    // Not awaited: a rejection means the client went away.
    this.writer.write(bytes).then(
      () => {
        this.unread -= bytes.length;
        this.inFlight -= 1;
        if (this.held.length > 0) this.send(joined(this.held.splice(0)));
        else if (this.inFlight === 0 && this.closeWhenWritten) this.writer.close().catch(() => {});
        if (this.unread < HIGH_WATER_MARK_BYTES) this.drained();
      },
      () => this.close(),
    );
  }

  private drained(): void {
    const resume = this.onDrained;
    this.onDrained = undefined;
    resume?.();
  }

  private finish(): void {
    if (this.closed) return;
    this.close();
    this.write(SSE_DONE);
    // After the held bytes: the pipe closes once its last write is taken.
    this.closeWhenWritten = true;
  }

  private close(): void {
    if (this.closed) return;
    this.closed = true;
    this.drained(); // a waiting catch-up sees the close and stops
    this.onGone(this);
  }
}

function joined(chunks: readonly Uint8Array[]): Uint8Array {
  if (chunks.length === 1) return chunks[0]!;
  const out = new Uint8Array(chunks.reduce((n, c) => n + c.byteLength, 0));
  let at = 0;
  for (const chunk of chunks) {
    out.set(chunk, at);
    at += chunk.byteLength;
  }
  return out;
}
