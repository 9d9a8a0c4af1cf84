import type { UIMessageChunk } from "ai";

/** A chunk on its way to the log: its JSON, and its text when it is a delta that may be merged. */
export interface PendingChunk {
  readonly line: string;
  /** set for a plain delta (no extra fields): what it appends, and to which part */
  readonly delta?: { readonly type: DeltaType; readonly part: string; readonly text: string };
}

type DeltaType = "text-delta" | "reasoning-delta" | "tool-input-delta";

/**
 * Wraps a chunk for `mergeDeltas`. Only deltas with exactly their protocol fields merge: one that
 * carries `providerMetadata` (or anything else) keeps its own chunk, so nothing is ever dropped.
 */
export function pendingChunk(chunk: UIMessageChunk): PendingChunk {
  const line = JSON.stringify(chunk);
  switch (chunk.type) {
    case "text-delta":
    case "reasoning-delta":
      return Object.keys(chunk).length === 3 ? { line, delta: { type: chunk.type, part: chunk.id, text: chunk.delta } } : { line };
    case "tool-input-delta":
      return Object.keys(chunk).length === 3
        ? { line, delta: { type: chunk.type, part: chunk.toolCallId, text: chunk.inputTextDelta } }
        : { line };
    default:
      return { line };
  }
}

/**
 * The chunk JSON lines one flush writes: consecutive deltas of the same part become one delta whose
 * text is theirs joined. The AI SDK assembles the same message from either (a part's text is the
 * concatenation of its deltas), so a flush of k deltas costs followers one chunk, one SSE event and
 * one WebSocket frame instead of k. The merged chunk is what the log keeps, so a replay sends exactly
 * what live followers got, and every chunk keeps its own cursor.
 */
export function mergeDeltas(pending: readonly PendingChunk[]): string[] {
  const out: string[] = [];
  let i = 0;
  while (i < pending.length) {
    const first = pending[i]!;
    const delta = first.delta;
    let j = i + 1;
    if (delta) {
      while (j < pending.length && pending[j]!.delta?.type === delta.type && pending[j]!.delta?.part === delta.part) j++;
    }
    if (!delta || j === i + 1) {
      out.push(first.line);
    } else {
      let text = "";
      for (let k = i; k < j; k++) text += pending[k]!.delta!.text;
      out.push(deltaLine(delta.type, delta.part, text));
    }
    i = j;
  }
  return out;
}

/** The same key order as the agent's own chunks (anthropic-step-mapper.ts). */
function deltaLine(type: DeltaType, part: string, text: string): string {
  return type === "tool-input-delta"
    ? JSON.stringify({ type, toolCallId: part, inputTextDelta: text })
    : JSON.stringify({ type, id: part, delta: text });
}
