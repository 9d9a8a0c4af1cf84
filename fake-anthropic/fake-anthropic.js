// @ts-check
/**
 * A fake Anthropic Messages API that speaks the real wire format. It stands in for
 * api.anthropic.com in workerd tests (an auxiliary worker that every outbound fetch is routed to),
 * in local dev without an API key, and in benchmarks (served from Node by serve.mjs).
 *
 *   POST /v1/messages               stream: true -> SSE chosen by the prompt's `fake:` directive
 *                                   stream: false -> a JSON Message holding a short session title
 *   POST /v1/messages/count_tokens  { input_tokens }
 *   GET  /_fake/streams/<key>       { key, state: 'open' | 'done' | 'cancelled' } of the last stream
 *                                   whose directive had `key=<key>` (not an Anthropic endpoint: it lets
 *                                   tests check that a client's abort reached the upstream)
 *   GET  /_fake/page?chars=N        a text/plain page of N characters, streamed (not an Anthropic
 *                                   endpoint: in tests every outbound fetch lands here, so this is
 *                                   the web page fetch_url reads when a test needs a large one)
 *
 * The scenario comes from the prompt: the most recent user message with text may carry
 * `fake:<scenario>` followed by space-separated `key=value` params (values without spaces, JSON
 * allowed), e.g. `fake:tool tool=calc args={"expression":"6*7"}`. See SCENARIOS below.
 *
 * One self-contained file on purpose: miniflare loads an auxiliary worker untranspiled, and with
 * `modules: true` + `scriptPath` it loads only that file (a relative import fails with "No such module").
 */
/**
 * @typedef {{ tokensPerSecond?: number | string }} FakeOptions
 * @typedef {{ role: string, content: unknown }} MessageParam
 * @typedef {{ model: string, messages: MessageParam[], tools?: { name: string }[], system?: unknown, stream?: boolean }} MessagesRequest
 * @typedef {{ scenario: string, params: Record<string, string>, source: string, promptText: string, step: number }} Turn
 * @typedef {{ type: 'text', pieces: Iterable<string> }
 *   | { type: 'thinking', pieces: Iterable<string>, signature: string }
 *   | { type: 'tool_use', id: string, name: string, input: unknown }} BlockPlan
 * @typedef {'complete' | 'cut' | 'malformed' | 'stall' | 'error'} Ending
 * @typedef {{ blocks: BlockPlan[], stopReason: string, ending: Ending }} Plan
 * @typedef {{ text: string, token: boolean }} Frame  `token`: a content_block_delta, paced by `rate`
 * @typedef {{ input_tokens: number, cache_creation_input_tokens: number, cache_read_input_tokens: number }} InputUsage
 */

/** Context window when the directive has no `max_context=`, in tokens. */
const DEFAULT_MAX_CONTEXT = 200_000;
/** ms a `stall` stream stays silent at most before it closes, so a client that never aborts cannot leak it forever. */
const STALL_MAX_MS = 10 * 60_000;
/** Streams with a `key=` whose outcome is remembered for /_fake/streams. */
const MAX_TRACKED_STREAMS = 1_000;
/**
 * SSE frames per body chunk at rate 0 (at rate > 0 every delta is its own paced chunk). In workerd
 * each chunk that crosses to the worker under test costs about 1.3 ms, so one frame per chunk made
 * a 3000-token answer take 4 s; the real API also packs several events into one read. Node's
 * chunks are cheap, so serve.mjs keeps one frame per chunk.
 */
const FRAMES_PER_CHUNK = globalThis.navigator?.userAgent === "Cloudflare-Workers" ? 16 : 1;
/** Prompt-cache prefixes remembered (by hash) for cache usage. */
const MAX_CACHED_PREFIXES = 10_000;

/** Words of a text answer when the directive has no `tokens=`. */
const DEFAULT_TEXT_TOKENS = 40;
/** thinking_delta pieces of a `thinking` answer when the directive has no `thinking=`. */
const DEFAULT_THINKING_TOKENS = 8;
/** Text deltas sent before the failure of `malformed`, `stall` and `error-mid-text` without `tokens=`. */
const DEFAULT_DELTAS_BEFORE_FAILURE = 3;
/** Words of the prompt a text answer quotes, so tests can see which prompt it answered. */
const QUOTED_WORDS = 8;
/** Words a generated session title has at most (and at least 3, padded). */
const MAX_TITLE_WORDS = 6;
/** A `ping` every this many deltas, as the real API interleaves them in long answers. */
const PING_EVERY_DELTAS = 100;
/** input_json_delta pieces a tool input is split into (after the real API's leading empty piece). */
const JSON_PIECES = 4;
/** Distinct `rate-limit-then-ok` keys remembered; the oldest is forgotten beyond this (module state must not grow without bound). */
const MAX_RATE_LIMIT_KEYS = 10_000;

/** @type {Map<string, 'open' | 'done' | 'cancelled'>} */
const streamStates = new Map();
/** @type {Map<string, true>} prefix hash -> seen, for cache_creation vs cache_read */
const cachedPrefixes = new Map();
/** @type {Map<string, number>} failures already answered per rate-limit key */
const rateLimitFailures = new Map();

/** The SSE body stops here and sends nothing until the client goes away. */
const STALL = Symbol("stall");

/** An HTTP error answer in Anthropic's shape: `{ type: 'error', error: { type, message } }`. */
class FakeApiError extends Error {
  /**
   * @param {number} status
   * @param {string} type Anthropic's error type, e.g. `rate_limit_error`
   * @param {string} message
   * @param {Record<string, string>} [headers]
   */
  constructor(status, type, message, headers = {}) {
    super(message);
    this.name = "FakeApiError";
    this.status = status;
    this.type = type;
    this.headers = headers;
  }
}

/** A mistake in the request or the directive: answered loudly as 400 so a test author sees it at once. @param {string} message */
function badRequest(message) {
  return new FakeApiError(400, "invalid_request_error", message);
}

// ---------------------------------------------------------------- HTTP

export default {
  /** @param {Request} request @param {{ FAKE_TOKENS_PER_SECOND?: string }} [env] */
  fetch(request, env) {
    return handleAnthropicRequest(request, { tokensPerSecond: env?.FAKE_TOKENS_PER_SECOND });
  },
};

/**
 * Answers one request as api.anthropic.com would. Never throws: failures become Anthropic error bodies.
 * @param {Request} request
 * @param {FakeOptions} [options]
 * @returns {Promise<Response>}
 */
export async function handleAnthropicRequest(request, options = {}) {
  const requestId = randomId("req_01");
  try {
    return await route(request, options, requestId);
  } catch (error) {
    if (error instanceof FakeApiError) return errorResponse(error, requestId);
    console.error("fake-anthropic: unexpected failure", error);
    return errorResponse(new FakeApiError(500, "api_error", "Internal server error"), requestId);
  }
}

/** @param {Request} request @param {FakeOptions} options @param {string} requestId */
async function route(request, options, requestId) {
  const { pathname } = new URL(request.url);
  // Read the whole body before any answer: workerd throws an uncaught "Can't read from request
  // stream after response has been sent" when a response (a 401, a 404) leaves it unread.
  const raw = request.body ? await request.text() : "";
  if (request.method === "GET" && pathname === "/_fake/page") return page(Number(new URL(request.url).searchParams.get("chars") ?? "1000"));
  if (request.method === "GET" && pathname.startsWith("/_fake/streams/")) {
    const key = decodeURIComponent(pathname.slice("/_fake/streams/".length));
    const state = streamStates.get(key);
    if (!state) throw new FakeApiError(404, "not_found_error", `fake-anthropic: no stream with key=${key}`);
    return json(200, { key, state }, requestId);
  }
  const isMessages = pathname === "/v1/messages";
  if (request.method !== "POST" || !(isMessages || pathname === "/v1/messages/count_tokens")) {
    throw new FakeApiError(404, "not_found_error", `Not found: ${request.method} ${pathname}`);
  }
  authenticate(request.headers);
  const body = parseBody(raw, isMessages);
  const total = estimateInputTokens(body);
  if (!isMessages) return json(200, { input_tokens: total }, requestId);

  const turn = readTurn(body.messages);
  const maxContext = intParam(turn.params, "max_context", DEFAULT_MAX_CONTEXT, 1);
  if (total > maxContext)
    throw new FakeApiError(400, "invalid_request_error", `prompt is too long: ${total} tokens > ${maxContext} maximum`);

  if (!body.stream) {
    // Only the title knob applies here: the turn's other scenarios (and rate-limit counters) belong to
    // the streamed model call, so a concurrent title call can neither fail with them nor consume them.
    if (turn.params.title === "fail") throw new FakeApiError(500, "api_error", "Internal server error");
    const title = titleFor(body.messages);
    const usage = cacheUsage(body, total);
    const message = {
      id: randomId("msg_01"),
      type: "message",
      role: "assistant",
      model: body.model,
      content: [{ type: "text", text: title }],
      stop_reason: "end_turn",
      stop_sequence: null,
      usage: { ...usage, output_tokens: title.split(" ").length },
    };
    return json(200, message, requestId);
  }

  const plan = planScenario(turn, body); // throws the HTTP-error scenarios before any cache is written
  const usage = cacheUsage(body, total);
  const frames = messageFrames(plan, { id: randomId("msg_01"), model: body.model, usage });
  const rate = turn.params.rate !== undefined ? Number(turn.params.rate) : Number(options.tokensPerSecond ?? 0);
  if (!(rate >= 0))
    throw new FakeApiError(
      400,
      "invalid_request_error",
      `fake-anthropic: rate=${turn.params.rate ?? options.tokensPerSecond} is not a number >= 0`,
    );
  const key = turn.params.key;
  if (key !== undefined) remember(streamStates, key, "open", MAX_TRACKED_STREAMS);
  const onEnd =
    key === undefined ? undefined : (/** @type {'done' | 'cancelled'} */ state) => remember(streamStates, key, state, MAX_TRACKED_STREAMS);
  return sseResponse(frames, { tokensPerSecond: rate, signal: request.signal, onEnd }, requestId);
}

/** Characters a /_fake/page may have: enough for a "5 MB page" test, bounded so a typo cannot exhaust memory. */
const MAX_PAGE_CHARS = 16 * 1024 * 1024;
/** Characters per body chunk of a /_fake/page. */
const PAGE_CHUNK_CHARS = 64 * 1024;

/**
 * A large text page, produced as the reader pulls: a line of words repeated, so extraction and
 * truncation can be checked.
 * @param {number} chars
 */
function page(chars) {
  if (!(chars >= 0 && chars <= MAX_PAGE_CHARS)) throw badRequest(`fake-anthropic: chars=${chars} is not within 0..${MAX_PAGE_CHARS}`);
  const line = "The quick brown fox jumps over the lazy dog. ";
  const encoder = new TextEncoder();
  let sent = 0;
  const body = new ReadableStream({
    pull(controller) {
      if (sent >= chars) return controller.close();
      const size = Math.min(PAGE_CHUNK_CHARS, chars - sent);
      controller.enqueue(encoder.encode(line.repeat(Math.ceil(size / line.length)).slice(0, size)));
      sent += size;
    },
  });
  return new Response(body, { status: 200, headers: { "content-type": "text/plain; charset=utf-8" } });
}

/** The SDK sends `Authorization: Bearer <key>`; raw API users send `x-api-key`. Either works. @param {Headers} headers */
function authenticate(headers) {
  const bearer = /^Bearer\s+(.+)$/i.exec(headers.get("authorization") ?? "")?.[1];
  const key = headers.get("x-api-key") ?? bearer;
  if (!key) throw new FakeApiError(401, "authentication_error", "x-api-key header is required");
  if (key === "bad-key") throw new FakeApiError(401, "authentication_error", "invalid x-api-key");
}

/** @param {string} raw @param {boolean} isMessages @returns {MessagesRequest & { max_tokens?: number }} */
function parseBody(raw, isMessages) {
  /** @type {any} parsed, then checked field by field below */
  let body;
  try {
    body = JSON.parse(raw);
  } catch {
    throw new FakeApiError(400, "invalid_request_error", "The request body is not valid JSON.");
  }
  const invalid = (/** @type {string} */ message) => new FakeApiError(400, "invalid_request_error", message);
  if (typeof body !== "object" || body === null) throw invalid("The request body must be a JSON object.");
  if (typeof body.model !== "string" || body.model === "") throw invalid("model: Field required");
  if (!Array.isArray(body.messages) || body.messages.length === 0) throw invalid("messages: at least one message is required");
  if (!body.messages.every((/** @type {any} */ m) => m && (m.role === "user" || m.role === "assistant")))
    throw invalid("messages: each role must be 'user' or 'assistant'");
  if (isMessages && typeof body.max_tokens !== "number") throw invalid("max_tokens: Field required");
  return body;
}

// ---------------------------------------------------------------- directive

/** `fake:<scenario>` followed by ` key=value` tokens on the same line; values hold no whitespace. */
const DIRECTIVE = /(^|\s)fake:([A-Za-z0-9_-]+)((?:[ \t]+[A-Za-z_][\w-]*=\S*)*)/;

/**
 * The text of a message's content: a string, or its `text` blocks joined (tool_result blocks are not prompt text).
 * @param {any} content
 * @returns {string}
 */
function textOf(content) {
  if (typeof content === "string") return content;
  if (!Array.isArray(content)) return "";
  return content
    .filter((/** @type {any} */ block) => block && block.type === "text" && typeof block.text === "string")
    .map((/** @type {{ text: string }} */ block) => block.text)
    .join("\n");
}

/**
 * @param {string} text
 * @returns {{ scenario: string, params: Record<string, string>, source: string, rest: string } | null}
 */
function parseDirective(text) {
  const match = DIRECTIVE.exec(text);
  if (!match) return null;
  /** @type {Record<string, string>} */
  const params = {};
  for (const token of (match[3] ?? "")
    .trim()
    .split(/[ \t]+/)
    .filter(Boolean)) {
    const eq = token.indexOf("=");
    params[token.slice(0, eq)] = token.slice(eq + 1);
  }
  const source = match[0].trim();
  const rest = (text.slice(0, match.index) + (match[1] ?? "") + text.slice(match.index + match[0].length)).replace(/\s+/g, " ").trim();
  return { scenario: match[2] ?? "text", params, source, rest };
}

/**
 * Reads the turn the request belongs to. The prompt is the most recent user message that has text
 * (tool_result-only user messages are a turn's later steps, not a new prompt); its directive, if any,
 * picks the scenario, so a later prompt without a directive is a plain `text` turn. The step is the
 * number of assistant messages after the prompt: 0 for a turn's first model call.
 * @param {MessageParam[]} messages
 * @returns {Turn}
 */
function readTurn(messages) {
  let index = messages.length - 1;
  while (index >= 0 && !(messages[index]?.role === "user" && textOf(messages[index]?.content).trim() !== "")) index -= 1;
  const text = index >= 0 ? textOf(messages[index]?.content) : "";
  const step = messages.slice(index + 1).filter((message) => message.role === "assistant").length;
  const directive = parseDirective(text);
  if (!directive) return { scenario: "text", params: {}, source: "", promptText: text.replace(/\s+/g, " ").trim(), step };
  return { scenario: directive.scenario, params: directive.params, source: directive.source, promptText: directive.rest, step };
}

/**
 * @param {Record<string, string>} params
 * @param {string} name
 * @param {number} fallback
 * @param {number} min
 */
function intParam(params, name, fallback, min = 0) {
  const raw = params[name];
  if (raw === undefined) return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < min) throw badRequest(`fake-anthropic: ${name}=${raw} is not an integer >= ${min}`);
  return value;
}

/** @param {Record<string, string>} params @param {string} name @param {string} fallback */
function jsonParam(params, name, fallback) {
  const raw = params[name] ?? fallback;
  try {
    return JSON.parse(raw);
  } catch {
    throw badRequest(`fake-anthropic: ${name}=${raw} is not JSON (a value must contain no spaces)`);
  }
}

// ---------------------------------------------------------------- delta pieces (all lazy)

/** Splits text into word pieces whose concatenation is the text (each piece keeps its leading whitespace). @param {string} text */
function* words(text) {
  for (const match of text.matchAll(/\s*\S+/g)) yield match[0];
}

/** @param {string} promptText */
function quote(promptText) {
  return promptText.split(" ").filter(Boolean).slice(0, QUOTED_WORDS).join(" ") || "(no text)";
}

/** `Echo: <first words of the prompt>.` then ` word2` ... ` word<count>`: exactly `count` pieces. @param {string} promptText @param {number} count */
function* echoPieces(promptText, count) {
  yield `Echo: ${quote(promptText)}.`;
  for (let i = 2; i <= count; i += 1) yield ` word${i}`;
}

/** @param {string} promptText @param {number} count */
function* thinkingPieces(promptText, count) {
  yield `Considering: ${quote(promptText)}.`;
  for (let i = 2; i <= count; i += 1) yield ` thought${i}`;
}

/**
 * The tool results of the request's last message, quoted verbatim so tests can check what reached the model.
 * @param {{ role: string, content: any }[]} messages
 */
function toolResultsText(messages) {
  /** @type {Map<string, string>} */
  const names = new Map();
  for (const message of messages) {
    if (message.role !== "assistant" || !Array.isArray(message.content)) continue;
    for (const block of message.content) if (block?.type === "tool_use") names.set(block.id, block.name);
  }
  const last = messages.at(-1);
  const results =
    last?.role === "user" && Array.isArray(last.content)
      ? last.content.filter((/** @type {any} */ block) => block?.type === "tool_result")
      : [];
  if (results.length === 0) return "No tool results received.";
  return results
    .map((/** @type {any} */ result) => {
      const body =
        typeof result.content === "string"
          ? result.content
          : Array.isArray(result.content)
            ? result.content.map((/** @type {any} */ b) => (b?.type === "text" ? b.text : `[${b?.type}]`)).join("\n")
            : "";
      return `Tool ${names.get(result.tool_use_id) ?? result.tool_use_id} ${result.is_error ? "failed" : "returned"}: ${body}`;
    })
    .join("\n");
}

// ---------------------------------------------------------------- scenarios

/** @param {Iterable<string>} pieces @returns {BlockPlan} */
const text = (pieces) => ({ type: "text", pieces });
/** @param {string} name @param {unknown} input @returns {BlockPlan} */
const toolUse = (name, input) => ({ type: "tool_use", id: randomId("toolu_01"), name, input });
/** @param {Turn} turn @returns {BlockPlan} */
const thinking = (turn) => ({
  type: "thinking",
  pieces: thinkingPieces(turn.promptText, intParam(turn.params, "thinking", DEFAULT_THINKING_TOKENS, 1)),
  signature: btoa(`fake-anthropic-signature:${randomId("")}`),
});
/** @param {BlockPlan[]} blocks @param {string} stopReason @param {Ending} ending @returns {Plan} */
const plan = (blocks, stopReason = "end_turn", ending = "complete") => ({ blocks, stopReason, ending });

/** @param {Turn} turn @returns {Plan} */
const echo = (turn) => plan([text(echoPieces(turn.promptText, intParam(turn.params, "tokens", DEFAULT_TEXT_TOKENS, 1)))]);
/** @param {Turn} turn @returns {BlockPlan} */
const brokenText = (turn) => text(echoPieces(turn.promptText, intParam(turn.params, "tokens", DEFAULT_DELTAS_BEFORE_FAILURE, 1)));

/** @param {MessagesRequest} request */
function requestToolNames(request) {
  const names = (Array.isArray(request.tools) ? request.tools : []).map((tool) => tool?.name).filter((name) => typeof name === "string");
  if (names.length === 0) throw badRequest("fake-anthropic: this scenario needs tool=<name> (or tools=a,b,c) or a request with tools");
  return names;
}

/**
 * Step < calls: a short text, then one tool_use. Later: the answer quoting the tool results.
 * @param {Turn} turn @param {MessagesRequest} request @param {{ tool?: string, args?: string }} defaults
 * @returns {Plan}
 */
function callTool(turn, request, defaults = {}) {
  if (turn.step >= intParam(turn.params, "calls", 1, 1)) return plan([text(words(toolResultsText(request.messages)))]);
  const name = turn.params.tool ?? defaults.tool ?? requestToolNames(request)[0] ?? "";
  const input = jsonParam(turn.params, "args", defaults.args ?? "{}");
  return plan([text(words(`I will call ${name}.`)), toolUse(name, input)], "tool_use");
}

/** @type {Record<string, (turn: Turn, request: MessagesRequest) => Plan>} */
const SCENARIOS = {
  text: echo,
  thinking(turn, request) {
    if (turn.params.tool === undefined) return plan([thinking(turn), ...echo(turn).blocks]);
    const next = callTool(turn, request);
    return { ...next, blocks: [thinking(turn), ...next.blocks] };
  },
  tool: (turn, request) => callTool(turn, request),
  "slow-tool": (turn, request) => callTool(turn, request, { tool: "wait", args: '{"seconds":1}' }),
  "tools-parallel"(turn, request) {
    if (turn.step >= 1) return plan([text(words(toolResultsText(request.messages)))]);
    const available = turn.params.tools === undefined ? requestToolNames(request) : [];
    const names = turn.params.tools?.split(",").filter(Boolean) ?? [0, 1, 2].map((i) => available[i % available.length] ?? "");
    const calls = names.map((name, i) => toolUse(name, jsonParam(turn.params, `args${i + 1}`, "{}")));
    return plan([text(words(`I will call ${names.join(", ")}.`)), ...calls], "tool_use");
  },
  "rate-limit-then-ok"(turn) {
    const key = turn.params.key ?? turn.source;
    const failed = rateLimitFailures.get(key) ?? 0;
    if (failed < intParam(turn.params, "times", 1, 0)) {
      remember(rateLimitFailures, key, failed + 1, MAX_RATE_LIMIT_KEYS);
      // retry-after-ms wins in the SDK; retry-after: 0 alone would make it fall back to its 0.5 s backoff.
      throw new FakeApiError(429, "rate_limit_error", "Number of request tokens has exceeded your per-minute rate limit", {
        "retry-after": "0",
        "retry-after-ms": "10",
      });
    }
    return echo(turn);
  },
  overloaded() {
    throw new FakeApiError(529, "overloaded_error", "Overloaded");
  },
  "server-error"() {
    throw new FakeApiError(500, "api_error", "Internal server error");
  },
  "auth-error"() {
    throw new FakeApiError(401, "authentication_error", "invalid x-api-key");
  },
  "cut-after-tool"(turn, request) {
    if (turn.step >= 1) return plan([text(words(toolResultsText(request.messages)))]);
    const name = turn.params.tool ?? requestToolNames(request)[0] ?? "";
    return plan([toolUse(name, jsonParam(turn.params, "args", "{}"))], "tool_use", "cut");
  },
  malformed: (turn) => plan([brokenText(turn)], "end_turn", "malformed"),
  stall: (turn) => plan([brokenText(turn)], "end_turn", "stall"),
  "error-mid-text": (turn) => plan([brokenText(turn)], "end_turn", "error"),
};

const SCENARIO_NAMES = Object.keys(SCENARIOS);

/**
 * The answer to a streaming request, or a thrown FakeApiError for the HTTP-error scenarios.
 * @param {Turn} turn @param {MessagesRequest} request @returns {Plan}
 */
function planScenario(turn, request) {
  const scenario = SCENARIOS[turn.scenario];
  if (!scenario) throw badRequest(`fake-anthropic: unknown scenario "${turn.scenario}" (known: ${SCENARIO_NAMES.join(", ")})`);
  return scenario(turn, request);
}

/**
 * A 3-6 word session title from the first user message, without its directive.
 * @param {MessageParam[]} messages
 */
function titleFor(messages) {
  const first = messages.find((message) => message.role === "user" && textOf(message.content).trim() !== "");
  const raw = textOf(first?.content);
  const title = (parseDirective(raw)?.rest ?? raw).split(/\s+/).filter(Boolean).slice(0, MAX_TITLE_WORDS);
  if (title.length === 0) return "New chat session";
  return (title.length >= 3 ? title : ["Chat", "about", ...title]).join(" ");
}

// ---------------------------------------------------------------- wire frames

/** @param {{ type: string, [field: string]: unknown }} event @param {boolean} token @returns {Frame} */
function frame(event, token = false) {
  return { text: `event: ${event.type}\ndata: ${JSON.stringify(event)}\n\n`, token };
}

/** @param {BlockPlan} block */
function startOf(block) {
  if (block.type === "text") return { type: "text", text: "" };
  if (block.type === "thinking") return { type: "thinking", thinking: "", signature: "" };
  return { type: "tool_use", id: block.id, name: block.name, input: {} };
}

/** The real API opens a tool input with an empty piece, then sends the JSON in several pieces. @param {unknown} input */
function* jsonPieces(input) {
  const json = JSON.stringify(input) ?? "null";
  const size = Math.max(1, Math.ceil(json.length / JSON_PIECES));
  yield "";
  for (let i = 0; i < json.length; i += size) yield json.slice(i, i + size);
}

/** @param {BlockPlan} block @returns {Iterable<{ type: string, [field: string]: unknown }>} */
function* deltasOf(block) {
  if (block.type === "text") for (const piece of block.pieces) yield { type: "text_delta", text: piece };
  else if (block.type === "thinking") {
    for (const piece of block.pieces) yield { type: "thinking_delta", thinking: piece };
    yield { type: "signature_delta", signature: block.signature };
  } else for (const piece of jsonPieces(block.input)) yield { type: "input_json_delta", partial_json: piece };
}

/**
 * The SSE frames of one streamed Message. output_tokens counts the deltas actually emitted, which
 * is known only at the end, hence a generator rather than a prebuilt list.
 * @param {Plan} plan
 * @param {{ id: string, model: string, usage: InputUsage }} meta
 * @returns {Generator<Frame | typeof STALL, void, undefined>}
 */
function* messageFrames(plan, meta) {
  const message = {
    id: meta.id,
    type: "message",
    role: "assistant",
    model: meta.model,
    content: [],
    stop_reason: null,
    stop_sequence: null,
    usage: { ...meta.usage, output_tokens: 1 },
  };
  yield frame({ type: "message_start", message });
  yield frame({ type: "ping" });
  let outputTokens = 0;
  for (const [index, block] of plan.blocks.entries()) {
    yield frame({ type: "content_block_start", index, content_block: startOf(block) });
    for (const delta of deltasOf(block)) {
      outputTokens += 1;
      yield frame({ type: "content_block_delta", index, delta }, true);
      if (outputTokens % PING_EVERY_DELTAS === 0) yield frame({ type: "ping" });
    }
    // The failure endings strike inside the last block, before its content_block_stop.
    const interrupted =
      index === plan.blocks.length - 1 && (plan.ending === "malformed" || plan.ending === "stall" || plan.ending === "error");
    if (!interrupted) yield frame({ type: "content_block_stop", index });
  }
  switch (plan.ending) {
    case "complete":
      yield frame({
        type: "message_delta",
        delta: { stop_reason: plan.stopReason, stop_sequence: null },
        usage: { ...meta.usage, output_tokens: outputTokens },
      });
      yield frame({ type: "message_stop" });
      return;
    case "cut":
      return;
    case "malformed":
      yield {
        text: `event: content_block_delta\ndata: {"type":"content_block_delta","index":${plan.blocks.length - 1},"delta":{"type":"text_delta","text":"cut off\n\n`,
        token: false,
      };
      return;
    case "stall":
      yield STALL;
      return;
    case "error":
      yield frame({ type: "error", error: { type: "overloaded_error", message: "Overloaded" } });
      return;
  }
}

// ---------------------------------------------------------------- usage

/** ceil(chars / 4) over the system prompt (a string, or its JSON), the messages' JSON and the tools' JSON. @param {MessagesRequest} body */
function estimateInputTokens(body) {
  const system = body.system === undefined ? "" : typeof body.system === "string" ? body.system : JSON.stringify(body.system);
  const tools = body.tools === undefined ? "" : JSON.stringify(body.tools);
  return Math.ceil((system.length + JSON.stringify(body.messages).length + tools.length) / 4);
}

/**
 * Prompt-cache usage with the real API's meaning: input_tokens counts only what was neither read from
 * nor written to the cache. With cache_control markers, the prompt (tools, then system, then
 * messages, block by block) is hashed at every block boundary; the longest prefix seen before is
 * read, the rest up to the last marker is written. Unlike the real API there is no minimum
 * cacheable length (tests would need huge prompts) and no 20-block lookback limit.
 * @param {MessagesRequest} body @param {number} total @returns {InputUsage}
 */
function cacheUsage(body, total) {
  const segments = promptSegments(body);
  const lastMarker = segments.findLastIndex((segment) => segment.marked);
  if (lastMarker < 0) return { input_tokens: total, cache_creation_input_tokens: 0, cache_read_input_tokens: 0 };
  const hash = new PrefixHash(body.model); // caches are per model
  let chars = 0;
  let read = 0;
  let written = 0;
  /** @type {string[]} */
  const markedPrefixes = [];
  for (const [index, segment] of segments.slice(0, lastMarker + 1).entries()) {
    const prefix = hash.update(segment.text);
    chars += segment.text.length;
    const tokens = Math.ceil(chars / 4);
    if (cachedPrefixes.has(prefix)) read = tokens;
    if (segment.marked) markedPrefixes.push(prefix);
    if (index === lastMarker) written = cachedPrefixes.has(prefix) ? 0 : tokens - read;
  }
  for (const prefix of markedPrefixes) remember(cachedPrefixes, prefix, true, MAX_CACHED_PREFIXES);
  return { input_tokens: Math.max(0, total - read - written), cache_creation_input_tokens: written, cache_read_input_tokens: read };
}

/**
 * The prompt in cache order, one segment per block, with the markers themselves left out of the text.
 * @param {MessagesRequest} body @returns {{ text: string, marked: boolean }[]}
 */
function promptSegments(body) {
  const strip = (/** @type {unknown} */ block) =>
    JSON.stringify(block, (key, value) => (key === "cache_control" ? undefined : value)) ?? "";
  const marked = (/** @type {any} */ block) => typeof block === "object" && block !== null && block.cache_control != null;
  /** @type {unknown[]} */
  const blocks = [
    ...(Array.isArray(body.tools) ? body.tools : []),
    ...(Array.isArray(body.system) ? body.system : body.system === undefined ? [] : [body.system]),
  ];
  const segments = blocks.map((block) => ({ text: strip(block), marked: marked(block) }));
  for (const message of body.messages) {
    const content = Array.isArray(message.content) ? message.content : [message.content];
    for (const block of content) segments.push({ text: `${message.role}:${strip(block)}`, marked: marked(block) });
  }
  return segments;
}

/**
 * A running 64-bit hash (two 32-bit FNV-1a style lanes) of everything added so far, so the hash of
 * every prefix costs one pass over the prompt. Hashing each prefix anew would be quadratic, and
 * apps mark every request: a 200k-token history would hash hundreds of MB per request.
 */
class PrefixHash {
  /** @param {string} seed */
  constructor(seed) {
    this.a = 0x811c9dc5;
    this.b = 0x9747b28c;
    this.update(seed);
  }

  /** @param {string} text @returns {string} the hash of everything added so far */
  update(text) {
    let { a, b } = this;
    for (let i = 0; i < text.length; i += 1) {
      const code = text.charCodeAt(i);
      a = Math.imul(a ^ code, 0x01000193);
      b = Math.imul(b ^ code, 0x5bd1e995);
    }
    this.a = a;
    this.b = b;
    return `${(a >>> 0).toString(16)}${(b >>> 0).toString(16).padStart(8, "0")}`;
  }
}

// ---------------------------------------------------------------- responses

/** @param {number} status @param {unknown} body @param {string} requestId @param {Record<string, string>} [headers] */
function json(status, body, requestId, headers = {}) {
  return new Response(JSON.stringify(body), {
    status,
    headers: { "content-type": "application/json", "request-id": requestId, ...headers },
  });
}

/** @param {FakeApiError} error @param {string} requestId */
function errorResponse(error, requestId) {
  return json(error.status, { type: "error", error: { type: error.type, message: error.message } }, requestId, error.headers);
}

/**
 * Streams the frames lazily: each pull produces one chunk, and only when the client reads, so a huge
 * answer is never buffered. Deltas are paced at `tokensPerSecond`; at 0 chunks go as fast as the
 * client reads, with a macrotask between two chunks so the body really arrives in pieces. Client
 * disconnect (stream cancel or request.signal) stops every timer at once.
 * @param {Generator<Frame | typeof STALL, void, undefined>} frames
 * @param {{ tokensPerSecond: number, signal?: AbortSignal, onEnd?: (state: 'done' | 'cancelled') => void }} options
 * @param {string} requestId
 */
function sseResponse(frames, { tokensPerSecond, signal, onEnd }, requestId) {
  const encoder = new TextEncoder();
  const gone = new AbortController();
  const interval = tokensPerSecond > 0 ? 1000 / tokensPerSecond : 0;
  const source = interval > 0 ? frames : batched(frames, FRAMES_PER_CHUNK);
  let sentTokens = 0;
  let firstTokenAt = 0;
  let ended = false;
  const end = (/** @type {'done' | 'cancelled'} */ state) => {
    if (ended) return;
    ended = true;
    signal?.removeEventListener("abort", onAbort);
    if (state === "cancelled") gone.abort();
    source.return();
    onEnd?.(state);
  };
  const onAbort = () => end("cancelled");
  if (signal?.aborted) onAbort();
  else signal?.addEventListener("abort", onAbort);

  const body = new ReadableStream(
    {
      async pull(controller) {
        const next = ended ? /** @type {const} */ ({ done: true, value: undefined }) : source.next();
        if (next.done) {
          end("done");
          controller.close();
          return;
        }
        if (next.value === STALL) {
          await sleep(STALL_MAX_MS, gone.signal);
          end("done");
          if (!gone.signal.aborted) controller.close();
          return;
        }
        const frame = next.value;
        if (frame.token && interval > 0) {
          if (sentTokens === 0) firstTokenAt = Date.now();
          const wait = firstTokenAt + sentTokens * interval - Date.now(); // against drift: a schedule, not a fixed sleep
          if (wait > 0) await sleep(wait, gone.signal);
          else await nextMacrotask();
          sentTokens += 1;
        } else {
          await nextMacrotask();
        }
        if (!gone.signal.aborted) controller.enqueue(encoder.encode(frame.text));
      },
      cancel() {
        end("cancelled");
      },
    },
    { highWaterMark: 0 },
  );
  return new Response(body, {
    status: 200,
    headers: { "content-type": "text/event-stream; charset=utf-8", "cache-control": "no-cache", "request-id": requestId },
  });
}

/**
 * Joins up to `size` consecutive frames into one chunk; a STALL flushes what came before it.
 * @param {Generator<Frame | typeof STALL, void, undefined>} frames @param {number} size
 * @returns {Generator<Frame | typeof STALL, void, undefined>}
 */
function* batched(frames, size) {
  let text = "";
  let count = 0;
  for (const item of frames) {
    if (item !== STALL) {
      text += item.text;
      count += 1;
    }
    if (item === STALL || count >= size) {
      if (text !== "") yield { text, token: false };
      text = "";
      count = 0;
    }
    if (item === STALL) yield STALL;
  }
  if (text !== "") yield { text, token: false };
}

/** Resolves after `ms`, or at once when `signal` aborts (and then clears its timer). @param {number} ms @param {AbortSignal} signal */
function sleep(ms, signal) {
  return new Promise((resolve) => {
    if (signal.aborted) return resolve(undefined);
    const done = () => {
      clearTimeout(timer);
      signal.removeEventListener("abort", done);
      resolve(undefined);
    };
    const timer = setTimeout(done, ms);
    signal.addEventListener("abort", done);
  });
}

/** setImmediate where it exists (Node, and workerd), since Node's setTimeout(0) costs >= 1 ms. */
function nextMacrotask() {
  const { setImmediate } = /** @type {{ setImmediate?: (callback: () => void) => unknown }} */ (globalThis);
  return new Promise((resolve) => (setImmediate ? setImmediate(() => resolve(undefined)) : setTimeout(resolve, 0)));
}

// ---------------------------------------------------------------- small helpers

const BASE62 = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";

/** An id shaped like Anthropic's (`msg_01` + 22 base62 characters). @param {string} prefix */
function randomId(prefix) {
  const bytes = crypto.getRandomValues(new Uint8Array(22));
  return prefix + Array.from(bytes, (byte) => BASE62[byte % 62]).join("");
}

/**
 * Map.set that forgets the oldest entry beyond `max` (a Map iterates in insertion order).
 * @template V @param {Map<string, V>} map @param {string} key @param {V} value @param {number} max
 */
function remember(map, key, value, max) {
  map.delete(key);
  map.set(key, value);
  if (map.size > max) map.delete(/** @type {string} */ (map.keys().next().value));
}
