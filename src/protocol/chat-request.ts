import { generateId, safeValidateUIMessages, type UIMessage } from "ai";
import { checkText, toUserMessage } from "./client-message";
import { fail, type Result } from "./error-code";

/** What a client may ask of a turn, once its request is parsed: the same for every transport. */
export type ChatInput = { trigger: "submit-message"; message: UIMessage } | { trigger: "regenerate-message" };

/**
 * The AI SDK's chat request as both transports carry it: the body `DefaultChatTransport` POSTs and the
 * `send` frame of `WebSocketChatTransport` have the same fields.
 */
export interface TranscriptRequest {
  trigger: "submit-message" | "regenerate-message";
  messageId?: string | undefined;
  messages: readonly unknown[];
}

/**
 * Turns a chat request into what the session is asked to do. The log, not the client's transcript,
 * is the truth: the transcript is checked as the AI SDK's own validator checks it (so HTTP and the
 * socket accept and refuse the same bodies), and only the new user message is taken from it.
 */
export async function readChatRequest(request: TranscriptRequest | { message: string }): Promise<Result<{ input: ChatInput }>> {
  if ("message" in request) {
    const text = request.message;
    const invalid = checkText(text);
    if (invalid) return invalid;
    return {
      ok: true,
      input: { trigger: "submit-message", message: { id: `msg_${generateId()}`, role: "user", parts: [{ type: "text", text }] } },
    };
  }
  if (request.trigger === "regenerate-message") return { ok: true, input: { trigger: "regenerate-message" } };
  if (request.messages.length === 0) return fail("invalid_request", "messages must not be empty.");
  // Our own rules on the new message first: they give the precise reason (and bound what the
  // validator below has to walk in its metadata).
  const last = toUserMessage(request.messages.at(-1));
  if (!last.ok) return last;
  const transcript = await safeValidateUIMessages({ messages: request.messages as unknown[] });
  if (!transcript.success) return fail("invalid_request", "messages is not a valid AI SDK UIMessage transcript.");
  return { ok: true, input: { trigger: "submit-message", message: last.message } };
}
