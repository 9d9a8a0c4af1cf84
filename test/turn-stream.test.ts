import type { UIMessageChunk } from "ai";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import type { ChunkBatch, Follower } from "../src/session/chunk-source";
import { TurnStream } from "../src/session/turn-stream";
import type { ChunkLog } from "../src/storage/chunk-log";

/** The chunk log's two calls a turn stream makes, in memory: each `append` is one row. */
function memoryLog() {
  const rows: string[][] = [];
  const lines: string[] = [];
  const log = {
    append(_turn: number, _firstSeq: number, batch: readonly string[]) {
      rows.push([...batch]);
      lines.push(...batch);
    },
    read(from: number, to: number) {
      return lines.slice(from - 1, to);
    },
  };
  return { rows, log: log as unknown as ChunkLog };
}

class RecordingFollower implements Follower {
  readonly batches: ChunkBatch[] = [];
  deliver(batch: ChunkBatch): boolean {
    this.batches.push(batch);
    return true;
  }
  heartbeat(): void {}
  end(): void {}
}

/** Deltas of one character each, so a row's merged delta says how many deltas it holds. */
const delta = (): UIMessageChunk => ({ type: "text-delta", id: "t", delta: "x" });
const deltasIn = (row: readonly string[]) =>
  row.map((line) => JSON.parse(line) as UIMessageChunk).reduce((n, c) => n + (c.type === "text-delta" ? c.delta.length : 0), 0);

function newStream(log: ChunkLog) {
  return new TurnStream({ turn: 1, firstSeq: 1, log, flushIntervalMs: 40, flushDeltas: 4, heartbeatIntervalMs: 600_000 });
}

describe("TurnStream", () => {
  beforeEach(() => {
    vi.useFakeTimers({ toFake: ["Date", "setTimeout", "clearTimeout", "setImmediate", "clearImmediate"] });
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  it("a paced turn writes one row per 4 deltas, its start, first delta and closing rows included", () => {
    const { rows, log } = memoryLog();
    const stream = newStream(log);
    stream.append({ type: "start", messageId: "m" });
    vi.advanceTimersByTime(300);
    stream.append({ type: "start-step" });
    stream.append({ type: "text-start", id: "t" });
    for (let i = 0; i < 1_000; i++) {
      stream.append(delta());
      vi.advanceTimersByTime(5); // 200 tokens/s, one delta per network read
    }
    stream.append({ type: "text-end", id: "t" });
    stream.append({ type: "finish-step" });
    stream.append({ type: "finish" });
    stream.end();

    expect(rows.reduce((n, row) => n + deltasIn(row), 0)).toBe(1_000);
    // Without the budget: 253 (the start, the first delta alone, 249 rows of 4, the closing two).
    expect(rows.length).toBeLessThanOrEqual(250);
    const sizes = rows.map(deltasIn).filter((n) => n > 1);
    // Rows of 4, and of 5 only while paying back the rows that went at once.
    expect(sizes.slice(0, -1).every((n) => n === 4 || n === 5)).toBe(true);
    expect(sizes.filter((n) => n === 5).length).toBeLessThanOrEqual(20);
    expect(sizes.slice(20, -1).every((n) => n === 4)).toBe(true);
  });

  it("every follower gets each row as soon as it is written, the same rows", () => {
    const { rows, log } = memoryLog();
    const stream = newStream(log);
    const followers = [new RecordingFollower(), new RecordingFollower()];
    for (const follower of followers) stream.attach(follower);
    stream.append({ type: "start", messageId: "m" });
    for (const follower of followers) expect(follower.batches.map((b) => b.firstSeq)).toEqual([1]);
    stream.append({ type: "text-start", id: "t" });
    for (let i = 0; i < 9; i++) {
      stream.append(delta());
      vi.advanceTimersByTime(5);
    }
    stream.append({ type: "finish" });
    stream.end();
    for (const follower of followers) expect(follower.batches.map((b) => b.lines)).toEqual(rows);
  });
});
