// What the crash test asserts about one interrupted turn: its chunks (seen before the kill plus
// those a resuming follower got after it) and the session's history afterwards. Each check returns a
// list of problems; an empty list is a pass.
import { isDeepStrictEqual } from "node:util";
import { readUIMessageStream, uiMessageChunkSchema } from "ai";

/** @typedef {import('./sse.mjs').SseChunk} SseChunk */

const TOOL_OUTCOMES = new Set(["tool-output-available", "tool-output-error"]);

/**
 * Ids are consecutive from `from`: no gap, no duplicate, no reordering.
 * @param {SseChunk[]} chunks @param {number} from @param {string} what
 */
export function checkConsecutive(chunks, from, what) {
  const problems = [];
  let expected = from;
  for (const { id } of chunks) {
    if (id !== expected) {
      problems.push(`${what}: id ${id} where ${expected} was expected (${id < expected ? "duplicate or reordered" : "gap"})`);
      expected = id;
    }
    expected += 1;
  }
  return problems;
}

/**
 * The whole turn as a client assembled it: one `start` first, one `finish` last, every chunk valid
 * for the AI SDK's schema, every tool call with exactly one outcome.
 * @param {SseChunk[]} chunks
 */
export async function checkTurnShape(chunks) {
  const problems = [];
  const types = chunks.map((c) => c.chunk.type);
  if (types[0] !== "start") problems.push(`the turn does not begin with start (first: ${types[0] ?? "nothing"})`);
  if (types.at(-1) !== "finish") problems.push(`the turn does not end with finish (last: ${types.at(-1) ?? "nothing"})`);
  const starts = types.filter((t) => t === "start").length;
  const finishes = types.filter((t) => t === "finish").length;
  if (starts > 1) problems.push(`${starts} start chunks`);
  if (finishes > 1) problems.push(`${finishes} finish chunks`);

  for (const { id, chunk } of chunks) {
    const parsed = await uiMessageChunkSchema().validate?.(chunk);
    if (parsed && !parsed.success) problems.push(`chunk ${id} (${chunk.type}) fails the AI SDK's chunk schema`);
  }

  /** @type {Map<string, number>} toolCallId -> outcomes */
  const calls = new Map();
  for (const { id, chunk } of chunks) {
    if (chunk.type === "tool-input-start" || chunk.type === "tool-input-available") {
      if (!calls.has(chunk.toolCallId)) calls.set(chunk.toolCallId, 0);
    } else if (TOOL_OUTCOMES.has(chunk.type)) {
      const seen = calls.get(chunk.toolCallId);
      if (seen === undefined) problems.push(`chunk ${id}: ${chunk.type} for tool call ${chunk.toolCallId}, which never started`);
      else calls.set(chunk.toolCallId, seen + 1);
    }
  }
  for (const [toolCallId, outcomes] of calls) {
    if (outcomes !== 1) problems.push(`tool call ${toolCallId} has ${outcomes} outcomes (tool-output-available / tool-output-error)`);
  }
  return problems;
}

/**
 * Feeds the turn's chunks to the AI SDK's own reader, as `useChat` would: it throws on a stream a
 * client cannot assemble (a delta without its start, a tool chunk for an unknown call, ...).
 * @param {SseChunk[]} chunks
 * @returns {Promise<{ message: any, problems: string[] }>}
 */
export async function assembleWithAiSdk(chunks) {
  const problems = [];
  // `error` chunks reach onError as well; they are the turn's reported failure, not a broken stream.
  const errorTexts = new Set(chunks.filter((c) => c.chunk.type === "error").map((c) => c.chunk.errorText));
  const stream = new ReadableStream({
    start(controller) {
      for (const { chunk } of chunks) controller.enqueue(structuredClone(chunk));
      controller.close();
    },
  });
  let message;
  for await (const snapshot of readUIMessageStream({
    stream,
    onError: (error) => {
      const text = error instanceof Error ? error.message : String(error);
      if (!errorTexts.has(text)) problems.push(`the AI SDK cannot assemble the stream: ${text}`);
    },
  })) {
    message = snapshot;
  }
  if (!message) problems.push("the AI SDK assembled no message from the stream");
  return { message, problems };
}

/**
 * The session's history after the turn: nothing running, dense sequences, and the turn's assistant
 * message last, stored exactly as a client assembled it from the stream.
 * @param {any} view GET /api/sessions/:id
 * @param {{ messageCount: number, assistantId: string, userText: string, assembled: any }} expected
 */
export function checkView(view, { messageCount, assistantId, userText, assembled }) {
  const problems = [];
  if (view.activeStream !== null) problems.push(`activeStream is ${JSON.stringify(view.activeStream).slice(0, 200)}, not null`);
  const sequences = view.sequences ?? [];
  const dense = sequences.every((/** @type {number} */ seq, /** @type {number} */ i) => seq === i);
  if (!dense || sequences.length !== view.messages?.length) problems.push(`sequences are not dense 0..n-1: ${JSON.stringify(sequences)}`);
  if (view.messages?.length !== messageCount) problems.push(`${view.messages?.length} messages in history, ${messageCount} expected`);
  const last = view.messages?.at(-1);
  const user = view.messages?.at(-2);
  if (last?.id !== assistantId) problems.push(`the last message is ${last?.id}, not the turn's ${assistantId}`);
  else if (last.role !== "assistant") problems.push(`the turn's message has role ${last.role}`);
  if (user?.role !== "user" || user.parts?.map((/** @type {any} */ p) => p.text ?? "").join("") !== userText) {
    problems.push(`the message before the answer is not the user message sent (${JSON.stringify(user).slice(0, 200)})`);
  }
  if (last?.id === assistantId && assembled && !isDeepStrictEqual(normalise(last), normalise(assembled))) {
    problems.push(
      `the stored message differs from the one the AI SDK assembled from the stream: ${firstDifference(normalise(last), normalise(assembled))}`,
    );
  }
  return problems;
}

/** JSON round trip: drops undefined fields so a stored message and an assembled one compare by content. @param {unknown} value */
function normalise(value) {
  return JSON.parse(JSON.stringify(value));
}

/** A short description of where two JSON values first differ. @param {any} a stored @param {any} b assembled @param {string} [path] */
function firstDifference(a, b, path = "message") {
  if (isDeepStrictEqual(a, b)) return "";
  if (typeof a !== "object" || typeof b !== "object" || a === null || b === null || Array.isArray(a) !== Array.isArray(b)) {
    return `${path}: stored ${JSON.stringify(a)?.slice(0, 160)} vs assembled ${JSON.stringify(b)?.slice(0, 160)}`;
  }
  for (const key of new Set([...Object.keys(a), ...Object.keys(b)])) {
    if (!isDeepStrictEqual(a[key], b[key])) return firstDifference(a[key], b[key], `${path}.${key}`);
  }
  return path;
}

/**
 * The chunk sequence in a compact form for a failure report: runs of one type folded, the kill marked.
 * `0 start | 1 start-step | 2 text-start | 3-70 text-delta x68 || KILL || 71-80 text-delta x10 | ...`
 * @param {SseChunk[]} before @param {SseChunk[]} after
 */
export function compactSequence(before, after) {
  /** @param {SseChunk[]} chunks */
  const fold = (chunks) => {
    const out = [];
    let i = 0;
    while (i < chunks.length) {
      let j = i;
      const type = /** @type {SseChunk} */ (chunks[i]).chunk.type;
      while (j + 1 < chunks.length && /** @type {SseChunk} */ (chunks[j + 1]).chunk.type === type && type.endsWith("delta")) j += 1;
      const first = /** @type {SseChunk} */ (chunks[i]);
      const last = /** @type {SseChunk} */ (chunks[j]);
      out.push(j === i ? `${first.id} ${describe(first.chunk)}` : `${first.id}-${last.id} ${type} x${j - i + 1}`);
      i = j + 1;
    }
    return out.join(" | ");
  };
  return `${fold(before)} || KILL || ${fold(after)}`;
}

/** @param {{ type: string, [key: string]: any }} chunk */
function describe(chunk) {
  switch (chunk.type) {
    case "finish":
      return `finish(${chunk.finishReason ?? ""})`;
    case "error":
      return `error(${chunk.errorText})`;
    case "tool-input-start":
    case "tool-input-available":
    case "tool-output-available":
      return `${chunk.type}(${chunk.toolCallId})`;
    case "tool-output-error":
      return `tool-output-error(${chunk.toolCallId}: ${chunk.errorText})`;
    case "data-progress":
      return `data-progress(${chunk.data?.step}/${chunk.data?.steps})`;
    default:
      return chunk.type;
  }
}
