import type { UIMessageChunk } from "ai";
import { mergeDeltas, type PendingChunk, pendingChunk } from "../protocol/merge-deltas";
import { encodeSse, sseFrames } from "../protocol/sse";
import type { ChunkLog } from "../storage/chunk-log";
import type { ChunkBatch, ChunkSource, Follower } from "./chunk-source";
import { isolateReads } from "./read-congestion";

/** chunks one row may hold; bounds row size well under SQLite's 2 MB limit together with the byte cap */
const MAX_BATCH_CHUNKS = 512;
/** characters of chunk JSON one row may hold before it is flushed early */
const MAX_BATCH_CHARS = 256 * 1024;
/** deltas one row holds before it is flushed, when the turn's options do not say (see TurnStreamOptions) */
export const DEFAULT_FLUSH_DELTAS = 4;
/**
 * ms a full row still waits for more deltas while network reads come faster than this (full speed).
 * A wait this short is not felt (a 60 Hz frame is 16 ms), and it keeps a fast stream from writing a
 * row per `flushDeltas` deltas: everything that arrives within it shares the row.
 */
const COALESCE_FLOOR_MS = 10;
/**
 * ms a row collects deltas while the isolate is behind on its reads (read-congestion.ts), unless
 * `flushIntervalMs` is longer: about 12 rows a second per session, still a smooth text animation.
 * Measured with 50 sessions at full speed in one isolate: 40 ms left 126-150 rows per 1,000 deltas
 * and the isolate's CPU per token 1.3-1.5x the no-persistence baseline's; 80 ms 37-53 rows and 0.9-1.0x.
 */
const BEHIND_FLUSH_MS = 80;

/**
 * rows a turn writes at its end whatever the policy (the last deltas with `finish-step`, then
 * `finish`): reserved in the write budget from the start (see `rowIsFull`)
 */
const CLOSING_ROWS = 2;

/**
 * Chunks the client should see at once: the stream's start and end, and settled tool steps.
 */
const FLUSH_NOW = new Set<UIMessageChunk["type"]>([
  "start",
  "finish",
  "error",
  "abort",
  "tool-input-available",
  "tool-output-available",
  "tool-output-error",
  "finish-step",
]);

const DELTAS = new Set<UIMessageChunk["type"]>(["text-delta", "reasoning-delta", "tool-input-delta"]);

export interface TurnStreamOptions {
  turn: number;
  firstSeq: number;
  /** See ChunkSource.replayFrom; defaults to `firstSeq`. */
  replayFrom?: number;
  log: ChunkLog;
  /**
   * ms a chunk may wait at most to share a row with the next ones; 0 writes every chunk at once.
   * The most a delta waits when the stream is slow, not what it usually waits (see `append`).
   */
  flushIntervalMs: number;
  /** deltas a row collects before it is written; 1 writes each delta at once */
  flushDeltas?: number;
  /** ms without a chunk before followers get a heartbeat */
  heartbeatIntervalMs: number;
}

/**
 * The live half of a turn's resumable stream: assigns each chunk its session-wide sequence, persists
 * chunks in coalesced batches, and only then hands each batch to every follower. "Durable before
 * visible" holds by construction: a chunk reaches a follower only through `flush`, after the row is
 * written, and the Durable Object's output gate holds outgoing bytes until that write is confirmed.
 *
 * When a row is written is a trade between rows per token and the wait per delta. With a row per k
 * deltas at an even rate a delta waits (k - 1) / 2 inter-token gaps on average, whatever the policy,
 * so the policy is a row per `flushDeltas` deltas, and no waiting where waiting buys nothing:
 * - the first delta of a part, and a delta after a quiet spell (no chunk for `flushIntervalMs`), go
 *   at once with what is pending: the first token is as fast as without durability;
 * - a row is written as soon as it holds `flushDeltas` deltas (one more while the turn is over its
 *   budget of a row per `flushDeltas` deltas, see `rowIsFull`). While reads come faster than
 *   COALESCE_FLOOR_MS apart (full speed) it first waits until its oldest chunk is that old, so a fast
 *   stream writes rows of many deltas rather than of `flushDeltas`;
 * - when the deltas that fill a row came in one network read (Claude sends several per read), the
 *   row is written at the end of that read, so the rest of the read joins it instead of waiting for
 *   the next row; likewise the rest of a read whose first delta was just written;
 * - otherwise a row is written when its oldest chunk has waited `flushIntervalMs`;
 * - while the isolate is behind on its reads (read-congestion.ts: several sessions' reads queued at
 *   one clock value), a row is never full by its delta count: it is written when its oldest chunk
 *   has waited BEHIND_FLUSH_MS. Every row is a commit on the thread all sessions share, so there a
 *   row per few deltas makes every delta later, not sooner. One session alone is never behind.
 * "At once" is synchronous, inside `append`: in workerd even setImmediate fires 2-3 ms later
 * (measured), so only a burst, which gains a whole read interval by it, waits for one.
 * Consecutive deltas of one row are merged into one chunk (protocol/merge-deltas.ts).
 */
export class TurnStream implements ChunkSource {
  readonly firstSeq: number;
  readonly replayFrom: number;
  private durable: number;
  private pending: PendingChunk[] = [];
  private pendingChars = 0;
  /** deltas among `pending` */
  private pendingDeltas = 0;
  /** rows written and deltas appended so far: the turn's write budget (see `rowIsFull`) */
  private rows = 0;
  private deltas = 0;
  /** when the oldest pending chunk was appended */
  private pendingSince = 0;
  /** consecutive deltas appended since the last other chunk: 1 marks a part's first delta */
  private deltaRun = 0;
  private flushTimer: ReturnType<typeof setTimeout> | undefined;
  /** when the armed flush timer fires (epoch ms) */
  private flushDueAt = Number.POSITIVE_INFINITY;
  /** a flush at the end of the current network read (see flushAtEndOfRead) */
  private flushImmediate: ReturnType<typeof setImmediate> | undefined;
  /** Date.now() of the last flush: chunks appended at the same time came in the same read */
  private lastFlushAt = Number.NaN;
  /** ms between the last two network reads that brought chunks */
  private readGap = Number.POSITIVE_INFINITY;
  private heartbeatTimer: ReturnType<typeof setTimeout> | undefined;
  private lastSentAt = Date.now();
  private lastAppendAt = Date.now();
  private readonly followers = new Set<Follower>();
  private isEnded = false;
  private readonly flushDeltas: number;

  constructor(
    private readonly options: TurnStreamOptions,
    resumeAfter?: number,
  ) {
    this.firstSeq = options.firstSeq;
    this.replayFrom = options.replayFrom ?? options.firstSeq;
    this.durable = resumeAfter ?? options.firstSeq - 1;
    this.flushDeltas = Math.max(1, options.flushDeltas ?? DEFAULT_FLUSH_DELTAS);
    this.armHeartbeat();
  }

  get durableThrough(): number {
    return this.durable;
  }

  get ended(): boolean {
    return this.isEnded;
  }

  get followerCount(): number {
    return this.followers.size;
  }

  read(from: number, to: number): readonly string[] {
    return this.options.log.read(from, to);
  }

  /** Queues a chunk for the next row; see the class comment for when that row is written. */
  append(chunk: UIMessageChunk): void {
    if (this.isEnded) throw new Error("chunk appended after the turn stream ended");
    // workerd's clock stands still while code runs and moves on I/O, so chunks with the time of the
    // previous append came in the same network read (a burst).
    const now = Date.now();
    const sameRead = now === this.lastAppendAt;
    if (!sameRead) {
      this.readGap = now - this.lastAppendAt;
      isolateReads.noteRead(now);
    }
    const quiet = now - this.lastAppendAt >= this.options.flushIntervalMs;
    this.lastAppendAt = now;
    const entry = pendingChunk(chunk);
    if (this.pending.length === 0) this.pendingSince = now;
    this.pending.push(entry);
    this.pendingChars += entry.line.length;
    const isDelta = DELTAS.has(chunk.type);
    this.deltaRun = isDelta ? this.deltaRun + 1 : 0;
    if (isDelta) {
      this.pendingDeltas += 1;
      this.deltas += 1;
    }
    const interval = this.options.flushIntervalMs;
    const behind = isolateReads.behind(now);
    const full = this.rowIsFull() && !behind;
    const waited = now - this.pendingSince;
    if (interval === 0 || this.pending.length >= MAX_BATCH_CHUNKS || this.pendingChars >= MAX_BATCH_CHARS) {
      this.flush();
    } else if (FLUSH_NOW.has(chunk.type) || (isDelta && (quiet || this.deltaRun === 1))) {
      this.flush();
    } else if (full && this.flushDeltas > 1 && waited < COALESCE_FLOOR_MS && this.readGap < COALESCE_FLOOR_MS) {
      // Reads come fast (full speed): the row takes what arrives within the floor.
      this.flushIn(this.pendingSince + COALESCE_FLOOR_MS - now, now);
    } else if (full || (isDelta && now === this.lastFlushAt)) {
      // A full row, or the rest of a read whose first part was just written: at once, but when a
      // burst is under way, at the end of its read, so the read's deltas share the row.
      if (sameRead) this.flushAtEndOfRead();
      else this.flush();
    } else {
      const wait = behind ? Math.max(interval, BEHIND_FLUSH_MS) : interval;
      this.flushIn(Math.max(0, this.pendingSince + wait - now), now);
    }
  }

  /**
   * A row is full at `flushDeltas` deltas, or at one more while the turn is over its write budget of
   * a row per `flushDeltas` deltas. The rows that go at once (the start, a part's first delta, tool
   * steps, and the closing rows, reserved from the start) are paid back by the next rows holding one
   * delta more: with 4 a 1,000-delta turn writes 250 rows, not 253, and its first 15 or so rows of
   * deltas hold 5. The mean wait barely moves; the median of an even stream's waits does: at rows of
   * 4 exactly half the deltas wait at most one gap, with a few rows of 5 slightly fewer, so the median
   * is the shortest two-gap wait (BENCHMARKS.md, "The median at 250 rows per 1,000").
   */
  private rowIsFull(): boolean {
    if (this.flushDeltas === 1) return this.pendingDeltas >= 1;
    const overBudget = (this.rows + 1 + CLOSING_ROWS) * this.flushDeltas > this.deltas;
    return this.pendingDeltas >= this.flushDeltas + (overBudget ? 1 : 0);
  }

  /**
   * Flushes once the current event-loop turn is over: the rest of a network read's deltas join the
   * row. Costs about 2-3 ms in workerd (measured), so only a burst uses it.
   */
  private flushAtEndOfRead(): void {
    if (this.flushImmediate !== undefined) return;
    this.flushImmediate = setImmediate(() => {
      this.flushImmediate = undefined;
      this.flush();
    });
  }

  /** Writes pending chunks as one row, then delivers them. Synchronous: nothing interleaves. */
  flush(): void {
    if (this.flushTimer !== undefined) this.clearFlushTimer();
    if (this.flushImmediate !== undefined) {
      clearImmediate(this.flushImmediate);
      this.flushImmediate = undefined;
    }
    if (this.pending.length === 0) return;
    this.lastFlushAt = Date.now();
    const lines = mergeDeltas(this.pending);
    const firstSeq = this.durable + 1;
    this.pending = [];
    this.pendingChars = 0;
    this.pendingDeltas = 0;
    this.options.log.append(this.options.turn, firstSeq, lines);
    this.rows += 1;
    this.durable = firstSeq + lines.length - 1;
    let sse: Uint8Array | undefined;
    const batch: ChunkBatch = { firstSeq, lines, sse: () => (sse ??= encodeSse(sseFrames(firstSeq, lines))) };
    for (const follower of this.followers) {
      if (!follower.deliver(batch)) this.followers.delete(follower);
    }
    this.lastSentAt = Date.now();
  }

  /** Flushes in `delayMs` unless a flush is already due sooner. */
  private flushIn(delayMs: number, now: number): void {
    const dueAt = now + delayMs;
    if (this.flushTimer !== undefined) {
      if (this.flushDueAt <= dueAt) return;
      this.clearFlushTimer();
    }
    this.flushDueAt = dueAt;
    this.flushTimer = setTimeout(() => {
      this.flushTimer = undefined;
      this.flushDueAt = Number.POSITIVE_INFINITY;
      this.flush();
    }, delayMs);
  }

  private clearFlushTimer(): void {
    if (this.flushTimer !== undefined) clearTimeout(this.flushTimer);
    this.flushTimer = undefined;
    this.flushDueAt = Number.POSITIVE_INFINITY;
  }

  /** ms since the turn last produced a chunk: what the alarm's watchdog judges progress by. */
  idleFor(now: number): number {
    return now - this.lastAppendAt;
  }

  /** The alarm's backstop for the heartbeat timer: heartbeats followers idle for an interval. */
  heartbeatIfIdle(now: number): void {
    if (this.isEnded || now - this.lastSentAt < this.options.heartbeatIntervalMs) return;
    for (const follower of this.followers) follower.heartbeat();
    this.lastSentAt = now;
  }

  attach(follower: Follower): void {
    this.followers.add(follower);
    if (this.isEnded) follower.end();
  }

  detach(follower: Follower): void {
    this.followers.delete(follower);
  }

  /** Flushes what is left and lets every follower finish once it has everything. */
  end(): void {
    if (this.isEnded) return;
    this.flush();
    this.isEnded = true;
    if (this.heartbeatTimer !== undefined) clearTimeout(this.heartbeatTimer);
    for (const follower of [...this.followers]) follower.end();
    this.followers.clear();
  }

  /**
   * One timer per turn, not per follower: every follower receives every batch at the same moment, so
   * the turn's last send time is each live follower's. Re-armed lazily, at most once per interval.
   */
  private armHeartbeat(): void {
    const interval = this.options.heartbeatIntervalMs;
    const due = this.lastSentAt + interval - Date.now();
    this.heartbeatTimer = setTimeout(
      () => {
        if (this.isEnded) return;
        if (Date.now() - this.lastSentAt >= interval) {
          for (const follower of this.followers) follower.heartbeat();
          this.lastSentAt = Date.now();
        }
        this.armHeartbeat();
      },
      Math.max(due, 0),
    );
  }
}
