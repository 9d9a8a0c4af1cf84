import { type ChatInit, DefaultChatTransport, type UIMessage, WebSocketChatTransport } from "ai";
import { ORIGIN, tokenFor, workerFetch } from "../support/api";
import { TestChat, WorkerWebSocket } from "../support/chat-client";

export type ToolPart = {
  type: string;
  state?: string;
  toolCallId: string;
  input?: unknown;
  output?: unknown;
  errorText?: string;
  approval?: { id: string; approved?: boolean; reason?: string };
};

export function toolParts(message: UIMessage | undefined): ToolPart[] {
  return (message?.parts ?? []).filter((p) => p.type.startsWith("tool-")) as unknown as ToolPart[];
}

export function textOf(message: UIMessage | undefined): string {
  return (message?.parts ?? [])
    .filter((p) => p.type === "text")
    .map((p) => (p as { text: string }).text)
    .join("");
}

/** The stock Chat of ai 7 with the stock DefaultChatTransport (SSE) or WebSocketChatTransport. */
export async function stockChat(
  id: string,
  options: {
    user?: string;
    messages?: UIMessage[];
    transport?: "sse" | "ws";
    body?: object;
  } & Pick<ChatInit<UIMessage>, "sendAutomaticallyWhen" | "onToolCall"> = {},
): Promise<TestChat & { close(): void }> {
  const token = await tokenFor(options.user ?? "alice");
  const transport =
    options.transport === "ws"
      ? new WebSocketChatTransport({
          url: `${ORIGIN}/api/chat/${id}/ws`,
          params: { token },
          webSocket: WorkerWebSocket,
          ...(options.body ? { body: options.body } : {}),
        })
      : new DefaultChatTransport({
          api: `${ORIGIN}/api/chat`,
          headers: { authorization: `Bearer ${token}` },
          fetch: workerFetch,
          ...(options.body ? { body: options.body } : {}),
        });
  const chat = new TestChat({
    id,
    transport,
    ...(options.messages ? { messages: options.messages } : {}),
    ...(options.sendAutomaticallyWhen ? { sendAutomaticallyWhen: options.sendAutomaticallyWhen } : {}),
    ...(options.onToolCall ? { onToolCall: options.onToolCall } : {}),
  });
  return Object.assign(chat, { close: () => (transport instanceof WebSocketChatTransport ? transport.close() : undefined) });
}

/**
 * Resolves once `done` holds and the chat is no longer submitting or streaming: an automatic send
 * (sendAutomaticallyWhen) starts on its own, after the call that caused it has returned.
 */
export async function settled(chat: { status: string }, done: () => boolean): Promise<void> {
  // Bounded: 15 s at most, then the test's own assertions say what is wrong.
  for (let i = 0; i < 1_500; i++) {
    if (done() && chat.status !== "submitted" && chat.status !== "streaming") return;
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}
