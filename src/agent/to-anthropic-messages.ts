import type { ContentBlockParam, MessageParam, ToolResultBlockParam } from "@anthropic-ai/sdk/resources/messages/messages";
import { type FileUIPart, getToolName, isToolUIPart, type UIMessage } from "ai";
import { kindOf, parseFileRef } from "../protocol/file-parts";
import type { ContextFiles } from "./model-context";
import { isServerToolName, serverToolErrorCode } from "./server-tools";

/** Introduces the summary of compacted turns to the model. */
export const SUMMARY_PREFIX = "Summary of the earlier part of this conversation (older messages were compacted):";

/** Shown to the model for a call a person denied (their reason follows, when they gave one). */
export const DENIED_TOOL_RESULT = "The user denied this tool call.";

/** Shown to the model for a tool call whose outcome never got stored (a crash or a stop mid-call). */
export const INTERRUPTED_TOOL_RESULT = "Tool call was interrupted before it returned a result.";

/**
 * Builds Claude's messages from the session log (the source of truth, never the client's copy).
 * Each assistant step (split on `step-start`) becomes an assistant message, followed by a user
 * message holding one `tool_result` for every `tool_use` of that step, so every call is paired even
 * when its outcome was lost. Thinking blocks keep their signatures, as Claude requires when tools
 * are used with extended thinking. Consecutive messages of one role are merged, since the API
 * expects the roles to alternate.
 */
export function toAnthropicMessages(history: readonly UIMessage[], summary?: string, files: ContextFiles = new Map()): MessageParam[] {
  const out: MessageParam[] = [];
  const push = (role: "user" | "assistant", content: ContentBlockParam[]) => {
    if (content.length === 0) return;
    const last = out.at(-1);
    if (last && last.role === role && Array.isArray(last.content)) last.content.push(...content);
    else out.push({ role, content: [...content] });
  };

  // A compacted session starts with the summary of its older turns, as the first user turn.
  if (summary) push("user", [{ type: "text", text: `${SUMMARY_PREFIX}\n${summary}` }]);
  for (const message of history) {
    if (message.role === "user") {
      push("user", userContent(message, files));
    } else if (message.role === "assistant") {
      for (const step of splitSteps(message.parts)) {
        const { assistant, results } = stepContent(step);
        push("assistant", assistant);
        push("user", results);
      }
    }
    // System messages in the log are not sent as turns; the system prompt is configuration.
  }
  return out;
}

function userContent(message: UIMessage, files: ContextFiles): ContentBlockParam[] {
  const blocks: ContentBlockParam[] = [];
  for (const part of message.parts) {
    if (part.type === "text" && part.text.trim() !== "") blocks.push({ type: "text", text: part.text });
    else if (part.type === "file") blocks.push(fileBlock(part, files));
  }
  return blocks;
}

/**
 * An attachment as Claude takes it, in the user turn that attached it: an image block, a PDF as a
 * document block, a text file as a plain-text document (titled with its name). An image or PDF goes
 * by its Files API id when it has one, else as base64 (streamed in place of its placeholder:
 * file-bodies.ts); the turn's prompt-cache breakpoint sits after it, so later steps and turns read it
 * from the cache.
 */
function fileBlock(part: FileUIPart, files: ContextFiles): ContentBlockParam {
  const sha = parseFileRef(part.url);
  const file = sha ? files.get(sha) : undefined;
  const name = part.filename ?? "attachment";
  if (!file) return { type: "text", text: `[The attached file ${name} is no longer available.]` };
  const kind = kindOf(part.mediaType);
  if ("fileId" in file) {
    const source = { type: "file" as const, file_id: file.fileId };
    return kind === "image" ? { type: "image", source } : { type: "document", source, title: name };
  }
  if ("text" in file) return { type: "document", source: { type: "text", media_type: "text/plain", data: file.text }, title: name };
  if (kind === "image") {
    const media_type = part.mediaType as "image/png" | "image/jpeg" | "image/gif" | "image/webp";
    return { type: "image", source: { type: "base64", media_type, data: file.base64 } };
  }
  return { type: "document", source: { type: "base64", media_type: "application/pdf", data: file.base64 }, title: name };
}

type Part = UIMessage["parts"][number];

function splitSteps(parts: readonly Part[]): Part[][] {
  const steps: Part[][] = [[]];
  for (const part of parts) {
    if (part.type === "step-start") {
      if (steps.at(-1)!.length > 0) steps.push([]);
    } else {
      steps.at(-1)!.push(part);
    }
  }
  return steps;
}

function stepContent(parts: readonly Part[]): { assistant: ContentBlockParam[]; results: ToolResultBlockParam[] } {
  const assistant: ContentBlockParam[] = [];
  const results: ToolResultBlockParam[] = [];
  for (const part of parts) {
    if (part.type === "text") {
      if (part.text !== "") assistant.push({ type: "text", text: part.text });
    } else if (part.type === "reasoning") {
      const signature = anthropicSignature(part.providerMetadata);
      // Without its signature Claude rejects a thinking block; an unsigned one (cut mid-stream) is dropped.
      if (signature) assistant.push({ type: "thinking", thinking: part.text, signature });
    } else if (isToolUIPart(part) && part.providerExecuted === true) {
      // Claude's own tool (web search, web fetch): the call and its result both belong to the assistant turn.
      assistant.push(...serverToolBlocks(part));
    } else if (isToolUIPart(part)) {
      const input = part.state === "input-streaming" || typeof part.input !== "object" || part.input === null ? {} : part.input;
      assistant.push({ type: "tool_use", id: part.toolCallId, name: getToolName(part), input });
      results.push(toolResult(part));
    }
  }
  return { assistant, results };
}

function serverToolBlocks(part: Extract<Part, { toolCallId: string }>): ContentBlockParam[] {
  const name = getToolName(part);
  if (!isServerToolName(name)) return [];
  const input = typeof part.input === "object" && part.input !== null ? part.input : {};
  const resultType = name === "web_search" ? "web_search_tool_result" : "web_fetch_tool_result";
  const content =
    part.state === "output-available"
      ? part.output
      : {
          type: `${resultType}_error`,
          error_code: part.state === "output-error" ? serverToolErrorCode(part.errorText ?? "") : "unavailable",
        };
  return [
    { type: "server_tool_use", id: part.toolCallId, name, input },
    { type: resultType, tool_use_id: part.toolCallId, content } as ContentBlockParam,
  ];
}

function toolResult(part: Extract<Part, { toolCallId: string }>): ToolResultBlockParam {
  if (part.state === "output-available") {
    const output = part.output;
    return {
      type: "tool_result",
      tool_use_id: part.toolCallId,
      content: typeof output === "string" ? output : JSON.stringify(output ?? null),
    };
  }
  if (part.state === "output-error") {
    return { type: "tool_result", tool_use_id: part.toolCallId, content: part.errorText ?? "Tool failed", is_error: true };
  }
  if (part.state === "output-denied") {
    const reason = (part as { approval?: { reason?: string } }).approval?.reason;
    return {
      type: "tool_result",
      tool_use_id: part.toolCallId,
      content: `${DENIED_TOOL_RESULT}${reason ? ` Reason: ${reason}` : ""}`,
      is_error: true,
    };
  }
  return { type: "tool_result", tool_use_id: part.toolCallId, content: INTERRUPTED_TOOL_RESULT, is_error: true };
}

function anthropicSignature(metadata: unknown): string | undefined {
  if (typeof metadata !== "object" || metadata === null) return undefined;
  const anthropic = (metadata as { anthropic?: unknown }).anthropic;
  if (typeof anthropic !== "object" || anthropic === null) return undefined;
  const signature = (anthropic as { signature?: unknown }).signature;
  return typeof signature === "string" && signature !== "" ? signature : undefined;
}
