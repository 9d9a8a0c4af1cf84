import type { FinishReason, UIMessage, UIMessageChunk } from "ai";
import { isToolUIPart } from "ai";
import type { MessageAssembler } from "./message-assembler";

export const INTERRUPTED_TOOL_TEXT = "Tool call was interrupted";

/** Tool part states without an outcome. */
const OPEN_TOOL_STATES = new Set(["input-streaming", "input-available", "approval-requested", "approval-responded"]);

export interface CloseReason {
  /** Text of the `error` chunk; also appended to each interrupted tool call's errorText. */
  errorText: string;
  /** Defaults to `error`, or `stop` with `withoutError`. */
  finishReason?: FinishReason;
  /** A normal end: close what is open and finish, without an `error` chunk. */
  withoutError?: boolean;
  /**
   * The message goes on (a turn continued after a crash): close what is open, give pending tool calls
   * their outcome and end the step, but send neither `error` nor `finish`.
   */
  continuing?: boolean;
  /**
   * The turn ends waiting for answers (an approval, a browser tool's output): its pending tool calls
   * keep no outcome, since the answer's turn gives them one.
   */
  keepPendingCalls?: boolean;
}

/**
 * The chunks that end a turn cleanly after a failure, a stop or a crash. Pure: the caller applies them
 * to the assembler (and sends them) itself, in the returned order. Derived from the assembler's state,
 * so once they are applied a second call returns nothing: `finish` was seen, the turn has ended.
 *
 * Order, and why:
 * 0. `start` only if none was applied: a client rebuilds the message from `start` (PROTOCOL.md section 2).
 * 1. `tool-output-error` for every tool call without an outcome, one per toolCallId: the call then has
 *    exactly one outcome, since nothing is sent for a call that has one. The SDK (5.x to 7.x) finds the
 *    part by id in any state, so a call still in `input-streaming` needs no `tool-input-available` first;
 *    that chunk would also run the client's `onToolCall` for a call that will never run. The client keeps
 *    the partial input it parsed, and so does the assembler. Outcomes come before `finish-step`, where
 *    the SDK's own producer puts tool results: inside the step that made the call.
 * 2. `reasoning-end` / `text-end` for open parts, before `finish-step`: ai 5.x and 6.x forget open parts
 *    at `finish-step`, so a later `*-end` would throw there (ai 7 keeps them open; either order works).
 * 3. `finish-step` if a step is open, so the step is complete for clients that track steps.
 * 4. `error`, then `finish`: `error` sets the client's error state; `finish` is the last chunk of a turn.
 */
export function closeOpenParts(assembler: MessageAssembler, reason: CloseReason): UIMessageChunk[] {
  if (assembler.finished) return [];
  const chunks: UIMessageChunk[] = [];
  if (!assembler.started) chunks.push({ type: "start", messageId: assembler.messageId });

  const toolErrorText = reason.errorText ? `${INTERRUPTED_TOOL_TEXT}: ${reason.errorText}` : INTERRUPTED_TOOL_TEXT;
  const closedCalls = new Set<string>();
  for (const call of reason.keepPendingCalls ? [] : assembler.pendingToolCalls()) {
    // A toolCallId on two parts (only in a malformed stream) still gets one outcome: the SDK resolves it to one part.
    if (closedCalls.has(call.toolCallId)) continue;
    closedCalls.add(call.toolCallId);
    chunks.push({ type: "tool-output-error", toolCallId: call.toolCallId, errorText: toolErrorText });
  }
  for (const id of assembler.openReasoningIds()) chunks.push({ type: "reasoning-end", id });
  for (const id of assembler.openTextIds()) chunks.push({ type: "text-end", id });
  if (assembler.stepOpen) chunks.push({ type: "finish-step" });

  if (reason.continuing) return chunks;
  if (!reason.withoutError) chunks.push({ type: "error", errorText: reason.errorText });
  chunks.push({ type: "finish", finishReason: reason.finishReason ?? (reason.withoutError ? "stop" : "error") });
  return chunks;
}

/**
 * History as served when no turn runs: a tool call stored without an outcome can never get one, so it is
 * shown as failed instead of pending forever. Returns a copy; the stored message is not touched.
 */
export function finalizeInterruptedToolParts(message: UIMessage): UIMessage {
  return {
    ...message,
    parts: message.parts.map((part) => {
      if (!isToolUIPart(part) || !OPEN_TOOL_STATES.has(part.state)) return part;
      const closed: Record<string, unknown> = { ...part, state: "output-error", errorText: INTERRUPTED_TOOL_TEXT };
      // rawInput on an output-error part is deprecated (validateUIMessages warns); inputEncoding only describes streaming input.
      delete closed.rawInput;
      delete closed.inputEncoding;
      return closed as unknown as typeof part;
    }),
  };
}
