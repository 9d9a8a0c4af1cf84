import type Anthropic from "@anthropic-ai/sdk";
import { titleFromText } from "../protocol/title";

/** tokens the title call may produce; a 3-6 word title needs far fewer */
const TITLE_MAX_TOKENS = 24;

const TITLE_SYSTEM_PROMPT =
  "You name chat sessions. Reply with a title of 3 to 6 words for the conversation that starts with the user's message. " +
  "Reply with the title only: no quotes, no punctuation at the end.";

/**
 * A short title from a small, cheap model call on the first user message (sent as the user turn,
 * with the instructions in the system prompt). Null when the model gave no usable title; a failed call
 * rejects, and the caller logs it off the turn's path: a session without a title is fine, a failed
 * turn because of its title is not.
 */
export async function generateTitle(client: Anthropic, model: string, firstMessage: string): Promise<string | null> {
  const message = await client.messages.create(
    { model, max_tokens: TITLE_MAX_TOKENS, system: TITLE_SYSTEM_PROMPT, messages: [{ role: "user", content: firstMessage }] },
    // One attempt: a title is not worth a retry storm against a struggling API.
    { maxRetries: 0 },
  );
  const text = message.content.map((block) => (block.type === "text" ? block.text : "")).join(" ");
  const firstLine = text.split("\n").find((line) => line.trim() !== "") ?? "";
  return titleFromText(firstLine.replace(/^["'*#\s]+|["'*.\s]+$/g, ""));
}
