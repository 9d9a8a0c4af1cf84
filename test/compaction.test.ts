import { describe, expect, it } from "vitest";
import { getSession, newSessionId, send } from "./support/api";
import { captureLogs } from "./support/capture-logs";
import { readSse } from "./support/sse";
import { expectConsistentTurn } from "./support/turn-checks";

/** Each long answer is ~1,500 words: about 2,500 tokens by our estimate, against a 6,000-token budget in tests. */
const LONG = "fake:text tokens=1500";

async function turn(id: string, text: string) {
  const read = await readSse((await send(id, text)).body!);
  return read.chunks;
}

describe("long conversations are compacted instead of failing", () => {
  it("summarises older turns when the context would exceed the budget; the log keeps everything", async () => {
    const id = newSessionId();
    await turn(id, `first long one ${LONG}`);
    await turn(id, `second long one ${LONG}`);
    const third = await turn(id, "third, short fake:text tokens=5");

    const compaction = third.find((c) => c.type === "data-compaction") as
      | { data: { summarisedMessages: number }; transient?: boolean }
      | undefined;
    expect(compaction).toBeDefined();
    expect(compaction!.transient).toBe(true);
    expect(compaction!.data.summarisedMessages).toBeGreaterThanOrEqual(2);
    expect(third.at(-1)).toEqual({ type: "finish", finishReason: "stop" });
    await expectConsistentTurn(id, third);

    const { body } = await getSession(id);
    // The full history stays in the log and in the API.
    expect(body.messages).toHaveLength(6);
    // What the model was sent shrank below the budget: the summary replaced the long turns. (The
    // prompt's size is input plus cache reads and writes: cached tokens are not in input_tokens.)
    const promptTokens = (m: any) => m.metadata.usage.inputTokens + m.metadata.usage.cacheReadTokens + m.metadata.usage.cacheWriteTokens;
    expect(promptTokens(body.messages[3])).toBeGreaterThan(2000);
    expect(promptTokens(body.messages[5])).toBeLessThan(6000);
    expect(promptTokens(body.messages[5])).toBeLessThan(promptTokens(body.messages[3]));

    // The next turn starts from the stored summary, without compacting again.
    const fourth = await turn(id, "fourth fake:text tokens=3");
    expect(fourth.find((c) => c.type === "data-compaction")).toBeUndefined();
    expect(fourth.at(-1)).toEqual({ type: "finish", finishReason: "stop" });
  });

  it("when the API still says the prompt is too long, compacts harder and retries once", async () => {
    const id = newSessionId();
    await turn(id, `only one long turn ${LONG}`);
    // Under our 6,000-token budget, but this model's window (max_context) is smaller.
    const chunks = await turn(id, "now with a small window fake:text tokens=4 max_context=2000");
    expect(chunks.find((c) => c.type === "data-compaction")).toBeDefined();
    expect(chunks.at(-1)).toEqual({ type: "finish", finishReason: "stop" });
    await expectConsistentTurn(id, chunks);
  });

  it("if even the compacted context does not fit, the turn ends with context_too_long's message", async () => {
    const logs = captureLogs(["agent_failure", "turn_failed"]);
    const id = newSessionId();
    await turn(id, `a long turn ${LONG}`);
    const chunks = await turn(id, "no window at all fake:text tokens=4 max_context=5");
    expect(chunks.slice(-2)).toEqual([
      { type: "error", errorText: "The conversation is too long for the model." },
      { type: "finish", finishReason: "error" },
    ]);
    await expectConsistentTurn(id, chunks);
    expect(logs.events(id)).toMatchObject([
      { event: "agent_failure", code: "context_too_long", detail: expect.stringContaining("prompt is too long") },
      { event: "turn_failed", turn: 1, code: "context_too_long" },
    ]);
  });

  // Anthropic answers an over-long prompt with 400 invalid_request_error and one of these messages
  // (the second when input plus max_tokens passes the window); any other 400 is no reason to compact,
  // whatever words it uses. Each case follows a long turn, so compacting would have something to summarise.
  it.each([
    ["prompt is too long: 210000 tokens > 200000 maximum", "context_too_long"],
    [
      "input length and `max_tokens` exceed context limit: 197000 + 8192 > 200000, decrease input length or `max_tokens` and try again",
      "context_too_long",
    ],
    ["Invalid context_management parameter", "upstream_error"],
    ["messages.1.content: the context of this block is invalid; prompt is too long is not the issue", "upstream_error"],
  ] as const)("a 400 saying %j is %s", async (message, code) => {
    const logs = captureLogs(["agent_failure", "turn_failed"]);
    const id = newSessionId();
    await turn(id, `a long turn ${LONG}`);
    const chunks = await turn(id, `fake:api-error status=400 message=${encodeURIComponent(message)}`);
    const compacted = chunks.some((c) => c.type === "data-compaction");
    // Compacting harder and retrying is context_too_long's remedy; the retry meets the same 400 here.
    expect(compacted).toBe(code === "context_too_long");
    expect(chunks.slice(-2)).toEqual([
      {
        type: "error",
        errorText: code === "context_too_long" ? "The conversation is too long for the model." : "The model provider returned an error.",
      },
      { type: "finish", finishReason: "error" },
    ]);
    await expectConsistentTurn(id, chunks);
    expect(logs.events(id).map((e) => [e.event, e.code])).toContainEqual(["turn_failed", code]);
  });
});
