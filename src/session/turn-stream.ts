import type { UIMessageChunk } from "ai";
import { encodeSse, sseFrames } from "../protocol/sse";
import type { ChunkLog } from "../storage/chunk-log";
import type { ChunkBatch, ChunkSource, Follower } from "./chunk-source";

/** chunks one row may hold; bounds row size well under SQLite's 2 MB limit together with the byte cap */
const MAX_BATCH_CHUNKS = 512;
/** characters of chunk JSON one row may hold before it is flushed early */
const MAX_BATCH_CHARS = 256 * 1024;

/**
 * Chunks the client should see at once: the stream's start and end, and settled tool steps. Deltas
 * wait up to the flush interval so that a burst of tokens costs one row instead of one row each.
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

export interface TurnStreamOptions {
  turn: number;
  firstSeq: number;
  /** See ChunkSource.replayFrom; defaults to `firstSeq`. */
  replayFrom?: number;
  log: ChunkLog;
  /** ms a chunk may wait to share a row with the next ones */
  flushIntervalMs: number;
  /** ms without a chunk before followers get a heartbeat */
  heartbeatIntervalMs: number;
}

/**
 * The live half of a turn's resumable stream: assigns each chunk its session-wide sequence, persists
 * chunks in coalesced batches, and only then hands each batch to every follower. "Durable before
 * visible" holds by construction: a chunk reaches a follower only through `flush`, after the row is
 * written, and the Durable Object's output gate holds outgoing bytes until that write is confirmed.
 */
export class TurnStream implements ChunkSource {
  readonly firstSeq: number;
  readonly replayFrom: number;
  private nextSeq: number;
  private durable: number;
  private pending: string[] = [];
  private pendingChars = 0;
  private flushTimer: ReturnType<typeof setTimeout> | undefined;
  private heartbeatTimer: ReturnType<typeof setTimeout> | undefined;
  private lastSentAt = Date.now();
  private lastAppendAt = Date.now();
  private readonly followers = new Set<Follower>();
  private isEnded = false;

  constructor(
    private readonly options: TurnStreamOptions,
    resumeAfter?: number,
  ) {
    this.firstSeq = options.firstSeq;
    this.replayFrom = options.replayFrom ?? options.firstSeq;
    this.durable = resumeAfter ?? options.firstSeq - 1;
    this.nextSeq = this.durable + 1;
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

  append(chunk: UIMessageChunk): number {
    if (this.isEnded) throw new Error("chunk appended after the turn stream ended");
    this.lastAppendAt = Date.now();
    const line = JSON.stringify(chunk);
    this.pending.push(line);
    this.pendingChars += line.length;
    const seq = this.nextSeq++;
    const interval = this.options.flushIntervalMs;
    if (interval === 0 || FLUSH_NOW.has(chunk.type) || this.pending.length >= MAX_BATCH_CHUNKS || this.pendingChars >= MAX_BATCH_CHARS) {
      this.flush();
    } else if (this.flushTimer === undefined) {
      this.flushTimer = setTimeout(() => this.flush(), interval);
    }
    return seq;
  }

  /** Writes pending chunks as one row, then delivers them. Synchronous: nothing interleaves. */
  flush(): void {
    if (this.flushTimer !== undefined) {
      clearTimeout(this.flushTimer);
      this.flushTimer = undefined;
    }
    if (this.pending.length === 0) return;
    const lines = this.pending;
    const firstSeq = this.durable + 1;
    this.pending = [];
    this.pendingChars = 0;
    this.options.log.append(this.options.turn, firstSeq, lines);
    this.durable = firstSeq + lines.length - 1;
    let sse: Uint8Array | undefined;
    const batch: ChunkBatch = { firstSeq, lines, sse: () => (sse ??= encodeSse(sseFrames(firstSeq, lines))) };
    for (const follower of this.followers) {
      if (!follower.deliver(batch)) this.followers.delete(follower);
    }
    this.lastSentAt = Date.now();
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
