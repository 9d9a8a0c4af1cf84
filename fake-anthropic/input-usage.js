// @ts-check
/**
 * Input token usage: the estimate of a request's input tokens (also the count_tokens answer), and
 * how much of it the prompt cache read or wrote.
 */
import { remember } from "./remember.js";

/**
 * @typedef {import("./fake-anthropic.js").MessagesRequest} MessagesRequest
 * @typedef {{ input_tokens: number, cache_creation_input_tokens: number, cache_read_input_tokens: number,
 *   cache_creation: { ephemeral_5m_input_tokens: number, ephemeral_1h_input_tokens: number } }} InputUsage
 */

/** Prompt-cache prefixes remembered (by hash) for cache usage. */
const MAX_CACHED_PREFIXES = 10_000;

/** @type {Map<string, true>} prefix hash -> seen, for cache_creation vs cache_read */
const cachedPrefixes = new Map();

/** ceil(chars / 4) over the system prompt (a string, or its JSON), the messages' JSON and the tools' JSON. @param {MessagesRequest} body */
export function estimateInputTokens(body) {
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
export function cacheUsage(body, total) {
  const segments = promptSegments(body);
  const lastMarker = segments.findLastIndex((segment) => segment.marked);
  if (lastMarker < 0)
    return {
      input_tokens: total,
      cache_creation_input_tokens: 0,
      cache_read_input_tokens: 0,
      cache_creation: { ephemeral_5m_input_tokens: 0, ephemeral_1h_input_tokens: 0 },
    };
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
  // The write's lifetime is the last marker's (the real API splits per breakpoint; one split is enough here).
  const oneHour = segments[lastMarker]?.ttl === "1h";
  return {
    input_tokens: Math.max(0, total - read - written),
    cache_creation_input_tokens: written,
    cache_read_input_tokens: read,
    cache_creation: { ephemeral_5m_input_tokens: oneHour ? 0 : written, ephemeral_1h_input_tokens: oneHour ? written : 0 },
  };
}

/**
 * The prompt in cache order, one segment per block, with the markers themselves left out of the text.
 * @param {MessagesRequest} body @returns {{ text: string, marked: boolean, ttl?: string }[]}
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
  const ttl = (/** @type {any} */ block) => (marked(block) ? block.cache_control.ttl : undefined);
  const segments = blocks.map((block) => ({ text: strip(block), marked: marked(block), ttl: ttl(block) }));
  for (const message of body.messages) {
    const content = Array.isArray(message.content) ? message.content : [message.content];
    for (const block of content) segments.push({ text: `${message.role}:${strip(block)}`, marked: marked(block), ttl: ttl(block) });
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
