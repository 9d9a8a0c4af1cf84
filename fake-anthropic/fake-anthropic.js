// @ts-check
/**
 * A fake Anthropic Messages API that speaks the real wire format. It stands in for
 * api.anthropic.com in workerd tests (an auxiliary worker that every outbound fetch is routed to),
 * in local dev without an API key, and in benchmarks (served from Node by serve.mjs).
 *
 *   POST /v1/messages               stream: true -> SSE chosen by the prompt's `fake:` directive
 *                                   stream: false -> a JSON Message holding a short session title
 *   POST /v1/messages/count_tokens  { input_tokens }
 *   GET  /v1/models/<id>            the Models API's ModelInfo (max_input_tokens: see modelInfo)
 *   /v1/files, /v1/files/<id>       the Files API (beta): upload, list, metadata, delete (files-api.js)
 *   GET  /_fake/streams/<key>       { key, state: 'open' | 'done' | 'cancelled' } of the last stream
 *                                   whose directive had `key=<key>` (not an Anthropic endpoint: it lets
 *                                   tests check that a client's abort reached the upstream)
 *   GET  /_fake/page?chars=N        a text/plain page of N characters, streamed (not an Anthropic
 *                                   endpoint: in tests every outbound fetch lands here, so this is
 *                                   the web page fetch_url reads when a test needs a large one)
 *
 * The scenario comes from the prompt: the most recent user message with text may carry
 * `fake:<scenario>` followed by space-separated `key=value` params (values without spaces, JSON
 * allowed), e.g. `fake:tool tool=calc args={"expression":"6*7"}`. See SCENARIOS in scenarios.js.
 *
 * Plain JS modules, loaded untranspiled. With `modules: true` + `scriptPath` miniflare would load
 * only this file (a relative import fails with "No such module"), so vitest.config.ts lists every
 * module of this folder for the auxiliary worker: a new module here must be added there too.
 * Node (serve.mjs) resolves the imports itself.
 */
import { intParam, readTurn } from "./directive.js";
import { FakeApiError } from "./fake-api-error.js";
import { handleFilesRequest, resolveFileSources } from "./files-api.js";
import { cacheUsage, estimateInputTokens } from "./input-usage.js";
import { messageFrames } from "./message-frames.js";
import { page } from "./page.js";
import { randomId } from "./random-id.js";
import { remember } from "./remember.js";
import { planScenario, titleFor } from "./scenarios.js";
import { sseResponse } from "./sse-response.js";

/**
 * @typedef {{ tokensPerSecond?: number | string }} FakeOptions
 * @typedef {{ role: string, content: unknown }} MessageParam
 * @typedef {{ model: string, messages: MessageParam[], tools?: { name: string }[], system?: unknown, stream?: boolean }} MessagesRequest
 */

/** Context window when the directive has no `max_context=`, in tokens. */
const DEFAULT_MAX_CONTEXT = 200_000;
/** Streams with a `key=` whose outcome is remembered for /_fake/streams. */
const MAX_TRACKED_STREAMS = 1_000;

/** @type {Map<string, 'open' | 'done' | 'cancelled'>} */
const streamStates = new Map();

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
  // Before the body is read as text below: an upload is multipart, read as form data.
  const filesAnswer = await handleFilesRequest(request, pathname, authenticate);
  if (filesAnswer) return json(filesAnswer.status, filesAnswer.body, requestId);
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
  const model = /^\/v1\/models\/([^/]+)$/.exec(pathname);
  if (request.method === "GET" && model) {
    authenticate(request.headers);
    return json(200, modelInfo(decodeURIComponent(model[1] ?? "")), requestId);
  }
  const isMessages = pathname === "/v1/messages";
  if (request.method !== "POST" || !(isMessages || pathname === "/v1/messages/count_tokens")) {
    throw new FakeApiError(404, "not_found_error", `Not found: ${request.method} ${pathname}`);
  }
  authenticate(request.headers);
  const body = parseBody(raw, isMessages);
  resolveFileSources(body, request.headers);
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
  const burst = intParam(turn.params, "burst", 1, 1);
  return sseResponse(frames, { tokensPerSecond: rate, burst, signal: request.signal, onEnd }, requestId);
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

/**
 * The Models API's answer for one model. Any id is known; `fake-window-<N>` has an input window of N
 * tokens (so tests can see the service use the real window), every other one DEFAULT_MAX_CONTEXT.
 * @param {string} id
 */
function modelInfo(id) {
  const window = /^fake-window-(\d+)$/.exec(id);
  return {
    type: "model",
    id,
    display_name: id,
    created_at: "2026-01-01T00:00:00Z",
    max_input_tokens: window ? Number(window[1]) : DEFAULT_MAX_CONTEXT,
    max_tokens: 64_000,
  };
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
