import { isToolUIPart, type UIMessage, type UIMessageChunk } from "ai";
import { approvalRecord } from "../protocol/approval-record";
import type { ClientToolPart } from "../protocol/chat-request";
import { MAX_CLIENT_OUTPUT_BYTES } from "../protocol/client-tools";
import { fail, type Result } from "../protocol/error-code";

/** A tool call of the waiting message that has no outcome yet, as history and the page show it. */
export type PendingTool =
  | { kind: "approval"; toolCallId: string; toolName: string; input: unknown; approvalId: string }
  | { kind: "client"; toolCallId: string; toolName: string; input: unknown };

interface StoredToolPart {
  toolCallId: string;
  toolName: string;
  state: string;
  input?: unknown;
  output?: unknown;
  errorText?: string;
  approval?: { id: string; approved?: boolean; reason?: string };
}

function storedToolParts(message: UIMessage): Map<string, StoredToolPart> {
  const parts = new Map<string, StoredToolPart>();
  for (const part of message.parts) {
    if (!isToolUIPart(part)) continue;
    const p = part as unknown as StoredToolPart & { type: string; toolName?: string };
    parts.set(p.toolCallId, { ...p, toolName: p.type === "dynamic-tool" ? (p.toolName ?? "") : p.type.slice("tool-".length) });
  }
  return parts;
}

/** The calls of a waiting message that still need a person's decision or a browser tool's output. */
export function pendingToolsOf(message: UIMessage, clientTools: ReadonlySet<string>): PendingTool[] {
  const pending: PendingTool[] = [];
  for (const part of storedToolParts(message).values()) {
    const base = { toolCallId: part.toolCallId, toolName: part.toolName, input: part.input };
    if (part.state === "approval-requested" && part.approval) pending.push({ kind: "approval", ...base, approvalId: part.approval.id });
    else if (part.state === "input-available" && clientTools.has(part.toolName)) pending.push({ kind: "client", ...base });
  }
  return pending;
}

/**
 * Checks a client's answers against the waiting message in the log and returns the chunks that record
 * the new ones. Only decisions on approvals the server issued, and outputs of browser tools that are
 * still pending, are taken; a part the client repeats unchanged (the server's own output, an answer it
 * already recorded) is ignored; anything else the client changed is refused and nothing is recorded.
 */
export function matchAnswers(
  waiting: UIMessage,
  clientTools: ReadonlySet<string>,
  claimed: readonly ClientToolPart[],
): Result<{ chunks: UIMessageChunk[] }> {
  const stored = storedToolParts(waiting);
  const chunks: UIMessageChunk[] = [];
  for (const part of claimed) {
    const own = stored.get(part.toolCallId);
    if (!own) return fail("tool_output_not_allowed", `Tool call "${part.toolCallId}" is not in this message.`);
    if (own.input !== undefined && part.input !== undefined && canonical(own.input) !== canonical(part.input)) {
      return fail("tool_input_mismatch", `The input of tool call "${part.toolCallId}" differs from the one Claude made.`);
    }
    if (part.approval && part.approval.approved !== undefined) {
      if (own.approval?.id !== part.approval.id)
        return fail("unknown_approval", `Approval "${part.approval.id}" was never requested here.`);
      if (own.state === "approval-requested") {
        chunks.push(
          approvalRecord({
            approvalId: own.approval.id,
            approved: part.approval.approved,
            reason: part.approval.reason?.slice(0, MAX_REASON_CHARS),
          }),
        );
        continue;
      }
      if (own.approval.approved !== part.approval.approved) {
        return fail("already_answered", `Approval "${own.approval.id}" was already answered.`);
      }
      continue;
    }
    if (part.state !== "output-available" && part.state !== "output-error") continue;
    const isClientTool = clientTools.has(own.toolName);
    if (own.state === "input-available" && isClientTool) {
      const outcome = clientOutcome(part);
      if (!outcome.ok) return outcome;
      chunks.push(outcome.chunk);
      continue;
    }
    if (sameOutcome(own, part)) continue;
    if (!isClientTool) return fail("tool_output_not_allowed", `Tool "${own.toolName}" runs on the server; its output cannot be supplied.`);
    return fail("already_answered", `Tool call "${part.toolCallId}" already has its output.`);
  }
  if (chunks.length === 0) return fail("already_answered", "The message has no new answer: every answer in it is already recorded.");
  return { ok: true, chunks };
}

/** characters of a denial's reason kept: Claude reads it, the log keeps it */
const MAX_REASON_CHARS = 1_000;

function clientOutcome(part: ClientToolPart): Result<{ chunk: UIMessageChunk }> {
  if (part.state === "output-error") {
    const errorText = String(part.errorText ?? "The tool failed in the browser.").slice(0, MAX_REASON_CHARS);
    return { ok: true, chunk: { type: "tool-output-error", toolCallId: part.toolCallId, errorText } };
  }
  const json = JSON.stringify(part.output ?? null);
  if (new TextEncoder().encode(json).byteLength > MAX_CLIENT_OUTPUT_BYTES) {
    return fail("message_too_large", `A client tool's output may have at most ${MAX_CLIENT_OUTPUT_BYTES} bytes as JSON.`);
  }
  return { ok: true, chunk: { type: "tool-output-available", toolCallId: part.toolCallId, output: JSON.parse(json) as unknown } };
}

function sameOutcome(own: StoredToolPart, part: ClientToolPart): boolean {
  if (own.state !== part.state) return false;
  return part.state === "output-available" ? canonical(own.output) === canonical(part.output) : own.errorText === part.errorText;
}

/** JSON with object keys sorted, so two equal values compare equal whatever their key order. */
export function canonical(value: unknown): string {
  return JSON.stringify(value, (_key, v: unknown) =>
    v !== null && typeof v === "object" && !Array.isArray(v)
      ? Object.fromEntries(Object.entries(v as Record<string, unknown>).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)))
      : v,
  );
}

/** A server tool call a person approved: it runs when every waiting call of its message is answered. */
export interface ApprovedCall {
  id: string;
  name: string;
  input: unknown;
}

/**
 * When nothing of the message waits any more: the denials to record and the approved calls to run
 * before Claude is called again. Undefined while an approval or a browser tool's output is missing.
 */
export function resolutionOf(
  message: UIMessage,
  clientTools: ReadonlySet<string>,
): { chunks: UIMessageChunk[]; approvedCalls: ApprovedCall[] } | undefined {
  if (pendingToolsOf(message, clientTools).length > 0) return undefined;
  const chunks: UIMessageChunk[] = [];
  const approvedCalls: ApprovedCall[] = [];
  for (const part of storedToolParts(message).values()) {
    if (part.state !== "approval-responded") continue;
    if (part.approval?.approved === true) approvedCalls.push({ id: part.toolCallId, name: part.toolName, input: part.input });
    else chunks.push({ type: "tool-output-denied", toolCallId: part.toolCallId });
  }
  return { chunks, approvedCalls };
}

/**
 * The chunks that end a wait nobody answered (a new message came instead, or a stop): every call that
 * waits gets its one outcome. An approval still open is denied with the reason, so Claude reads why;
 * a call already approved but not run, and a browser tool's call, end with an error saying why.
 */
export function closingChunks(message: UIMessage, clientTools: ReadonlySet<string>, reason: string): UIMessageChunk[] {
  const chunks: UIMessageChunk[] = [];
  for (const part of storedToolParts(message).values()) {
    if (part.state === "approval-requested" && part.approval) {
      chunks.push(approvalRecord({ approvalId: part.approval.id, approved: false, reason }));
      chunks.push({ type: "tool-output-denied", toolCallId: part.toolCallId });
    } else if (part.state === "approval-responded") {
      if (part.approval?.approved === true)
        chunks.push({ type: "tool-output-error", toolCallId: part.toolCallId, errorText: `Not run: ${reason}` });
      else chunks.push({ type: "tool-output-denied", toolCallId: part.toolCallId });
    } else if (part.state === "input-available" && clientTools.has(part.toolName)) {
      chunks.push({ type: "tool-output-error", toolCallId: part.toolCallId, errorText: `Not run: ${reason}` });
    }
  }
  return chunks;
}
