import type { FinishReason } from "ai";
import type { ErrorCode } from "../protocol/error-code";

/** How a turn ends. Exactly one of these is applied to a turn, whoever gets there first. */
export type TurnEnd =
  | { kind: "finished"; finishReason: FinishReason }
  | { kind: "failed"; code: ErrorCode; errorText: string }
  | { kind: "cancelled" }
  /** The last step's calls wait for a person's approval or a browser tool's output; the turn ends, the message does not. */
  | { kind: "waiting" };
