import { readUIMessageStream, type UIMessage, type UIMessageChunk, UIMessageStreamError, validateUIMessages } from "ai";
import { describe, expect, it } from "vitest";
import { closeOpenParts, finalizeInterruptedToolParts } from "../src/protocol/close-open-parts";
import { MessageAssembler } from "../src/protocol/message-assembler";

type Chunk = UIMessageChunk;
const ID = "msg-1";
const start: Chunk = { type: "start", messageId: ID };
const finish: Chunk = { type: "finish", finishReason: "stop" };
const step = (...body: Chunk[][]): Chunk[] => [{ type: "start-step" }, ...body.flat(), { type: "finish-step" }];
const text = (id: string, ...deltas: string[]): Chunk[] => [
  { type: "text-start", id },
  ...deltas.map((delta): Chunk => ({ type: "text-delta", id, delta })),
  { type: "text-end", id },
];
const reasoning = (id: string, ...deltas: string[]): Chunk[] => [
  { type: "reasoning-start", id },
  ...deltas.map((delta): Chunk => ({ type: "reasoning-delta", id, delta })),
  { type: "reasoning-end", id },
];
/** tool-input-start, the input JSON in three deltas, tool-input-available */
function call(
  toolCallId: string,
  toolName: string,
  input: Record<string, unknown>,
  extra: { dynamic?: boolean; title?: string } = {},
): Chunk[] {
  const json = JSON.stringify(input);
  const cuts = [0, Math.floor(json.length / 3), Math.floor((2 * json.length) / 3), json.length];
  return [
    { type: "tool-input-start", toolCallId, toolName, ...extra },
    ...[0, 1, 2].map((i): Chunk => ({ type: "tool-input-delta", toolCallId, inputTextDelta: json.slice(cuts[i], cuts[i + 1]) })),
    { type: "tool-input-available", toolCallId, toolName, input, ...extra },
  ];
}
const output = (toolCallId: string, value: unknown): Chunk => ({ type: "tool-output-available", toolCallId, output: value });

/**
 * The SDK's own assembly. `readUIMessageStream` reports both `error` chunks and chunks it rejects through
 * `onError` (a rejected chunk also ends the stream), so every error is collected for the test to check.
 * It only yields after chunks that change what a UI shows: `flushId` appends a `start` with the current id,
 * which yields a snapshot of the full state (what `Chat` keeps) without changing it.
 */
async function sdkAssemble(chunks: readonly Chunk[], options: { message?: UIMessage; flushId?: string } = {}) {
  const errors: Error[] = [];
  // Cloned: the SDK stores data chunk objects in the message and mutates them on replacement.
  const all = structuredClone([...chunks, ...(options.flushId ? [{ type: "start", messageId: options.flushId } as const] : [])]);
  const stream = new ReadableStream<Chunk>({
    start(controller) {
      for (const chunk of all) controller.enqueue(chunk);
      controller.close();
    },
  });
  let message: UIMessage | undefined;
  const onError = (error: unknown) => errors.push(error instanceof Error ? error : new Error(String(error)));
  const init = options.message ? { message: structuredClone(options.message) } : {};
  for await (const snapshot of readUIMessageStream({ stream, onError, ...init })) message = snapshot;
  return { message, errors };
}

/** Errors the SDK must report: exactly our `error` chunks, never a rejected chunk. */
function expectOnlyErrorChunks(errors: Error[], chunks: readonly Chunk[]) {
  const expected = chunks.flatMap((c) => (c.type === "error" ? [c.errorText] : []));
  expect(errors.filter((e) => UIMessageStreamError.isInstance(e))).toEqual([]);
  expect(errors.map((e) => e.message)).toEqual(expected);
}

function assemble(chunks: readonly Chunk[], assembler = new MessageAssembler({ messageId: ID })): MessageAssembler {
  for (const chunk of structuredClone(chunks)) assembler.apply(chunk);
  return assembler;
}

function withJsonInputs(message: UIMessage): UIMessage {
  return {
    ...message,
    parts: message.parts.map((p) => ("input" in p ? { ...p, input: JSON.stringify(p.input) } : p)) as UIMessage["parts"],
  };
}

const sequences: Record<string, Chunk[]> = {
  "plain text": [start, ...step(text("t1", "Hello", ", ", "world")), finish],
  "two text parts": [start, ...step(text("t1", "one"), text("t2", "two")), finish],
  "reasoning then text, with provider metadata": [
    start,
    ...step(
      [
        { type: "reasoning-start", id: "r1", providerMetadata: { anthropic: { signature: "" } } },
        { type: "reasoning-delta", id: "r1", delta: "hmm" },
      ],
      [{ type: "reasoning-end", id: "r1", providerMetadata: { anthropic: { signature: "sig" } } }],
      [
        { type: "text-start", id: "t1", providerMetadata: { p: { a: 1 } } },
        { type: "text-delta", id: "t1", delta: "x" },
        { type: "text-end", id: "t1" },
      ],
    ),
    finish,
  ],
  "multi-step with tool calls and text after": [
    start,
    ...step(text("t1", "Let me look."), call("c1", "weather", { city: "Paris" }), [output("c1", { temp: 21 })]),
    ...step(reasoning("r2", "warm"), text("t2", "It is ", "21.")),
    { type: "finish", finishReason: "stop" },
  ],
  "three parallel tools with interleaved outputs": [
    start,
    ...step(
      call("a", "read", { path: "a.txt" }),
      call("b", "read", { path: "b.txt" }),
      [output("b", "B")],
      call("c", "list", { dir: "/" }),
      [output("c", ["x"]), output("a", "A")],
    ),
    { type: "finish", finishReason: "tool-calls" },
  ],
  "tool-output-error and tool-input-error": [
    start,
    ...step(call("a", "read", { path: "nope" }), [{ type: "tool-output-error", toolCallId: "a", errorText: "ENOENT" }]),
    ...step([
      { type: "tool-input-start", toolCallId: "b", toolName: "read" },
      { type: "tool-input-delta", toolCallId: "b", inputTextDelta: '{"pa' },
    ]),
    ...step([{ type: "tool-input-error", toolCallId: "b", toolName: "read", input: { pa: 1 }, errorText: "bad input" }]),
    ...step([{ type: "tool-input-error", toolCallId: "c", toolName: "write", input: "raw", errorText: "no such tool", dynamic: true }]),
    finish,
  ],
  "dynamic tools, title, toolMetadata, provider metadata, preliminary output": [
    start,
    ...step(
      [
        {
          type: "tool-input-start",
          toolCallId: "d",
          toolName: "mcp_search",
          dynamic: true,
          title: "Search",
          toolMetadata: { server: "s1" },
          providerMetadata: { p: { a: 1 } },
        },
      ],
      [
        { type: "tool-input-delta", toolCallId: "d", inputTextDelta: '{"q":"cats"' },
        { type: "tool-input-delta", toolCallId: "d", inputTextDelta: "}" },
      ],
      [
        {
          type: "tool-input-available",
          toolCallId: "d",
          toolName: "mcp_search",
          input: { q: "cats" },
          dynamic: true,
          providerExecuted: true,
          providerMetadata: { p: { b: 2 } },
        },
      ],
      [{ type: "tool-output-available", toolCallId: "d", output: { partial: true }, preliminary: true }],
      [
        {
          type: "tool-output-available",
          toolCallId: "d",
          output: { hits: 3 },
          providerMetadata: { p: { c: 3 } },
          toolMetadata: { server: "s2" },
        },
      ],
      [{ type: "tool-input-start", toolCallId: "s", toolName: "shell", inputEncoding: "text", title: "Shell" }],
      [
        { type: "tool-input-delta", toolCallId: "s", inputTextDelta: "ls " },
        { type: "tool-input-delta", toolCallId: "s", inputTextDelta: "-la" },
      ],
      [{ type: "tool-input-available", toolCallId: "s", toolName: "shell", input: "ls -la" }, output("s", "total 0")],
    ),
    finish,
  ],
  "a tool call from an earlier step gets its output later": [
    start,
    ...step(call("a", "slow", { n: 1 })),
    ...step(text("t", "waiting")),
    output("a", "done"),
    finish,
  ],
  "data parts: without id, with id, replaced by id, transient": [
    start,
    { type: "data-progress", data: { pct: 0 } },
    { type: "data-status", id: "s1", data: { state: "queued" } },
    { type: "data-status", id: "s2", data: { state: "queued" } },
    { type: "data-other", id: "s1", data: "same id, other type" },
    { type: "data-status", id: "s1", data: { state: "running" } },
    { type: "data-toast", data: "not stored", transient: true },
    { type: "data-status", id: "s2", data: "replaced by a transient chunk? no", transient: true },
    { type: "data-kept", id: "k", data: 1, transient: false },
    { type: "data-progress", data: { pct: 100 } },
    { type: "data-status", id: "s1", data: { state: "done" } },
    finish,
  ],
  "message metadata merges": [
    { type: "start", messageId: ID, messageMetadata: { model: "m", usage: { input: 1 }, tags: ["a"] } },
    { type: "message-metadata", messageMetadata: { usage: { output: 2 }, tags: ["b"], extra: null } },
    ...step(text("t", "hi")),
    { type: "finish", finishReason: "length", messageMetadata: { usage: { output: 5 }, done: true } },
  ],
  "sources, files and custom parts": [
    start,
    ...step(
      [
        { type: "source-url", sourceId: "s", url: "https://example.com", title: "Ex" },
        { type: "source-document", sourceId: "d", mediaType: "text/plain", title: "Doc" },
      ],
      [
        { type: "file", url: "data:text/plain,hi", mediaType: "text/plain" },
        { type: "custom", kind: "anthropic.thing" },
      ],
      [
        { type: "text-start", id: "t" },
        { type: "text-end", id: "t", citations: [{ source: { type: "source", sourceType: "url", id: "s", url: "https://example.com" } }] },
      ],
    ),
    finish,
  ],
  "error and abort chunks leave the message alone": [
    start,
    ...step(text("t", "partial")),
    { type: "error", errorText: "boom" },
    { type: "abort", reason: "user" },
    finish,
  ],
  "reset-step drops the current step's parts": [
    start,
    ...step(text("t", "kept")),
    { type: "start-step" },
    ...text("u", "dropped"),
    ...call("x", "read", { p: 1 }),
    { type: "reset-step" },
    ...text("v", "retry"),
    { type: "finish-step" },
    finish,
  ],
  "a start with another message id begins a new message": [
    start,
    ...step(text("t", "old")),
    { type: "start", messageId: "msg-2" },
    ...step(text("t", "new")),
    finish,
  ],
  "tool approvals: requested, answered, then run, denied or left waiting": [
    start,
    ...step(call("a", "fetch", { url: "x" }), call("b", "fetch", { url: "y" }), call("c", "fetch", { url: "z" }), [
      { type: "tool-approval-request", approvalId: "ap-a", toolCallId: "a" },
      { type: "tool-approval-request", approvalId: "ap-b", toolCallId: "b", reason: "costly", isAutomatic: true },
      { type: "tool-approval-request", approvalId: "ap-c", toolCallId: "c", signature: "sig", approvalDescriptor: { d: 1 } },
    ]),
    { type: "finish", finishReason: "tool-calls" },
    { type: "start", messageId: ID },
    { type: "tool-approval-response", approvalId: "ap-a", approved: true },
    { type: "tool-approval-response", approvalId: "ap-b", approved: false, reason: "no" },
    output("a", { ok: 1 }),
    { type: "tool-output-denied", toolCallId: "b" },
    ...step(text("t", "done")),
    finish,
  ],
  "tool-input-delta after tool-input-available reverts to streaming (as the SDK does)": [
    start,
    ...step(call("a", "read", { p: 1 }), [{ type: "tool-input-delta", toolCallId: "a", inputTextDelta: "x" }]),
  ],
};

describe("MessageAssembler matches readUIMessageStream", () => {
  for (const [name, chunks] of Object.entries(sequences)) {
    it(name, async () => {
      const full = await sdkAssemble(chunks);
      expectOnlyErrorChunks(full.errors, chunks);
      expect(assemble(chunks).message).toStrictEqual(full.message);

      // Every intermediate state too, from one assembler: snapshots must not disturb it.
      const assembler = new MessageAssembler({ messageId: ID });
      for (let i = 0; i < chunks.length; i++) {
        assembler.apply(structuredClone(chunks[i]!));
        const sdk = await sdkAssemble(chunks.slice(0, i + 1), { flushId: assembler.messageId });
        expect(assembler.message, `after chunk ${i} (${chunks[i]!.type})`).toStrictEqual(sdk.message);
      }
    });
  }

  it("partial tool input JSON: every prefix parses as the SDK parses it", async () => {
    const inputs = [
      '{"city":"Paris","days":[1,2.5,-3e2,true,false,null],"nested":{"s":"a\\"b\\\\c\\u00e9\\n"},"empty":{},"list":[]}',
      '  { "spaced" : [ { "k" : "v" } , 12 ] , "t" : tru',
      '{"__proto__":{"x":1},"a":2}',
      '{"constructor":{"prototype":{}},"b":1}',
      '[1, [2, [3]], "x", {}]',
    ];
    for (const json of inputs) {
      for (let n = 1; n <= json.length; n++) {
        const chunks: Chunk[] = [
          start,
          { type: "start-step" },
          { type: "tool-input-start", toolCallId: "c", toolName: "t" },
          { type: "tool-input-delta", toolCallId: "c", inputTextDelta: json.slice(0, n) },
        ];
        const sdk = await sdkAssemble(chunks);
        // Inputs compared as JSON text: a parsed own `constructor` key defeats toStrictEqual's type check.
        const [mine, theirs] = [assemble(chunks).message, sdk.message].map((m) => withJsonInputs(m!));
        expect(mine, json.slice(0, n)).toStrictEqual(theirs);
      }
    }
  });

  it("continues a stored message like readUIMessageStream({ message })", async () => {
    const before: Chunk[] = [
      start,
      ...step(text("t", "a")),
      { type: "start-step" },
      { type: "tool-input-start", toolCallId: "c", toolName: "write" },
      { type: "tool-input-delta", toolCallId: "c", inputTextDelta: '{"path":"a' },
    ];
    const stored = JSON.parse(JSON.stringify(assemble(before).message)) as UIMessage;
    const after: Chunk[] = [
      { type: "tool-input-delta", toolCallId: "c", inputTextDelta: '.txt"}' },
      { type: "tool-input-available", toolCallId: "c", toolName: "write", input: { path: "a.txt" } },
      output("c", "ok"),
      { type: "finish-step" },
      ...step(text("t2", "done")),
      finish,
    ];
    const sdk = await sdkAssemble(after, { message: stored, flushId: ID });
    expectOnlyErrorChunks(sdk.errors, after);
    const resumed = assemble(after, new MessageAssembler({ message: stored }));
    expect(resumed.message).toStrictEqual(sdk.message);
    expect(resumed.started).toBe(true);
  });

  it("rejects what the SDK rejects, and the harness sees the SDK's rejection", async () => {
    const bad: Chunk[][] = [
      [start, { type: "text-delta", id: "nope", delta: "x" }],
      [start, { type: "reasoning-end", id: "nope" }],
      [start, { type: "tool-input-delta", toolCallId: "nope", inputTextDelta: "{" }],
      [start, { type: "tool-output-available", toolCallId: "nope", output: 1 }],
      [start, ...text("t", "closed"), { type: "text-delta", id: "t", delta: "late" }],
    ];
    for (const chunks of bad) {
      const sdk = await sdkAssemble(chunks);
      expect(sdk.errors.map((e) => UIMessageStreamError.isInstance(e))).toEqual([true]);
      expect(() => assemble(chunks)).toThrow(/MessageAssembler: .*(nope|"t")/);
    }
  });

  it("tracks what the turn lifecycle needs", () => {
    const a = assemble([
      start,
      { type: "start-step" },
      { type: "reasoning-start", id: "r" },
      { type: "text-start", id: "t" },
      ...call("a", "read", { p: 1 }),
      { type: "tool-input-start", toolCallId: "b", toolName: "mcp", dynamic: true },
    ]);
    expect([a.started, a.finished, a.stepOpen]).toEqual([true, false, true]);
    expect([a.openTextIds(), a.openReasoningIds()]).toEqual([["t"], ["r"]]);
    expect(a.pendingToolCalls()).toEqual([
      { toolCallId: "a", toolName: "read", state: "input-available", dynamic: false },
      { toolCallId: "b", toolName: "mcp", state: "input-streaming", dynamic: true },
    ]);
    a.apply({ type: "finish", finishReason: "length" });
    expect([a.finished, a.finishReason]).toEqual([true, "length"]);
  });
});

const ERROR = "Upstream failed";
/** The AI SDK's name for the deprecated `rawInput` on a tool part that ended in output-error. */
const RAW_INPUT_DEPRECATION = "rawInput in output-error UI message parts";

type SdkWarning = Parameters<Extract<typeof globalThis.AI_SDK_LOG_WARNINGS, (...args: never[]) => unknown>>[0]["warnings"][number];

/**
 * Checks that validateUIMessages accepts `message`, and returns what it warned about: taken off the
 * process's warnings (where the SDK prints them once per process) for the test to check.
 */
async function validationWarnings(message: unknown): Promise<SdkWarning[]> {
  const warnings: SdkWarning[] = [];
  const previous = globalThis.AI_SDK_LOG_WARNINGS;
  globalThis.AI_SDK_LOG_WARNINGS = ((options: { warnings: SdkWarning[] }) => {
    warnings.push(...options.warnings);
  }) as typeof globalThis.AI_SDK_LOG_WARNINGS;
  try {
    await expect(validateUIMessages({ messages: [message] })).resolves.toHaveLength(1);
  } finally {
    globalThis.AI_SDK_LOG_WARNINGS = previous;
  }
  return warnings;
}
const cuts: Record<string, Chunk[]> = {
  "nothing open": [start],
  "mid-text": [start, { type: "start-step" }, { type: "text-start", id: "t" }, { type: "text-delta", id: "t", delta: "Hel" }],
  "mid-reasoning": [
    start,
    { type: "start-step" },
    { type: "reasoning-start", id: "r" },
    { type: "reasoning-delta", id: "r", delta: "thinking" },
  ],
  "tool input started, no delta yet": [start, { type: "start-step" }, { type: "tool-input-start", toolCallId: "a", toolName: "read" }],
  "mid-tool-input": [start, { type: "start-step" }, ...text("t", "Reading."), ...call("a", "read", { path: "notes.txt" }).slice(0, 3)],
  "mid-tool-input, dynamic tool": [
    start,
    { type: "start-step" },
    ...call("d", "mcp_fetch", { url: "https://x" }, { dynamic: true }).slice(0, 2),
  ],
  "after tool-input-available": [start, { type: "start-step" }, ...call("a", "read", { path: "notes.txt" })],
  "one of three parallel tools finished": [
    start,
    { type: "start-step" },
    ...call("a", "read", { p: 1 }),
    ...call("b", "read", { p: 2 }),
    ...call("c", "read", { p: 3 }),
    output("b", "B"),
  ],
  "between steps, with a call left from step one": [
    start,
    ...step(call("a", "read", { p: 1 })),
    { type: "start-step" },
    ...text("t", "still"),
  ],
  "after an error chunk": [start, ...step(text("t", "x")), { type: "error", errorText: "earlier" }],
};

describe("closeOpenParts", () => {
  for (const [name, cut] of Object.entries(cuts)) {
    it(`ends a turn cut ${name}`, async () => {
      const assembler = assemble(cut);
      const pendingBefore = assembler.pendingToolCalls().map((c) => c.toolCallId);
      const closing = closeOpenParts(assembler, { errorText: ERROR });
      for (const chunk of closing) assembler.apply(chunk);

      const all = [...cut, ...closing];
      const sdk = await sdkAssemble(all, { flushId: ID });
      expectOnlyErrorChunks(sdk.errors, all);
      expect(assembler.message).toStrictEqual(sdk.message);
      expect(closing.slice(-2)).toEqual([
        { type: "error", errorText: ERROR },
        { type: "finish", finishReason: "error" },
      ]);

      // Exactly one outcome per tool call: the closing chunks add one only where the cut had none.
      const outcomes = (chunks: Chunk[]) =>
        chunks
          .filter((c) => c.type === "tool-output-available" || c.type === "tool-output-error")
          .map((c) => ("toolCallId" in c ? c.toolCallId : ""));
      expect(outcomes(closing)).toEqual(pendingBefore);
      const toolParts = assembler.message.parts.filter((p) => p.type.startsWith("tool-") || p.type === "dynamic-tool");
      for (const part of toolParts) expect(part).toMatchObject({ state: expect.stringMatching(/^output-(available|error)$/) });
      for (const id of pendingBefore)
        expect(toolParts.find((p) => "toolCallId" in p && p.toolCallId === id)).toMatchObject({
          errorText: `Tool call was interrupted: ${ERROR}`,
        });

      expect([assembler.openTextIds(), assembler.openReasoningIds(), assembler.stepOpen, assembler.pendingToolCalls()]).toEqual([
        [],
        [],
        false,
        [],
      ]);
      const stored = JSON.parse(JSON.stringify(assembler.message)) as unknown;
      // Like the SDK's own message (the parity check above), a static tool call cut mid-input keeps its
      // `rawInput`, which validateUIMessages flags as deprecated; it warns about nothing else.
      const warnings = await validationWarnings(stored);
      expect(warnings.filter((w) => !(w.type === "deprecated" && w.setting === RAW_INPUT_DEPRECATION))).toEqual([]);
      // Asked again: the turn has finished, nothing more to send, and no second outcome.
      expect(closeOpenParts(assembler, { errorText: ERROR })).toEqual([]);
    });
  }

  it("a normal end closes leftovers without an error chunk", () => {
    const assembler = assemble([start, { type: "start-step" }, { type: "text-start", id: "t" }]);
    expect(closeOpenParts(assembler, { errorText: "", finishReason: "stop", withoutError: true })).toEqual([
      { type: "text-end", id: "t" },
      { type: "finish-step" },
      { type: "finish", finishReason: "stop" },
    ]);
  });

  it("a cancelled turn keeps its finishReason, and a turn that never started gets its start", () => {
    expect(closeOpenParts(assemble([start]), { errorText: "Turn was cancelled", finishReason: "other" }).at(-1)).toEqual({
      type: "finish",
      finishReason: "other",
    });
    expect(closeOpenParts(new MessageAssembler({ messageId: "m9" }), { errorText: "crash" })).toEqual([
      { type: "start", messageId: "m9" },
      { type: "error", errorText: "crash" },
      { type: "finish", finishReason: "error" },
    ]);
  });
});

describe("finalizeInterruptedToolParts", () => {
  it("shows tool calls without an outcome as interrupted, and leaves the rest alone", async () => {
    const chunks = [
      start,
      { type: "start-step" },
      ...call("done", "read", { p: 0 }),
      output("done", "ok"),
      ...call("avail", "read", { p: 1 }),
      ...call("stream", "write", { path: "a.txt" }).slice(0, 3),
    ] satisfies Chunk[];
    const stored = JSON.parse(JSON.stringify(assemble(chunks).message)) as UIMessage;
    const frozen = structuredClone(stored);
    const served = finalizeInterruptedToolParts(stored);

    expect(stored).toEqual(frozen);
    expect(served.parts.slice(0, 2)).toEqual(stored.parts.slice(0, 2));
    expect(served.parts[2]).toEqual({
      type: "tool-read",
      toolCallId: "avail",
      state: "output-error",
      input: { p: 1 },
      errorText: "Tool call was interrupted",
    });
    expect(served.parts[3]).toMatchObject({
      type: "tool-write",
      toolCallId: "stream",
      state: "output-error",
      errorText: "Tool call was interrupted",
      input: { path: "a" },
    });
    expect(served.parts[3]).not.toHaveProperty("rawInput");
    expect(await validationWarnings(served)).toEqual([]);
  });
});
