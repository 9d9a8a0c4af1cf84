import { describe, expect, it } from "vitest";
import { call, getSession, newSessionId, send } from "./support/api";
import { captureLogs } from "./support/capture-logs";
import { readSse } from "./support/sse";
import { expectConsistentTurn, textOf, toolParts } from "./support/turn-checks";

async function turn(text: string, id = newSessionId()) {
  const res = await send(id, text);
  expect(res.status).toBe(200);
  const read = await readSse(res.body!);
  return { id, read, chunks: read.chunks };
}

const types = (chunks: { type: string }[]) => chunks.map((c) => c.type);

describe("agent loop: tools", () => {
  it("one tool: input streams, runs, its output goes back to Claude, and the answer continues in a new step", async () => {
    const { id, chunks } = await turn('What is 6*7? fake:tool tool=calculator args={"expression":"6*7"}');
    const t = types(chunks);
    expect(t).toEqual(expect.arrayContaining(["tool-input-start", "tool-input-delta", "tool-input-available", "tool-output-available"]));
    expect(t.filter((x) => x === "start-step")).toHaveLength(2);
    expect(t.indexOf("tool-input-available")).toBeLessThan(t.indexOf("tool-output-available"));
    expect(chunks.find((c) => c.type === "tool-input-available")).toMatchObject({ toolName: "calculator", input: { expression: "6*7" } });
    expect(chunks.find((c) => c.type === "tool-output-available")).toMatchObject({ output: { expression: "6*7", result: 42 } });
    expect(chunks.at(-1)).toEqual({ type: "finish", finishReason: "stop" });
    const message = await expectConsistentTurn(id, chunks);
    // The model saw the tool's result: the fake quotes the tool_result it received.
    expect(textOf(message)).toContain('Tool calculator returned: {"expression":"6*7","result":42}');
    expect(message.parts.filter((p) => p.type === "step-start")).toHaveLength(2);
  });

  it("three tools in parallel each get exactly one outcome, each the moment it settles", async () => {
    const { id, chunks } = await turn(
      'fake:tools-parallel tools=wait,calculator,current_time args1={"seconds":0.5,"steps":1} args2={"expression":"2^10"} args3={"timeZone":"Asia/Tokyo"}',
    );
    const outputs = chunks.filter((c) => c.type === "tool-output-available") as Array<{ toolCallId: string; output: any }>;
    expect(outputs).toHaveLength(3);
    const inputs = chunks.filter((c) => c.type === "tool-input-available") as Array<{ toolCallId: string; toolName: string }>;
    const nameOf = (callId: string) => inputs.find((c) => c.toolCallId === callId)!.toolName;
    // The wait was called first but settles last: nothing was resolved early because another started.
    expect(nameOf(outputs.at(-1)!.toolCallId)).toBe("wait");
    expect(outputs.find((o) => nameOf(o.toolCallId) === "calculator")!.output.result).toBe(1024);
    expect(outputs.find((o) => nameOf(o.toolCallId) === "current_time")!.output.timeZone).toBe("Asia/Tokyo");
    const message = await expectConsistentTurn(id, chunks);
    expect(toolParts(message)).toHaveLength(3);
  });

  it("invalid input, an unknown tool and a throwing tool become error results for the model, not crashes", async () => {
    for (const [directive, expected] of [
      ['fake:tool tool=calculator args={"expr":1}', /Invalid input for calculator/],
      ["fake:tool tool=no_such_tool args={}", /Unknown tool "no_such_tool"/],
      ['fake:tool tool=calculator args={"expression":"1/0"}', /calculator failed: .*zero/i],
    ] as const) {
      const { id, chunks } = await turn(directive);
      const error = chunks.find((c) => c.type === "tool-output-error") as { errorText: string };
      expect(error.errorText).toMatch(expected);
      expect(chunks.at(-1)).toEqual({ type: "finish", finishReason: "stop" });
      const message = await expectConsistentTurn(id, chunks);
      expect(textOf(message)).toContain("failed:");
    }
  });

  it("a tool over its time limit ends with a timeout error outcome; the turn continues", async () => {
    const { id, chunks } = await turn('fake:tool tool=wait args={"seconds":30,"steps":30}');
    const error = chunks.find((c) => c.type === "tool-output-error") as { errorText: string };
    expect(error.errorText).toBe("wait timed out after 2.5 s.");
    await expectConsistentTurn(id, chunks);
  });

  it("a tool that outlives two heartbeat intervals: heartbeats, progress, the real output, then the text after it", async () => {
    const id = newSessionId();
    const read = await readSse((await send(id, 'fake:slow-tool tool=wait args={"seconds":1.2,"steps":3}')).body!);
    // Heartbeats are comments in between chunks: at least two while the tool ran.
    expect(read.comments.filter((c) => c === "heartbeat").length).toBeGreaterThanOrEqual(2);
    const t = types(read.chunks);
    expect(t.filter((x) => x === "data-progress")).toHaveLength(3);
    expect(t.indexOf("tool-output-available")).toBeGreaterThan(t.lastIndexOf("data-progress"));
    expect(t.lastIndexOf("text-delta")).toBeGreaterThan(t.indexOf("tool-output-available"));
    const message = await expectConsistentTurn(id, read.chunks);
    expect(toolParts(message)[0]).toMatchObject({ state: "output-available", output: { waitedSeconds: 1.2, steps: 3 } });
    // Progress with one id replaces itself: one data part, at its last step.
    expect(message.parts.filter((p) => p.type === "data-progress")).toEqual([
      expect.objectContaining({ data: expect.objectContaining({ step: 3, steps: 3 }) }),
    ]);
  });

  it("a second device sees the call while the tool runs, then its result", async () => {
    const id = newSessionId();
    const res = await send(id, 'fake:slow-tool tool=wait args={"seconds":2,"steps":4}');
    let sawCall = false;
    let sawResult = false;
    const reading = readSse(res.body!, {
      onChunk: (chunk) => {
        if (chunk.type === "data-progress" && !sawCall) sawCall = true;
      },
    });
    for (let i = 0; i < 300 && !sawCall; i++) await new Promise((r) => setTimeout(r, 10));
    const during = (await getSession(id)).body;
    const running = during.activeStream.message.parts.find((p: { type: string }) => p.type === "tool-wait");
    expect(running).toMatchObject({ state: "input-available", input: { seconds: 2, steps: 4 } });
    const read = await reading;
    sawResult = read.chunks.some((c) => c.type === "tool-output-available");
    expect(sawResult).toBe(true);
    const after = (await getSession(id)).body;
    expect(after.messages.at(-1).parts.find((p: { type: string }) => p.type === "tool-wait")).toMatchObject({ state: "output-available" });
  });

  it("stop during a tool run: the call gets one error outcome, error then finish, the session is free", async () => {
    const id = newSessionId();
    const res = await send(id, 'fake:slow-tool tool=wait args={"seconds":2,"steps":20}');
    let stopped = false;
    const read = await readSse(res.body!, {
      onChunk: (chunk) => {
        if (chunk.type === "data-progress" && !stopped) {
          stopped = true;
          void call(`/api/chat/${id}/stop`, { method: "POST" });
        }
      },
    });
    expect(read.chunks.slice(-2)).toEqual([
      { type: "error", errorText: "Turn was cancelled" },
      { type: "finish", finishReason: "other" },
    ]);
    const message = await expectConsistentTurn(id, read.chunks);
    expect(toolParts(message)[0]).toMatchObject({ state: "output-error", errorText: "Tool call was interrupted: Turn was cancelled" });
    const next = await send(id, "after the stop fake:text tokens=2");
    expect(next.status).toBe(200);
    await readSse(next.body!);
  });

  it("stops at the step limit with finishReason tool-calls, every call answered", async () => {
    const { id, chunks } = await turn('fake:tool tool=calculator args={"expression":"1+1"} calls=50');
    expect(chunks.at(-1)).toEqual({ type: "finish", finishReason: "tool-calls" });
    expect(chunks.filter((c) => c.type === "start-step")).toHaveLength(10);
    await expectConsistentTurn(id, chunks);
  });
});

describe("agent loop: reasoning", () => {
  it("streams extended thinking as reasoning parts and keeps the signature Claude needs back", async () => {
    const { id, chunks } = await turn("Think first fake:thinking thinking=5");
    const t = types(chunks);
    expect(t.indexOf("reasoning-start")).toBeLessThan(t.indexOf("text-start"));
    const message = await expectConsistentTurn(id, chunks);
    const reasoning = message.parts.find((p) => p.type === "reasoning") as { text: string; providerMetadata?: any };
    expect(reasoning.text).toMatch(/^Considering: /);
    expect(reasoning.providerMetadata.anthropic.signature).toEqual(expect.any(String));
    // The next turn's request carries the thinking block back; a missing signature would make the
    // real API (and this test's next turn, through the SDK) fail.
    const next = await readSse((await send(id, "and then? fake:text tokens=2")).body!);
    expect(next.chunks.at(-1)).toEqual({ type: "finish", finishReason: "stop" });
  });
});

describe("agent loop: upstream failures", () => {
  it("429 then success is retried within the bound and the turn finishes normally", async () => {
    const { id, chunks } = await turn(`fake:rate-limit-then-ok key=${crypto.randomUUID()} times=2 tokens=5`);
    expect(chunks.at(-1)).toEqual({ type: "finish", finishReason: "stop" });
    expect(types(chunks)).not.toContain("error");
    await expectConsistentTurn(id, chunks);
  });

  /** The log lines of a turn that failed with `code`: the upstream's detail for the operator, then the turn's end. */
  const failureLogs = (id: string, code: string) => [
    { event: "agent_failure", session: id, code, detail: expect.any(String) },
    { event: "turn_failed", session: id, turn: 0, code },
  ];

  const failures = [
    ["fake:overloaded", "The model is overloaded. Try again shortly.", "upstream_overloaded"],
    ["fake:server-error", "The model provider returned an error.", "upstream_error"],
    [
      `fake:rate-limit-then-ok key=${crypto.randomUUID()} times=9`,
      "The model provider is rate limiting requests. Try again shortly.",
      "upstream_rate_limited",
    ],
    ["fake:auth-error", "The model provider rejected the configured API key.", "upstream_auth_failed"],
  ] as const;
  for (const [directive, errorText, code] of failures) {
    it(`${directive.split(" ")[0]}: an error chunk with a coded, masked reason, then finish`, async () => {
      const logs = captureLogs(["agent_failure", "turn_failed"]);
      const { id, chunks } = await turn(directive);
      expect(chunks.slice(-2)).toEqual([
        { type: "error", errorText },
        { type: "finish", finishReason: "error" },
      ]);
      await expectConsistentTurn(id, chunks);
      expect(logs.events(id)).toMatchObject(failureLogs(id, code));
    });
  }

  it("the stream dies right after a tool_use block: that call gets an error outcome, and finish arrives", async () => {
    const logs = captureLogs(["agent_failure", "turn_failed"]);
    const { id, chunks } = await turn('fake:cut-after-tool tool=calculator args={"expression":"2+2"}');
    expect(chunks.find((c) => c.type === "tool-input-available")).toBeDefined();
    expect(types(chunks)).not.toContain("tool-output-available");
    expect(chunks.find((c) => c.type === "tool-output-error")).toMatchObject({
      errorText: expect.stringMatching(/^Tool call was interrupted/),
    });
    expect(chunks.slice(-2)).toEqual([
      { type: "error", errorText: "The model's response ended unexpectedly." },
      { type: "finish", finishReason: "error" },
    ]);
    await expectConsistentTurn(id, chunks);
    expect(logs.events(id)).toMatchObject(failureLogs(id, "upstream_error"));
  });

  it("the stream throws mid-text: error with a reason, finish, and the text before it is saved", async () => {
    const logs = captureLogs(["agent_failure", "turn_failed"]);
    for (const [directive, code] of [
      ["fake:error-mid-text tokens=4", "upstream_overloaded"],
      ["fake:malformed tokens=4", "upstream_error"],
    ] as const) {
      const { id, chunks } = await turn(directive);
      expect(chunks.at(-2)).toMatchObject({ type: "error", errorText: expect.any(String) });
      expect(chunks.at(-1)).toEqual({ type: "finish", finishReason: "error" });
      // The open text part was closed before the step was finished.
      expect(types(chunks).slice(-4, -1)).toEqual(["text-end", "finish-step", "error"]);
      const message = await expectConsistentTurn(id, chunks);
      expect(textOf(message).split(" ").length).toBeGreaterThanOrEqual(4);
      expect(logs.events(id)).toMatchObject(failureLogs(id, code));
    }
  });

  it("a stalled stream is aborted by the watchdog and the turn ends with upstream_stalled's message", async () => {
    const logs = captureLogs(["agent_failure", "turn_failed"]);
    const { id, chunks } = await turn("fake:stall tokens=2");
    expect(chunks.slice(-2)).toEqual([
      { type: "error", errorText: "The model stopped responding." },
      { type: "finish", finishReason: "error" },
    ]);
    await expectConsistentTurn(id, chunks);
    expect(logs.events(id)).toMatchObject(failureLogs(id, "upstream_stalled"));
  });

  it("a stream that outlasts the stall timeout but is never quiet that long is not cut", async () => {
    // 30 deltas 100 ms apart: 3 s of stream against the tests' 2 s STALL_TIMEOUT_MS.
    const { id, chunks } = await turn("slow but steady fake:text tokens=30 rate=10");
    expect(chunks.at(-1)).toEqual({ type: "finish", finishReason: "stop" });
    expect(chunks.some((c) => c.type === "error")).toBe(false);
    const message = await expectConsistentTurn(id, chunks);
    expect(textOf(message).split(" ").length).toBeGreaterThanOrEqual(30);
  });
});

describe("agent loop: usage and caching", () => {
  it("records token usage per turn (message metadata) and per session, with prompt-cache reads on later turns", async () => {
    const id = newSessionId();
    await turn("count me fake:text tokens=5", id);
    const second = await turn("and again fake:text tokens=7", id);
    await expectConsistentTurn(id, second.chunks);
    const { body } = await getSession(id);
    const [a1, a2] = [body.messages[1], body.messages[3]];
    expect(a1.metadata).toMatchObject({ model: expect.any(String), usage: { inputTokens: expect.any(Number), outputTokens: 5 } });
    expect(a2.metadata.usage.outputTokens).toBe(7);
    // The system prompt and earlier turns are marked for caching: the second turn reads them from cache.
    expect(a2.metadata.usage.cacheReadTokens).toBeGreaterThan(0);
    const sum = (k: string) => a1.metadata.usage[k] + a2.metadata.usage[k];
    const fields = Object.keys(a1.metadata.usage);
    expect(fields).toEqual(expect.arrayContaining(["cacheWrite5mTokens", "cacheWrite1hTokens", "thinkingTokens", "webSearchRequests"]));
    expect(body.session.usage).toEqual(Object.fromEntries(fields.map((k) => [k, sum(k)])));
    // Without CACHE_TTL=1h every cache write is a 5-minute one.
    expect(a1.metadata.usage.cacheWrite5mTokens).toBe(a1.metadata.usage.cacheWriteTokens);
    expect(a1.metadata.usage.cacheWrite1hTokens).toBe(0);
  });
});
