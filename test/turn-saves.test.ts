import { runInDurableObject } from "cloudflare:test";
import type { UIMessage, UIMessageChunk } from "ai";
import { describe, expect, it } from "vitest";
import { enabledTools } from "../src/agent/tools/registry";
import { SseFollower } from "../src/session/sse-follower";
import { Turn, type TurnRecorder } from "../src/session/turn";
import { ChunkLog } from "../src/storage/chunk-log";
import { newSessionId, send } from "./support/api";
import { sessionObject } from "./support/session-object";
import { readSse } from "./support/sse";

/** A recorder whose saves fail a given number of times first, as a storage hiccup would. */
function flakyRecorder(failures: { checkpoints: number; finals: number }) {
  const saved: UIMessage[] = [];
  const ended: UIMessage[] = [];
  const recorder: TurnRecorder = {
    saveMessage(message) {
      if (failures.checkpoints-- > 0) throw new Error("SQLITE_BUSY (simulated)");
      saved.push(message);
    },
    endTurn(_end, message) {
      if (failures.finals-- > 0) throw new Error("SQLITE_BUSY (simulated)");
      ended.push(message);
    },
  };
  return { recorder, saved, ended };
}

describe("saves during a turn", () => {
  it("a failed checkpoint is logged and never kills the turn; the final save retries and gets everything", async () => {
    const id = newSessionId();
    await readSse((await send(id, "make the object fake:text tokens=1")).body!);
    const result = await runInDurableObject(sessionObject(id), async (_instance, state) => {
      const { recorder, saved, ended } = flakyRecorder({ checkpoints: 1, finals: 1 });
      const logs: string[] = [];
      const turn = new Turn({
        seq: 99,
        messageId: "m-flaky",
        firstChunk: 1_000_000,
        chunkLog: new ChunkLog(state.storage.sql),
        recorder,
        flushIntervalMs: 0,
        heartbeatIntervalMs: 60_000,
        log: (event) => logs.push(event),
      });
      const follower = new SseFollower(turn.stream, turn.stream.firstSeq, () => {});
      turn.stream.attach(follower);
      const reading = readSse(follower.stream);
      const chunks: UIMessageChunk[] = [
        { type: "start-step" },
        { type: "tool-input-start", toolCallId: "c1", toolName: "calculator" },
        { type: "tool-input-available", toolCallId: "c1", toolName: "calculator", input: { expression: "1+1" } }, // checkpoint: fails
        { type: "tool-output-available", toolCallId: "c1", output: { result: 2 } }, // checkpoint: succeeds
        { type: "finish-step" },
      ];
      for (const chunk of chunks) turn.emit(chunk);
      turn.end({ kind: "finished", finishReason: "stop" }); // first final save fails, the retry succeeds
      const read = await reading;
      return { logs, saved: saved.length, ended, last: read.chunks.at(-1), sawDone: read.sawDone };
    });
    expect(result.logs).toEqual(["checkpoint_failed", "final_save_failed"]);
    expect(result.saved).toBeGreaterThanOrEqual(1);
    expect(result.ended).toHaveLength(1);
    expect(result.ended[0]!.parts.find((p) => p.type === "tool-calculator")).toMatchObject({ state: "output-available" });
    expect(result.last).toEqual({ type: "finish", finishReason: "stop" });
    expect(result.sawDone).toBe(true);
  });

  it("followers still get their end when every final save fails", async () => {
    const id = newSessionId();
    await readSse((await send(id, "make the object fake:text tokens=1")).body!);
    const result = await runInDurableObject(sessionObject(id), async (_instance, state) => {
      const { recorder } = flakyRecorder({ checkpoints: 0, finals: 5 });
      const turn = new Turn({
        seq: 98,
        messageId: "m-doomed",
        firstChunk: 2_000_000,
        chunkLog: new ChunkLog(state.storage.sql),
        recorder,
        flushIntervalMs: 0,
        heartbeatIntervalMs: 60_000,
        log: () => {},
      });
      const follower = new SseFollower(turn.stream, turn.stream.firstSeq, () => {});
      turn.stream.attach(follower);
      const reading = readSse(follower.stream);
      turn.end({ kind: "cancelled" });
      return await reading;
    });
    expect(result!.chunks.slice(-2)).toEqual([
      { type: "error", errorText: "Turn was cancelled" },
      { type: "finish", finishReason: "other" },
    ]);
    expect(result!.sawDone).toBe(true);
  });
});

describe("tool configuration", () => {
  it("TOOLS picks the enabled tools: all by default, or a list", () => {
    expect([...enabledTools("all").keys()].sort()).toEqual(["calculator", "current_time", "fetch_url", "wait"]);
    expect([...enabledTools(["calculator", "wait", "nope"]).keys()]).toEqual(["calculator", "wait"]);
    expect(enabledTools([]).size).toBe(0);
  });
});
