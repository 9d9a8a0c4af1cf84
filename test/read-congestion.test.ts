import { describe, expect, it } from "vitest";
import { ReadCongestion } from "../src/session/read-congestion";

describe("ReadCongestion", () => {
  it("is not behind while sessions' reads come at different clock values", () => {
    const reads = new ReadCongestion();
    for (let now = 1_000; now < 1_100; now += 1) reads.noteRead(now);
    expect(reads.behind(1_100)).toBe(false);
  });

  it("is behind once several reads share one clock value, and for a while after", () => {
    const reads = new ReadCongestion();
    for (let i = 0; i < 3; i++) reads.noteRead(1_000);
    expect(reads.behind(1_000)).toBe(false);
    reads.noteRead(1_000);
    expect(reads.behind(1_000)).toBe(true);
    expect(reads.behind(1_100)).toBe(true);
    expect(reads.behind(1_101)).toBe(false);
  });
});
