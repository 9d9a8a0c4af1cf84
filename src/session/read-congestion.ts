/**
 * sessions whose network reads the isolate handles at one clock value before it counts as behind.
 * One streaming session reads once per clock value however fast its upstream is (a read's deltas
 * share it), and two streams rarely meet in one; several meeting means reads were queued.
 */
const BEHIND_READS = 4;
/** ms a congested clock value still counts after the clock moved on: the next round of reads is as queued */
const MEMORY_MS = 100;

/**
 * Whether the isolate running the session objects is behind on its network reads. workerd's clock
 * stands still while code runs and moves on I/O, so reads of several sessions seen at one clock
 * value were queued while the thread was busy: the thread, not the upstreams, sets the pace. Then
 * every chunk-log row costs all of them (in `wrangler dev` each commit is an fsync on that thread),
 * and a row per few deltas only makes every session slower (turn-stream.ts coalesces more).
 *
 * Module state on purpose: it describes the isolate, which all objects in it share. An isolate
 * with one session never counts as behind.
 */
export class ReadCongestion {
  private at = Number.NaN;
  private reads = 0;
  /** when a clock value last saw BEHIND_READS reads */
  private congestedAt = Number.NEGATIVE_INFINITY;

  /** Notes a session's network read (its first chunk at a new clock value). */
  noteRead(now: number): void {
    if (now !== this.at) {
      this.at = now;
      this.reads = 0;
    }
    this.reads += 1;
    if (this.reads >= BEHIND_READS) this.congestedAt = now;
  }

  behind(now: number): boolean {
    return now - this.congestedAt <= MEMORY_MS;
  }
}

/** The isolate's one instance (see the class comment). */
export const isolateReads = new ReadCongestion();
