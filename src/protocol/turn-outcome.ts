import type { UIMessageChunk } from "ai";
import type { ErrorCode } from "./error-code";

/**
 * How a turn ended, stored with its assistant message (`metadata.outcome`) so that "Stopped" and a
 * failure's message survive a reload on every device. It travels as a `message-metadata` chunk like
 * any other, so the stored message still equals what live clients assembled.
 */
export interface TurnOutcome {
  /** `waiting`: the turn ended waiting for approvals or browser tools; the message goes on in a later turn. */
  status: "finished" | "waiting" | "cancelled" | "failed";
  /** null when the turn finished */
  errorCode: ErrorCode | null;
  /** The same text as the stream's `error` chunk; null when the turn finished. */
  errorText: string | null;
}

export function outcomeChunk(outcome: TurnOutcome): UIMessageChunk {
  return { type: "message-metadata", messageMetadata: { outcome } };
}
