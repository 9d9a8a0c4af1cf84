import {
  getToolName,
  isToolUIPart,
  lastAssistantMessageIsCompleteWithApprovalResponses,
  lastAssistantMessageIsCompleteWithToolCalls,
} from "ai";
import type { ChatMessage } from "./chat-message";
import { clientTool } from "./client-tools";

/**
 * `useChat`'s `sendAutomaticallyWhen`: the waiting answer goes back to the server once every question
 * of its last step is answered (all approvals decided, or all calls done with a browser tool among
 * them). The browser-tool condition alone would also hold for an answer whose last step ran only
 * server tools (a turn cut at its step limit), and sending that would only be refused.
 */
export function sendAnswersWhen({ messages }: { messages: ChatMessage[] }): boolean {
  if (lastAssistantMessageIsCompleteWithApprovalResponses({ messages })) return true;
  if (!lastAssistantMessageIsCompleteWithToolCalls({ messages })) return false;
  const parts = messages.at(-1)?.parts ?? [];
  const lastStep = parts.slice(parts.findLastIndex((part) => part.type === "step-start") + 1);
  return lastStep.some((part) => isToolUIPart(part) && clientTool(getToolName(part)) !== undefined);
}
