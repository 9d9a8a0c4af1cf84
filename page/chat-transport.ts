import { DefaultChatTransport } from "ai";
import { authHeaders } from "./auth-token";
import type { ChatMessage } from "./chat-message";

/**
 * The AI SDK's stock HTTP transport: POST /api/chat to send, GET /api/chat/:id/stream to resume.
 * `headers` is a function so a token pasted after a 401 is used from the next request on.
 *
 * It sends only the new message: the server's log is the source of truth and reads just the last
 * one, and the full transcript of a long session would make every send larger (up to the 4 MB limit).
 */
export const chatTransport = new DefaultChatTransport<ChatMessage>({
  api: "/api/chat",
  headers: authHeaders,
  prepareSendMessagesRequest: ({ id, messages, trigger, messageId, body }) => ({
    body: { ...body, id, messages: messages.slice(-1), trigger, messageId },
  }),
});
