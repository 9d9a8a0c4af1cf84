import type { UIMessageChunk } from "ai";
import { describe, expect, it } from "vitest";
import { mergeDeltas, pendingChunk } from "../src/protocol/merge-deltas";
import { assembleChunks } from "./support/sse";

const lines = (chunks: UIMessageChunk[]) => mergeDeltas(chunks.map(pendingChunk));
const parse = (out: string[]) => out.map((line) => JSON.parse(line) as UIMessageChunk);

describe("mergeDeltas", () => {
  it("joins consecutive deltas of one part into one chunk, and the message assembles the same", async () => {
    const chunks: UIMessageChunk[] = [
      { type: "start", messageId: "m" },
      { type: "start-step" },
      { type: "reasoning-start", id: "r" },
      { type: "reasoning-delta", id: "r", delta: "Think" },
      { type: "reasoning-delta", id: "r", delta: "ing." },
      { type: "reasoning-end", id: "r" },
      { type: "text-start", id: "t" },
      { type: "text-delta", id: "t", delta: "Hel" },
      { type: "text-delta", id: "t", delta: "lo" },
      { type: "text-delta", id: "t", delta: " world" },
      { type: "text-end", id: "t" },
      { type: "tool-input-start", toolCallId: "c", toolName: "calculator" },
      { type: "tool-input-delta", toolCallId: "c", inputTextDelta: '{"expr' },
      { type: "tool-input-delta", toolCallId: "c", inputTextDelta: 'ession":"1+1"}' },
      { type: "tool-input-available", toolCallId: "c", toolName: "calculator", input: { expression: "1+1" } },
      { type: "finish-step" },
      { type: "finish" },
    ];
    const merged = lines(chunks);
    expect(merged).toHaveLength(chunks.length - 4);
    expect(merged).toContain(JSON.stringify({ type: "text-delta", id: "t", delta: "Hello world" }));
    expect(merged).toContain(JSON.stringify({ type: "reasoning-delta", id: "r", delta: "Thinking." }));
    expect(merged).toContain(JSON.stringify({ type: "tool-input-delta", toolCallId: "c", inputTextDelta: '{"expression":"1+1"}' }));
    expect(await assembleChunks(parse(merged))).toEqual(await assembleChunks(chunks));
  });

  it("keeps deltas of different parts, and deltas with extra fields, as they are", () => {
    const chunks: UIMessageChunk[] = [
      { type: "text-delta", id: "a", delta: "1" },
      { type: "text-delta", id: "b", delta: "2" },
      { type: "text-delta", id: "b", delta: "3", providerMetadata: { x: { y: 1 } } },
      { type: "text-delta", id: "b", delta: "4" },
    ];
    expect(lines(chunks)).toEqual(chunks.map((c) => JSON.stringify(c)));
  });

  it("a single delta keeps its own JSON", () => {
    const chunk: UIMessageChunk = { type: "text-delta", id: "t", delta: "x" };
    expect(lines([chunk])).toEqual([JSON.stringify(chunk)]);
  });
});
