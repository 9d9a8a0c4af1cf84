// @ts-check
/**
 * The `fake:` directive: which turn a request belongs to, the scenario its prompt picks and the
 * directive's `key=value` params (see the grammar in fake-anthropic.js).
 */
import { badRequest } from "./fake-api-error.js";

/**
 * @typedef {import("./fake-anthropic.js").MessageParam} MessageParam
 * @typedef {{ scenario: string, params: Record<string, string>, source: string, promptText: string, step: number }} Turn
 */

/** `fake:<scenario>` followed by ` key=value` tokens on the same line; values hold no whitespace. */
const DIRECTIVE = /(^|\s)fake:([A-Za-z0-9_-]+)((?:[ \t]+[A-Za-z_][\w-]*=\S*)*)/;

/**
 * The text of a message's content: a string, or its `text` blocks joined (tool_result blocks are not prompt text).
 * @param {any} content
 * @returns {string}
 */
export function textOf(content) {
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
export function parseDirective(text) {
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
export function readTurn(messages) {
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
export function intParam(params, name, fallback, min = 0) {
  const raw = params[name];
  if (raw === undefined) return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < min) throw badRequest(`fake-anthropic: ${name}=${raw} is not an integer >= ${min}`);
  return value;
}

/** @param {Record<string, string>} params @param {string} name @param {string} fallback */
export function jsonParam(params, name, fallback) {
  const raw = params[name] ?? fallback;
  try {
    return JSON.parse(raw);
  } catch {
    throw badRequest(`fake-anthropic: ${name}=${raw} is not JSON (a value must contain no spaces)`);
  }
}
