import type { UIMessageChunk } from "ai";

/** The data chunk type that records a person's decision on a tool approval in the log. */
export const APPROVAL_RECORD_TYPE = "data-tool-approval";

export interface ApprovalDecision {
  approvalId: string;
  approved: boolean;
  reason?: string | undefined;
}

/**
 * A decision as it goes into the turn's stream: a transient data chunk. ai 7 has a
 * `tool-approval-response` chunk, but ai 5 and 6 reject chunk types they do not know, and every
 * version accepts a transient data chunk (it reaches `onData` and leaves the message alone). The log
 * keeps it, so a replay and a crash recovery know the decision; the stored message applies it as ai 7
 * applies `tool-approval-response` (see `asApprovalResponse`), which is also what the answering
 * client already shows after `addToolApprovalResponse`.
 */
export function approvalRecord(decision: ApprovalDecision): UIMessageChunk {
  const data: ApprovalDecision = { approvalId: decision.approvalId, approved: decision.approved };
  if (decision.reason) data.reason = decision.reason;
  return { type: APPROVAL_RECORD_TYPE, id: decision.approvalId, data, transient: true };
}

/** The `tool-approval-response` a decision record stands for, or undefined for any other chunk. */
export function asApprovalResponse(chunk: UIMessageChunk): UIMessageChunk | undefined {
  if (chunk.type !== APPROVAL_RECORD_TYPE) return undefined;
  const data = (chunk as { data?: Partial<ApprovalDecision> }).data;
  if (typeof data?.approvalId !== "string" || typeof data.approved !== "boolean") return undefined;
  return {
    type: "tool-approval-response",
    approvalId: data.approvalId,
    approved: data.approved,
    ...(typeof data.reason === "string" ? { reason: data.reason } : {}),
  };
}
