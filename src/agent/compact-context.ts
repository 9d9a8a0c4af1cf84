import type Anthropic from "@anthropic-ai/sdk";
import { getToolName, isToolUIPart, type UIMessage } from "ai";
import { AgentFailure, toAgentFailure } from "./agent-failure";
import { CHARS_PER_TOKEN, estimateTokens, type ModelContext, type StoredContextMessage } from "./model-context";

/** tokens the summary may have */
const SUMMARY_MAX_TOKENS = 2_048;
/** characters of one tool input or output quoted in the transcript that is summarised */
const MAX_QUOTED_TOOL_CHARS = 2_000;

const SUMMARY_SYSTEM_PROMPT =
  "You compress conversations. Summarise the conversation transcript you are given so that an assistant can continue it " +
  "without the original: keep the user's goals, facts and numbers established, decisions, tool results that matter, and open " +
  "questions. Write plain prose or short lists, at most a few hundred words. Reply with the summary only.";

/**
 * Makes room in the model's context by summarising older turns. The newest messages are kept, up to
 * half the budget and starting at a user message (so no tool call is split from its result); what
 * comes before them, with any earlier summary, is summarised by the model. Returns the smaller
 * context, or the same one when there is nothing older to summarise.
 */
export async function compactContext(
  client: Anthropic,
  model: string,
  context: ModelContext,
  budgetTokens: number,
): Promise<{ context: ModelContext; summarised: StoredContextMessage[] }> {
  const keepFrom = keepIndex(context.messages, budgetTokens / 2);
  if (keepFrom === 0) return { context, summarised: [] };
  const older = context.messages.slice(0, keepFrom);
  const transcript = fitTokens(renderTranscript(context.summary, older), budgetTokens / 2);
  let summary: string;
  try {
    const message = await client.messages.create({
      model,
      max_tokens: SUMMARY_MAX_TOKENS,
      system: SUMMARY_SYSTEM_PROMPT,
      messages: [{ role: "user", content: transcript }],
    });
    summary = message.content
      .map((block) => (block.type === "text" ? block.text : ""))
      .join("\n")
      .trim();
  } catch (error) {
    const failure = toAgentFailure(error);
    throw new AgentFailure("context_too_long", "The conversation is too long for the model and could not be summarised.", failure.detail);
  }
  if (summary === "") throw new AgentFailure("context_too_long", "The conversation is too long for the model and could not be summarised.");
  return { context: { summary, messages: context.messages.slice(keepFrom) }, summarised: older };
}

/** The first index of the newest run of messages that fits `tokens`, at a user message; 0 if all fit or none can go. */
function keepIndex(messages: readonly StoredContextMessage[], tokens: number): number {
  let used = 0;
  let keepFrom = messages.length;
  for (let i = messages.length - 1; i >= 0; i--) {
    used += estimateTokens(messages[i]!.message.parts);
    if (used > tokens && keepFrom < messages.length) break;
    if (messages[i]!.message.role === "user") keepFrom = i;
  }
  return keepFrom === messages.length ? 0 : keepFrom;
}

function renderTranscript(previous: string | undefined, messages: readonly StoredContextMessage[]): string {
  const lines: string[] = [];
  if (previous) lines.push(`Summary of what came before:\n${previous}\n`);
  for (const { message } of messages) lines.push(renderMessage(message));
  return lines.join("\n");
}

function renderMessage(message: UIMessage): string {
  const who = message.role === "user" ? "User" : "Assistant";
  const parts: string[] = [];
  for (const part of message.parts) {
    if (part.type === "text" && part.text.trim() !== "") parts.push(part.text);
    else if (isToolUIPart(part)) {
      const outcome =
        part.state === "output-available"
          ? `returned ${JSON.stringify(part.output)}`
          : part.state === "output-error"
            ? `failed: ${part.errorText}`
            : "was interrupted";
      parts.push(`[tool ${getToolName(part)}(${clip(JSON.stringify(part.input ?? {}))}) ${clip(outcome)}]`);
    }
  }
  return `${who}: ${parts.join("\n")}`;
}

function clip(text: string): string {
  return text.length <= MAX_QUOTED_TOOL_CHARS ? text : `${text.slice(0, MAX_QUOTED_TOOL_CHARS)}…`;
}

/** Keeps the end of a transcript that fits `tokens`: the most recent part matters most. */
function fitTokens(text: string, tokens: number): string {
  const maxChars = Math.floor(tokens * CHARS_PER_TOKEN);
  return text.length <= maxChars ? text : `[earlier part omitted]\n${text.slice(text.length - maxChars)}`;
}
