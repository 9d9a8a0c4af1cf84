// @ts-check
/**
 * The wire frames of one streamed Message: the SSE events the real API sends (message_start, ping,
 * content_block_start/delta/stop, message_delta, message_stop), then the Plan's ending.
 */

/**
 * @typedef {import("./scenarios.js").BlockPlan} BlockPlan
 * @typedef {import("./scenarios.js").Plan} Plan
 * @typedef {import("./input-usage.js").InputUsage} InputUsage
 * @typedef {{ text: string, token: boolean }} Frame  `token`: a content_block_delta, paced by `rate`
 */

/** A `ping` every this many deltas, as the real API interleaves them in long answers. */
const PING_EVERY_DELTAS = 100;
/** input_json_delta pieces a tool input is split into (after the real API's leading empty piece). */
const JSON_PIECES = 4;

/** The SSE body stops here and sends nothing until the client goes away. */
export const STALL = Symbol("stall");

/** @param {{ type: string, [field: string]: unknown }} event @param {boolean} token @returns {Frame} */
function frame(event, token = false) {
  return { text: `event: ${event.type}\ndata: ${JSON.stringify(event)}\n\n`, token };
}

/** @param {BlockPlan} block */
function startOf(block) {
  if (block.type === "text") return block.citations ? { type: "text", text: "", citations: [] } : { type: "text", text: "" };
  if (block.type === "thinking") return { type: "thinking", thinking: "", signature: "" };
  if (block.type === "server_tool_use")
    return { type: "server_tool_use", id: block.id, name: block.name, input: {}, caller: { type: "direct" } };
  // A server tool's result arrives whole in its start event, with no deltas.
  if (block.type === "web_search_tool_result" || block.type === "web_fetch_tool_result")
    return { type: block.type, tool_use_id: block.tool_use_id, content: block.content, caller: { type: "direct" } };
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
  if (block.type === "web_search_tool_result" || block.type === "web_fetch_tool_result") return;
  // The real API sends a cited passage's citations first, then its text.
  if (block.type === "text") for (const citation of block.citations ?? []) yield { type: "citations_delta", citation };
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
export function* messageFrames(plan, meta) {
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
  let thinkingTokens = 0;
  for (const [index, block] of plan.blocks.entries()) {
    yield frame({ type: "content_block_start", index, content_block: startOf(block) });
    for (const delta of deltasOf(block)) {
      outputTokens += 1;
      if (block.type === "thinking") thinkingTokens += 1;
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
        usage: {
          ...meta.usage,
          output_tokens: outputTokens,
          output_tokens_details: { thinking_tokens: thinkingTokens },
          server_tool_use: {
            web_search_requests: plan.blocks.filter((b) => b.type === "server_tool_use" && b.name === "web_search").length,
            web_fetch_requests: plan.blocks.filter((b) => b.type === "server_tool_use" && b.name === "web_fetch").length,
          },
        },
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
