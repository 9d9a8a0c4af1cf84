// @ts-check
/**
 * The scenarios a `fake:` directive picks: each turns the request's turn into a Plan (the blocks of
 * the streamed answer and how the stream ends), or throws the HTTP error the scenario stands for.
 * Also the non-streaming answer's session title.
 */

import { describeFiles } from "./describe-files.js";
import { intParam, jsonParam, parseDirective, textOf } from "./directive.js";
import { badRequest, FakeApiError } from "./fake-api-error.js";
import { randomId } from "./random-id.js";
import { remember } from "./remember.js";

/**
 * @typedef {import("./fake-anthropic.js").MessageParam} MessageParam
 * @typedef {import("./fake-anthropic.js").MessagesRequest} MessagesRequest
 * @typedef {import("./directive.js").Turn} Turn
 * @typedef {{ type: 'text', pieces: Iterable<string>, citations?: object[] }
 *   | { type: 'thinking', pieces: Iterable<string>, signature: string }
 *   | { type: 'tool_use', id: string, name: string, input: unknown }
 *   | { type: 'server_tool_use', id: string, name: string, input: unknown }
 *   | { type: 'web_search_tool_result' | 'web_fetch_tool_result', tool_use_id: string, content: unknown }} BlockPlan
 * @typedef {'complete' | 'cut' | 'malformed' | 'stall' | 'error'} Ending
 * @typedef {{ blocks: BlockPlan[], stopReason: string, ending: Ending }} Plan
 */

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
/** Distinct `rate-limit-then-ok` keys remembered; the oldest is forgotten beyond this (module state must not grow without bound). */
const MAX_RATE_LIMIT_KEYS = 10_000;

/** @type {Map<string, number>} failures already answered per rate-limit key */
const rateLimitFailures = new Map();

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

/**
 * `tokens=` pieces of text, in one text block or, with `block=N`, in blocks of N pieces each (a
 * test that needs one chunk per delta uses block=1: deltas of different parts never merge).
 * @param {Turn} turn @returns {Plan}
 */
function echo(turn) {
  const pieces = echoPieces(turn.promptText, intParam(turn.params, "tokens", DEFAULT_TEXT_TOKENS, 1));
  if (turn.params.block === undefined) return plan([text(pieces)]);
  const size = intParam(turn.params, "block", 1, 1);
  /** @type {BlockPlan[]} */
  const blocks = [];
  let current = [];
  for (const piece of pieces) {
    current.push(piece);
    if (current.length === size) {
      blocks.push(text(current));
      current = [];
    }
  }
  if (current.length > 0) blocks.push(text(current));
  return plan(blocks);
}
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

/**
 * A typical answer in Markdown, streamed word by word, so a client's renderer meets every construct
 * half-written: heading, emphasis, a list, inline code, a safe and a `javascript:` link, a table and a
 * fenced code block.
 */
const MARKDOWN_ANSWER = [
  "## Sorting in short",
  "",
  "Here is **a quick comparison** of three algorithms, with `sort()` as the baseline.",
  "",
  "- Quick sort: fast on average",
  "- Merge sort: *stable*, needs extra memory",
  "- Heap sort: in place",
  "",
  "| Algorithm | Average | Stable |",
  "| --- | --- | --- |",
  "| Quick sort | O(n log n) | no |",
  "| Merge sort | O(n log n) | yes |",
  "| Heap sort | O(n log n) | no |",
  "",
  "```ts",
  "export function sorted(values: number[]): number[] {",
  "  return [...values].sort((a, b) => a - b);",
  "}",
  "```",
  "",
  "Read more on [MDN](https://developer.mozilla.org/) (and not [this](javascript:alert(1)) one).",
].join("\n");

/** Pages a `web-search` result lists when the directive has no `results=`. */
const DEFAULT_SEARCH_RESULTS = 2;

/** @param {MessagesRequest} request @param {string} name */
function requireServerTool(request, name) {
  const tools = Array.isArray(request.tools) ? request.tools : [];
  // The real API only runs a server tool the request offers; a turn without it is a test's mistake.
  if (!tools.some((tool) => tool?.name === name && typeof (/** @type {any} */ (tool).type) === "string"))
    throw badRequest(`fake-anthropic: this scenario needs Claude's ${name} tool in the request (enable it in the configuration)`);
}

/** @param {number} n */
const searchResult = (n) => ({
  type: "web_search_result",
  url: `https://example.com/page-${n}`,
  title: `Example page ${n}`,
  encrypted_content: btoa(`fake-encrypted-content-${n}`),
  page_age: "April 1, 2026",
});

/**
 * A web search as the real API streams it: Claude's server_tool_use, its web_search_tool_result (every
 * page), then, unless `pause=1` stops the message there with `pause_turn`, an answer whose text cites
 * each page (citations_delta before the text). After a pause the next request (the paused content sent
 * back) gets the cited answer.
 * @param {Turn} turn @param {MessagesRequest} request @returns {Plan}
 */
function webSearch(turn, request) {
  requireServerTool(request, "web_search");
  const count = intParam(turn.params, "results", DEFAULT_SEARCH_RESULTS, 1);
  const results = Array.from({ length: count }, (_, i) => searchResult(i + 1));
  const cited = results.map(
    (result, i) =>
      /** @type {BlockPlan} */ ({
        type: "text",
        pieces: words(`${i === 0 ? "" : " "}Page ${i + 1} says so.`),
        citations: [
          {
            type: "web_search_result_location",
            url: result.url,
            title: result.title,
            encrypted_index: btoa(`fake-index-${i + 1}`),
            cited_text: `Cited text of page ${i + 1}.`,
          },
        ],
      }),
  );
  if (turn.step >= 1) return plan(cited);
  if (turn.params.error !== undefined) {
    const id = randomId("srvtoolu_01");
    return plan([
      { type: "server_tool_use", id, name: "web_search", input: { query: turn.promptText || "search" } },
      { type: "web_search_tool_result", tool_use_id: id, content: { type: "web_search_tool_result_error", error_code: turn.params.error } },
      text(words("The search failed.")),
    ]);
  }
  const id = randomId("srvtoolu_01");
  const search = [
    text(words("Let me search.")),
    /** @type {BlockPlan} */ ({ type: "server_tool_use", id, name: "web_search", input: { query: turn.promptText || "search" } }),
    /** @type {BlockPlan} */ ({ type: "web_search_tool_result", tool_use_id: id, content: results }),
  ];
  if (turn.params.pause === "1") return plan(search, "pause_turn");
  return plan([...search, ...cited]);
}

/**
 * A web fetch: server_tool_use, then its web_fetch_tool_result (a text document, or an error object
 * with `error=<code>`), then a short answer.
 * @param {Turn} turn @param {MessagesRequest} request @returns {Plan}
 */
function webFetch(turn, request) {
  requireServerTool(request, "web_fetch");
  const url = turn.params.url ?? "https://example.com/article";
  const id = randomId("srvtoolu_01");
  const content =
    turn.params.error !== undefined
      ? { type: "web_fetch_tool_result_error", error_code: turn.params.error }
      : {
          type: "web_fetch_result",
          url,
          retrieved_at: "2026-04-01T12:00:00Z",
          content: {
            type: "document",
            source: { type: "text", media_type: "text/plain", data: `The article at ${url}.` },
            title: "An article",
            citations: { enabled: true },
          },
        };
  return plan([
    { type: "server_tool_use", id, name: "web_fetch", input: { url } },
    { type: "web_fetch_tool_result", tool_use_id: id, content },
    text(words(turn.params.error === undefined ? "I read the article." : "I could not read it.")),
  ]);
}

/** @type {Record<string, (turn: Turn, request: MessagesRequest) => Plan>} */
const SCENARIOS = {
  text: echo,
  markdown: () => plan([text(words(MARKDOWN_ANSWER))]),
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
  /**
   * Any HTTP error in Anthropic's shape: `status=` (400..599, default 400), `type=` (default
   * `invalid_request_error`), `message=` percent-encoded, since a directive value holds no spaces.
   */
  "api-error"(turn) {
    const status = intParam(turn.params, "status", 400, 400);
    if (status > 599) throw badRequest(`fake-anthropic: status=${status} is not an error status (400..599)`);
    let message;
    try {
      message = decodeURIComponent(turn.params.message ?? "Bad request");
    } catch {
      throw badRequest(`fake-anthropic: message=${turn.params.message} is not percent-encoded text`);
    }
    throw new FakeApiError(status, turn.params.type ?? "invalid_request_error", message);
  },
  "cut-after-tool"(turn, request) {
    if (turn.step >= 1) return plan([text(words(toolResultsText(request.messages)))]);
    const name = turn.params.tool ?? requestToolNames(request)[0] ?? "";
    return plan([toolUse(name, jsonParam(turn.params, "args", "{}"))], "tool_use", "cut");
  },
  "describe-files": (_turn, request) => plan([text(words(describeFiles(request.messages, textOf)))]),
  /** One line per message the model was sent (`user: <first words>`), so tests can see the context it got. */
  context: (_turn, request) =>
    plan([text(words(request.messages.map((m) => `${m.role}: ${quote(textOf(m.content).replace(/\s+/g, " ").trim())}`).join("\n")))]),
  "web-search": webSearch,
  "web-fetch": webFetch,
  /** Claude declines: a little text, then stop reason `refusal`. */
  refusal: () => plan([text(words("I can't help with that."))], "refusal"),
  /**
   * The answer fills the context window: text, then stop reason `model_context_window_exceeded`. The
   * service's continuation (a later request whose newest user text has no directive) is a plain echo.
   */
  "context-full": (turn) =>
    plan(
      [text(echoPieces(turn.promptText, intParam(turn.params, "tokens", DEFAULT_DELTAS_BEFORE_FAILURE, 1)))],
      "model_context_window_exceeded",
    ),
  malformed: (turn) => plan([brokenText(turn)], "end_turn", "malformed"),
  stall: (turn) => plan([brokenText(turn)], "end_turn", "stall"),
  "error-mid-text": (turn) => plan([brokenText(turn)], "end_turn", "error"),
};

const SCENARIO_NAMES = Object.keys(SCENARIOS);

/**
 * The answer to a streaming request, or a thrown FakeApiError for the HTTP-error scenarios.
 * @param {Turn} turn @param {MessagesRequest} request @returns {Plan}
 */
export function planScenario(turn, request) {
  const scenario = SCENARIOS[turn.scenario];
  if (!scenario) throw badRequest(`fake-anthropic: unknown scenario "${turn.scenario}" (known: ${SCENARIO_NAMES.join(", ")})`);
  return scenario(turn, request);
}

/**
 * A 3-6 word session title from the first user message, without its directive.
 * @param {MessageParam[]} messages
 */
export function titleFor(messages) {
  const first = messages.find((message) => message.role === "user" && textOf(message.content).trim() !== "");
  const raw = textOf(first?.content);
  const title = (parseDirective(raw)?.rest ?? raw).split(/\s+/).filter(Boolean).slice(0, MAX_TITLE_WORDS);
  if (title.length === 0) return "New chat session";
  return (title.length >= 3 ? title : ["Chat", "about", ...title]).join(" ");
}
