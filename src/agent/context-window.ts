import type Anthropic from "@anthropic-ai/sdk";
import type { MessageCountTokensParams } from "@anthropic-ai/sdk/resources/messages/messages";
import { filesBetaOptions } from "./anthropic-files";

/** tokens assumed when the Models API cannot say (Claude's standard window) */
export const FALLBACK_WINDOW_TOKENS = 200_000;
/**
 * Part of the model's input window a turn may start with before older turns are compacted: the rest
 * is room for the turn's own tool results and steps, which are added to the prompt as it runs.
 */
const BUDGET_SHARE_OF_WINDOW = 0.75;
/** ms a model's window is reused before the Models API is asked again (windows change with model releases, not turns) */
const WINDOW_TTL_MS = 24 * 3_600_000;
/**
 * A prompt whose characters / this is below the budget fits without asking the API: no text tokenises
 * to fewer than ~2 characters per token, so the count would only say yes.
 */
const MIN_CHARS_PER_TOKEN = 2;

/** Windows by model, shared by the session objects of one isolate. */
const windows = new Map<string, { tokens: number; at: number }>();

/**
 * The model's real input window (the Models API's `max_input_tokens`), cached; the fallback when the
 * API cannot say. Never rejects: a budget is needed either way.
 */
export async function modelWindow(client: Anthropic, model: string, now = Date.now()): Promise<{ tokens: number; known: boolean }> {
  const cached = windows.get(model);
  if (cached && now - cached.at < WINDOW_TTL_MS) return { tokens: cached.tokens, known: true };
  try {
    const info = await client.models.retrieve(model, {}, { maxRetries: 0 });
    if (typeof info.max_input_tokens === "number" && info.max_input_tokens > 0) {
      windows.set(model, { tokens: info.max_input_tokens, at: now });
      return { tokens: info.max_input_tokens, known: true };
    }
  } catch {
    // An older gateway or a model the Models API does not list: use Claude's standard window.
  }
  return { tokens: FALLBACK_WINDOW_TOKENS, known: false };
}

/** Input tokens a turn may start with: a share of the model's window, capped by CONTEXT_BUDGET_TOKENS when set. */
export function contextBudget(windowTokens: number, configured: number | undefined): number {
  const fromWindow = Math.floor(windowTokens * BUDGET_SHARE_OF_WINDOW);
  return configured === undefined ? fromWindow : Math.min(configured, fromWindow);
}

/**
 * The prompt's real size in tokens, from the API's token counting, or undefined when it cannot be
 * counted. A prompt too short to reach the budget whatever its tokenisation is not sent: its upper
 * bound is the answer then.
 */
export async function countPromptTokens(client: Anthropic, prompt: MessageCountTokensParams, budget: number): Promise<number | undefined> {
  const chars =
    JSON.stringify(prompt.messages).length + JSON.stringify(prompt.system ?? "").length + JSON.stringify(prompt.tools ?? []).length;
  const bound = Math.ceil(chars / MIN_CHARS_PER_TOKEN);
  // An image's or PDF's tokens do not follow from the request's characters (its bytes are a
  // placeholder or a file id there): only the API can count a prompt that carries one.
  if (bound < budget && !carriesMedia(prompt.messages)) return bound;
  try {
    return (await client.messages.countTokens(prompt, { maxRetries: 1, ...filesBetaOptions(prompt.messages) })).input_tokens;
  } catch {
    return undefined;
  }
}

function carriesMedia(messages: MessageCountTokensParams["messages"]): boolean {
  return messages.some(
    (message) =>
      Array.isArray(message.content) &&
      message.content.some((block) => block.type === "image" || (block.type === "document" && block.source.type !== "text")),
  );
}
