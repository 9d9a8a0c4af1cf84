import { DefaultChatTransport } from "ai";
import { authHeaders } from "./auth-token";
import type { ChatMessage } from "./chat-message";
import { CLIENT_TOOLS } from "./client-tools";

/**
 * The AI SDK's stock HTTP transport: POST /api/chat to send, GET /api/chat/:id/stream to resume.
 * `headers` is a function so a token pasted after a 401 is used from the next request on.
 *
 * It sends only the last message: the server's log is the source of truth and reads just that one
 * (a new user message, or the waiting answer carrying this tab's approvals and browser tool outputs),
 * and the full transcript of a long session would make every send larger (up to the 4 MB limit).
 * Every request declares the browser's tools, so Claude may call them in any turn.
 */
export const chatTransport = new DefaultChatTransport<ChatMessage>({
  api: "/api/chat",
  headers: authHeaders,
  body: { clientTools: CLIENT_TOOLS },
  prepareSendMessagesRequest: ({ id, messages, trigger, messageId, body }) => ({
    body: { ...body, id, messages: messages.slice(-1), trigger, messageId },
  }),
});
