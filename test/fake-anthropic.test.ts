import Anthropic, {
  AnthropicError,
  APIError,
  APIUserAbortError,
  AuthenticationError,
  BadRequestError,
  InternalServerError,
  OverloadedError,
  RateLimitError,
} from "@anthropic-ai/sdk";
import type {
  Message,
  MessageParam,
  RawMessageStreamEvent,
  TextBlock,
  Tool,
  ToolUseBlock,
} from "@anthropic-ai/sdk/resources/messages/messages";
import { describe, expect, it } from "vitest";

/**
 * The fake upstream (fake-anthropic/fake-anthropic.js) is checked through the real Anthropic SDK:
 * whatever the SDK parses from it is what the agent loop will see. The vitest config routes every
 * outbound fetch of this test to the fake.
 */

const BASE_URL = "http://anthropic.fake";
/** Not claude-sonnet-4-5: SDK 1.12.0 prints a deprecation warning on every call with that one. */
const MODEL = "claude-sonnet-4-6";
const TOOLS: Tool[] = [
  { name: "calc", description: "evaluates arithmetic", input_schema: { type: "object", properties: { expression: { type: "string" } } } },
  { name: "clock", description: "tells the time", input_schema: { type: "object", properties: {} } },
  { name: "wait", description: "waits", input_schema: { type: "object", properties: { seconds: { type: "number" } } } },
];

function client(options: ConstructorParameters<typeof Anthropic>[0] = {}): Anthropic {
  return new Anthropic({ apiKey: "k", baseURL: BASE_URL, maxRetries: 0, ...options });
}

/** A key no other test (or test file: the fake's module state is shared) uses. */
function uniqueKey(prefix: string): string {
  return `${prefix}-${crypto.randomUUID().slice(0, 8)}`;
}

/** Request params for a non-streaming call; streaming calls spread these with `stream: true`. */
function request(
  messages: string | MessageParam[],
  extra: Partial<Anthropic.MessageCreateParamsNonStreaming> = {},
): Anthropic.MessageCreateParamsNonStreaming {
  const base = {
    model: MODEL,
    max_tokens: 1024,
    messages: typeof messages === "string" ? [{ role: "user" as const, content: messages }] : messages,
  };
  return { ...base, ...extra };
}

/** The same request, streaming: picks create()'s streaming overload. */
function streaming(
  messages: string | MessageParam[],
  extra: Partial<Anthropic.MessageCreateParamsNonStreaming> = {},
): Anthropic.MessageCreateParamsStreaming {
  return { ...request(messages, extra), stream: true };
}

async function streamed(messages: string | MessageParam[], extra: Partial<Anthropic.MessageCreateParamsNonStreaming> = {}) {
  const stream = client().messages.stream(request(messages, { tools: TOOLS, ...extra }));
  const events: RawMessageStreamEvent[] = [];
  stream.on("streamEvent", (event) => events.push(event));
  const message = await stream.finalMessage();
  return { message, events };
}

/** The next request of a tool turn: the assistant's message, then one tool_result per tool_use. */
function withResults(history: MessageParam[], answer: Message, results: (block: ToolUseBlock) => string): MessageParam[] {
  const uses = answer.content.filter((block): block is ToolUseBlock => block.type === "tool_use");
  return [
    ...history,
    { role: "assistant", content: answer.content },
    { role: "user", content: uses.map((use) => ({ type: "tool_result" as const, tool_use_id: use.id, content: results(use) })) },
  ];
}

const texts = (message: Message) => message.content.filter((block): block is TextBlock => block.type === "text").map((block) => block.text);
const deltaTypes = (events: RawMessageStreamEvent[]) =>
  events.flatMap((event) => (event.type === "content_block_delta" ? [event.delta.type] : []));

describe("fake Anthropic: the wire format itself", () => {
  it("frames every event as `event:` + one-line `data:`, in Anthropic's order, as text/event-stream", async () => {
    const res = await fetch(`${BASE_URL}/v1/messages`, {
      method: "POST",
      headers: { "x-api-key": "k", "content-type": "application/json" },
      body: JSON.stringify(streaming("Wire check fake:text tokens=3")),
    });
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toMatch(/^text\/event-stream/);
    expect(res.headers.get("request-id")).toMatch(/^req_/);
    const body = await res.text();
    expect(body.endsWith("\n\n")).toBe(true);
    const frames = body
      .slice(0, -2)
      .split("\n\n")
      .map((frame) => frame.split("\n"));
    for (const lines of frames) {
      expect(lines).toHaveLength(2);
      expect(lines[0]).toMatch(/^event: [a-z_]+$/);
      expect(lines[1]).toMatch(/^data: \{.*\}$/);
      expect(JSON.parse(lines[1]!.slice(6)).type).toBe(lines[0]!.slice(7));
    }
    expect(frames.map((lines) => lines[0]!.slice(7))).toEqual([
      "message_start",
      "ping",
      "content_block_start",
      "content_block_delta",
      "content_block_delta",
      "content_block_delta",
      "content_block_stop",
      "message_delta",
      "message_stop",
    ]);
  });
});

describe("fake Anthropic: streamed scenarios as the SDK parses them", () => {
  it("text: one text_delta per token, a deterministic echo of the prompt, end_turn and usage", async () => {
    const stream = client().messages.stream(request("Hello there fake:text tokens=5"));
    const deltas: string[] = [];
    stream.on("text", (delta) => deltas.push(delta));
    const message = await stream.finalMessage();
    expect(message.id).toMatch(/^msg_/);
    expect(message.model).toBe(MODEL);
    expect(message.role).toBe("assistant");
    expect(message.content).toEqual([{ type: "text", text: "Echo: Hello there. word2 word3 word4 word5" }]);
    expect(deltas).toEqual(["Echo: Hello there.", " word2", " word3", " word4", " word5"]);
    expect(message.stop_reason).toBe("end_turn");
    expect(message.stop_sequence).toBeNull();
    expect(message.usage.output_tokens).toBe(5);
    expect(message.usage.input_tokens).toBeGreaterThan(0);
    expect(message.usage.cache_creation_input_tokens).toBe(0);
    expect(message.usage.cache_read_input_tokens).toBe(0);
  });

  it("text is the default without a directive: 40 words", async () => {
    const { message } = await streamed("Just chatting");
    expect(texts(message)).toHaveLength(1);
    expect(texts(message)[0]).toMatch(/^Echo: Just chatting\. word2 .* word40$/);
    expect(message.usage.output_tokens).toBe(40);
  });

  it("text: a long answer streams lazily and counts every delta", async () => {
    const { message, events } = await streamed("Long fake:text tokens=3000");
    expect(message.usage.output_tokens).toBe(3000);
    expect(texts(message)[0]!.endsWith(" word3000")).toBe(true);
    expect(deltaTypes(events)).toHaveLength(3000);
  });

  it("thinking: a signed thinking block, then text", async () => {
    const { message, events } = await streamed("Ponder this fake:thinking thinking=3 tokens=2");
    expect(message.content.map((block) => block.type)).toEqual(["thinking", "text"]);
    const [thinking] = message.content;
    if (thinking?.type !== "thinking") throw new Error("expected a thinking block");
    expect(thinking.thinking).toBe("Considering: Ponder this. thought2 thought3");
    expect(thinking.signature.length).toBeGreaterThan(10);
    expect(texts(message)).toEqual(["Echo: Ponder this. word2"]);
    expect(deltaTypes(events)).toEqual([
      "thinking_delta",
      "thinking_delta",
      "thinking_delta",
      "signature_delta",
      "text_delta",
      "text_delta",
    ]);
    expect(message.usage.output_tokens).toBe(6);
    expect(message.stop_reason).toBe("end_turn");
  });

  it("thinking with tool=: thinking, then the tool call; later a thinking block and the answer", async () => {
    const prompt: MessageParam[] = [{ role: "user", content: "fake:thinking tool=clock" }];
    const first = await streamed(prompt);
    expect(first.message.content.map((block) => block.type)).toEqual(["thinking", "text", "tool_use"]);
    expect(first.message.stop_reason).toBe("tool_use");
    const second = await streamed(withResults(prompt, first.message, () => "noon"));
    expect(second.message.content.map((block) => block.type)).toEqual(["thinking", "text"]);
    expect(texts(second.message)).toEqual(["Tool clock returned: noon"]);
  });

  it("tool: step 0 is a short text and one tool_use whose input arrives in several pieces; step 1 quotes the result", async () => {
    const prompt: MessageParam[] = [{ role: "user", content: 'Compute fake:tool tool=calc args={"expression":"6*7"}' }];
    const first = await streamed(prompt);
    expect(first.message.content.map((block) => block.type)).toEqual(["text", "tool_use"]);
    expect(texts(first.message)).toEqual(["I will call calc."]);
    const use = first.message.content[1] as ToolUseBlock;
    expect(use.id).toMatch(/^toolu_/);
    expect(use.name).toBe("calc");
    expect(use.input).toEqual({ expression: "6*7" });
    expect(deltaTypes(first.events).filter((type) => type === "input_json_delta").length).toBeGreaterThan(2);
    expect(first.message.stop_reason).toBe("tool_use");

    const second = await streamed(withResults(prompt, first.message, () => "42"));
    expect(texts(second.message)).toEqual(["Tool calc returned: 42"]);
    expect(second.message.stop_reason).toBe("end_turn");
  });

  it("tool: without tool= it calls the request's first tool with {}; calls=2 calls it on two steps", async () => {
    const prompt: MessageParam[] = [{ role: "user", content: "Twice fake:tool calls=2" }];
    const first = await streamed(prompt);
    const use = first.message.content.find((block): block is ToolUseBlock => block.type === "tool_use");
    expect(use).toMatchObject({ name: "calc", input: {} });
    const history = withResults(prompt, first.message, () => "one");
    const second = await streamed(history);
    expect(second.message.stop_reason).toBe("tool_use");
    const third = await streamed(withResults(history, second.message, () => "two"));
    expect(third.message.stop_reason).toBe("end_turn");
    expect(texts(third.message)).toEqual(["Tool calc returned: two"]);
  });

  it("tools-parallel: three tool_use blocks in one message, then a summary of all three results", async () => {
    const prompt: MessageParam[] = [
      {
        role: "user",
        content: 'All at once fake:tools-parallel tools=calc,clock,calc args1={"expression":"1+1"} args3={"expression":"2*3"}',
      },
    ];
    const first = await streamed(prompt);
    const uses = first.message.content.filter((block): block is ToolUseBlock => block.type === "tool_use");
    expect(uses.map((use) => [use.name, use.input])).toEqual([
      ["calc", { expression: "1+1" }],
      ["clock", {}],
      ["calc", { expression: "2*3" }],
    ]);
    expect(new Set(uses.map((use) => use.id)).size).toBe(3);
    expect(first.message.stop_reason).toBe("tool_use");

    const second = await streamed(withResults(prompt, first.message, (use) => `result of ${use.id}`));
    expect(texts(second.message)).toEqual([uses.map((use) => `Tool ${use.name} returned: result of ${use.id}`).join("\n")]);
  });

  it("slow-tool: defaults to wait with {seconds: 1}", async () => {
    const { message } = await streamed("fake:slow-tool");
    expect(message.content.at(-1)).toMatchObject({ type: "tool_use", name: "wait", input: { seconds: 1 } });
    expect(message.stop_reason).toBe("tool_use");
  });

  it("a later prompt without a directive is a plain text turn, even after a failing one", async () => {
    const { message } = await streamed([
      { role: "user", content: "fake:overloaded" },
      { role: "assistant", content: "partial" },
      { role: "user", content: "hello again" },
    ]);
    expect(texts(message)[0]).toMatch(/^Echo: hello again\./);
  });
});

describe("fake Anthropic: failures the SDK must surface", () => {
  it("rate-limit-then-ok: 429 with retry headers, then the same request succeeds", async () => {
    const prompt = `fake:rate-limit-then-ok key=${uniqueKey("rl")} tokens=2`;
    const error = await client()
      .messages.stream(request(prompt))
      .finalMessage()
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(RateLimitError);
    expect((error as RateLimitError).status).toBe(429);
    expect((error as RateLimitError).type).toBe("rate_limit_error");
    expect((error as RateLimitError).headers.get("retry-after")).toBe("0");
    expect((error as RateLimitError).requestID).toMatch(/^req_/);
    const message = await client().messages.stream(request(prompt)).finalMessage();
    expect(message.usage.output_tokens).toBe(2);
  });

  it("rate-limit-then-ok: the SDK's own retries get through (maxRetries: 2, times=2)", async () => {
    let attempts = 0;
    const counting = client({
      maxRetries: 2,
      fetch: (input, init) => {
        attempts += 1;
        return fetch(input, init);
      },
    });
    const message = await counting.messages
      .stream(request(`fake:rate-limit-then-ok key=${uniqueKey("rl")} times=2 tokens=3`))
      .finalMessage();
    expect(attempts).toBe(3);
    expect(message.usage.output_tokens).toBe(3);
  });

  it("overloaded: 529 OverloadedError every time", async () => {
    for (let i = 0; i < 2; i++) {
      const error = await client()
        .messages.stream(request("fake:overloaded"))
        .finalMessage()
        .catch((e: unknown) => e);
      expect(error).toBeInstanceOf(OverloadedError);
      expect(error).toMatchObject({ status: 529, type: "overloaded_error" });
    }
  });

  it("server-error: 500 InternalServerError", async () => {
    const error = await client()
      .messages.create(streaming("fake:server-error"))
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(InternalServerError);
    expect(error).toMatchObject({ status: 500, type: "api_error" });
  });

  it("auth-error, a bad key and a missing key: 401 authentication_error", async () => {
    const scenario = await client()
      .messages.stream(request("fake:auth-error"))
      .finalMessage()
      .catch((e: unknown) => e);
    expect(scenario).toBeInstanceOf(AuthenticationError);
    expect(scenario).toMatchObject({ status: 401, type: "authentication_error" });
    const badKey = await client({ apiKey: "bad-key" })
      .messages.stream(request("hi"))
      .finalMessage()
      .catch((e: unknown) => e);
    expect(badKey).toBeInstanceOf(AuthenticationError);

    const missing = await fetch(`${BASE_URL}/v1/messages`, { method: "POST", body: JSON.stringify(streaming("hi")) });
    expect(missing.status).toBe(401);
    expect(missing.headers.get("request-id")).toMatch(/^req_/);
    expect(await missing.json()).toEqual({
      type: "error",
      error: { type: "authentication_error", message: "x-api-key header is required" },
    });
    const viaHeader = await fetch(`${BASE_URL}/v1/messages/count_tokens`, {
      method: "POST",
      headers: { "x-api-key": "k" },
      body: JSON.stringify(request("hi")),
    });
    expect(viaHeader.status).toBe(200);
  });

  it("an unknown path is 404 not_found_error; an unknown scenario is a loud 400", async () => {
    const res = await fetch(`${BASE_URL}/v1/nothing`, { method: "POST", headers: { "x-api-key": "k" } });
    expect(res.status).toBe(404);
    expect(await res.json()).toMatchObject({ type: "error", error: { type: "not_found_error" } });
    const error = await client()
      .messages.stream(request("fake:no-such-thing"))
      .finalMessage()
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(BadRequestError);
    // The SDK's `message` is the status plus the whole JSON body; `apiMessage` is error.message.
    expect((error as BadRequestError).apiMessage).toMatch(/^fake-anthropic: unknown scenario "no-such-thing"/);
  });

  it("context limit: 400 prompt is too long", async () => {
    const error = await client()
      .messages.stream(request("A prompt of some length fake:text max_context=10"))
      .finalMessage()
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(BadRequestError);
    expect((error as BadRequestError).type).toBe("invalid_request_error");
    expect((error as BadRequestError).apiMessage).toMatch(/^prompt is too long: \d+ tokens > 10 maximum$/);
  });

  it("api-error: the status, type and (percent-encoded) message asked for; a mistaken one is a loud 400", async () => {
    const error = await client()
      .messages.stream(request("fake:api-error message=Invalid%20context_management%20parameter"))
      .finalMessage()
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(BadRequestError);
    expect(error).toMatchObject({ status: 400, type: "invalid_request_error", apiMessage: "Invalid context_management parameter" });
    const server = await client()
      .messages.create(streaming("fake:api-error status=500 type=api_error message=boom"))
      .catch((e: unknown) => e);
    expect(server).toBeInstanceOf(InternalServerError);
    expect(server).toMatchObject({ status: 500, type: "api_error", apiMessage: "boom" });
    for (const directive of ["fake:api-error status=200", "fake:api-error status=600", "fake:api-error message=%E0%A4%A"]) {
      const mistaken = await client()
        .messages.create(streaming(directive))
        .catch((e: unknown) => e);
      expect(mistaken).toBeInstanceOf(BadRequestError);
      expect((mistaken as BadRequestError).apiMessage).toMatch(/^fake-anthropic: (status|message)=/);
    }
  });

  it("cut-after-tool: the SDK sees the whole tool_use block, then finalMessage() rejects (no message_stop)", async () => {
    const stream = client().messages.stream(request('fake:cut-after-tool tool=calc args={"expression":"1"}', { tools: TOOLS }));
    const blocks: unknown[] = [];
    stream.on("contentBlock", (block) => blocks.push(block));
    // SDK 1.12.0: a body that ends without message_stop is no error to the stream itself (the
    // 'end' event fires, done() resolves); only finalMessage()/finalText() reject, because no
    // Message was ever completed.
    const error = await stream.finalMessage().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(AnthropicError);
    expect((error as Error).message).toBe("stream ended without producing a Message with role=assistant");
    expect(stream.errored).toBe(false);
    await expect(stream.done()).resolves.toBeUndefined();
    expect(blocks).toEqual([expect.objectContaining({ type: "tool_use", name: "calc", input: { expression: "1" } })]);
  });

  it("cut-after-tool: iterating create({ stream: true }) simply ends, without message_delta or an error", async () => {
    const raw = await client().messages.create(streaming("fake:cut-after-tool", { tools: TOOLS }));
    const types: string[] = [];
    for await (const event of raw) types.push(event.type);
    expect(types[0]).toBe("message_start");
    expect(types.at(-1)).toBe("content_block_stop");
    expect(types).not.toContain("message_delta");
    expect(types).not.toContain("message_stop");
  });

  it("malformed: a data line that is not JSON makes the stream fail with the SyntaxError as cause", async () => {
    const stream = client({ logLevel: "off" }).messages.stream(request("fake:malformed"));
    const deltas: string[] = [];
    stream.on("text", (delta) => deltas.push(delta));
    const error = await stream.finalMessage().catch((e: unknown) => e);
    // SDK 1.12.0 wraps the JSON.parse SyntaxError into a plain AnthropicError (not an APIError).
    expect(error).toBeInstanceOf(AnthropicError);
    expect(error).not.toBeInstanceOf(APIError);
    expect((error as Error).cause).toBeInstanceOf(SyntaxError);
    expect(deltas).toHaveLength(3);
    expect(stream.errored).toBe(true);
  });

  it("error-mid-text: an `event: error` after some text throws an APIError typed overloaded_error, without status", async () => {
    const stream = client().messages.stream(request("fake:error-mid-text tokens=2"));
    const deltas: string[] = [];
    stream.on("text", (delta) => deltas.push(delta));
    const error = await stream.finalMessage().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(APIError);
    // The HTTP status was 200, so the SDK cannot pick OverloadedError: status stays undefined.
    expect(error).not.toBeInstanceOf(OverloadedError);
    expect(error).toMatchObject({ status: undefined, type: "overloaded_error", apiMessage: "Overloaded" });
    expect(deltas).toEqual(["Echo: (no text).", " word2"]);
  });

  it("stall: aborting after the first delta ends the SDK stream and cancels the upstream body", async () => {
    const key = uniqueKey("stall");
    const controller = new AbortController();
    const stream = client().messages.stream(request(`fake:stall key=${key}`), { signal: controller.signal });
    const deltas: string[] = [];
    stream.on("text", (delta) => {
      deltas.push(delta);
      controller.abort();
    });
    const error = await stream.finalMessage().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(APIUserAbortError);
    expect(stream.aborted).toBe(true);
    // SDK 1.12.0 still emits the events already received in the same body chunk after abort(), so
    // any of the 3 deltas sent before the stall may arrive; a consumer must ignore them itself.
    expect(deltas.length).toBeGreaterThanOrEqual(1);
    expect(deltas).toEqual(["Echo: (no text).", " word2", " word3"].slice(0, deltas.length));
    // The cancel travels to the fake asynchronously: poll its record of this stream (no timing assumed).
    let state = "open";
    while (state === "open") {
      await new Promise((resolve) => setTimeout(resolve, 10));
      const res = await fetch(`${BASE_URL}/_fake/streams/${key}`);
      state = ((await res.json()) as { state: string }).state;
    }
    expect(state).toBe("cancelled");
  });
});

describe("fake Anthropic: non-streaming calls", () => {
  it("answers a JSON Message whose text is a 3-6 word title from the first user message", async () => {
    const message = await client().messages.create(request("Plan a garden party for twenty people please fake:text tokens=9"));
    expect(message.content).toEqual([{ type: "text", text: "Plan a garden party for twenty" }]);
    expect(message.stop_reason).toBe("end_turn");
    expect(message.id).toMatch(/^msg_/);
    expect(message.usage.output_tokens).toBe(6);
    const short = await client().messages.create(request("Hi"));
    expect(texts(short)).toEqual(["Chat about Hi"]);
  });

  it("title=fail answers 500 api_error", async () => {
    const error = await client()
      .messages.create(request("Name me fake:text title=fail"))
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(InternalServerError);
    expect(error).toMatchObject({ status: 500, type: "api_error" });
  });

  it("count_tokens estimates ceil(chars / 4) over system, messages and tools", async () => {
    const messages: MessageParam[] = [{ role: "user", content: "How many tokens is this?" }];
    const { input_tokens } = await client().messages.countTokens({ model: MODEL, system: "Be brief.", messages, tools: TOOLS });
    expect(input_tokens).toBe(Math.ceil(("Be brief.".length + JSON.stringify(messages).length + JSON.stringify(TOOLS).length) / 4));
  });

  it("prompt caching: the first sight of a marked prefix writes it, the same prefix later reads it", async () => {
    const system = [
      {
        type: "text" as const,
        text: `Stable instructions ${uniqueKey("cache")} `.repeat(20),
        cache_control: { type: "ephemeral" as const },
      },
    ];
    const first = await client().messages.stream(request("one fake:text tokens=1", { system })).finalMessage();
    expect(first.usage.cache_creation_input_tokens).toBeGreaterThan(0);
    expect(first.usage.cache_read_input_tokens).toBe(0);
    const second = await client().messages.stream(request("two fake:text tokens=1", { system })).finalMessage();
    expect(second.usage.cache_read_input_tokens).toBe(first.usage.cache_creation_input_tokens);
    expect(second.usage.cache_creation_input_tokens).toBe(0);
    // input_tokens counts only the uncached rest, as in the real API.
    const total = (u: Message["usage"]) => u.input_tokens + (u.cache_creation_input_tokens ?? 0) + (u.cache_read_input_tokens ?? 0);
    expect(total(second.usage)).toBe(total(first.usage));
    expect(second.usage.input_tokens).toBeLessThan(total(second.usage));
  });

  it("prompt caching: when the marker moves to the newest message, the earlier prefix is read and only the rest written", async () => {
    const ephemeral = { type: "ephemeral" as const };
    const firstPrompt = `First question ${uniqueKey("cache")} fake:text tokens=1`;
    const first = await client()
      .messages.stream(request([{ role: "user", content: [{ type: "text", text: firstPrompt, cache_control: ephemeral }] }]))
      .finalMessage();
    expect(first.usage.cache_creation_input_tokens).toBeGreaterThan(0);
    const second = await client()
      .messages.stream(
        request([
          { role: "user", content: [{ type: "text", text: firstPrompt }] },
          { role: "assistant", content: first.content },
          { role: "user", content: [{ type: "text", text: "Second question fake:text tokens=1", cache_control: ephemeral }] },
        ]),
      )
      .finalMessage();
    expect(second.usage.cache_read_input_tokens).toBe(first.usage.cache_creation_input_tokens);
    expect(second.usage.cache_creation_input_tokens).toBeGreaterThan(0);
  });
});
