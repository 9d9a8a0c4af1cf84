import { exports } from "cloudflare:workers";
import { AbstractChat, type ChatInit, type ChatState, type ChatStatus, type UIMessage } from "ai";

/** The smallest ChatState: what a framework binding (React, Vue, ...) keeps, without rendering. */
class MemoryChatState implements ChatState<UIMessage> {
  status: ChatStatus = "ready";
  error: Error | undefined = undefined;
  messages: UIMessage[];
  constructor(messages: UIMessage[] = []) {
    this.messages = messages;
  }
  pushMessage = (message: UIMessage) => {
    this.messages = [...this.messages, message];
  };
  popMessage = () => {
    this.messages = this.messages.slice(0, -1);
  };
  replaceMessage = (index: number, message: UIMessage) => {
    this.messages = [...this.messages.slice(0, index), message, ...this.messages.slice(index + 1)];
  };
  snapshot = <T>(thing: T): T => structuredClone(thing);
}

/** The AI SDK's own chat logic (AbstractChat), unmodified, with an in-memory state. */
export class TestChat extends AbstractChat<UIMessage> {
  constructor(init: Omit<ChatInit<UIMessage>, "state"> & { messages?: UIMessage[] }) {
    super({ ...init, state: new MemoryChatState(init.messages) });
  }
}

/**
 * A WebSocket constructor for WebSocketChatTransport's `webSocket` option that connects to this
 * Worker through its fetch handler (inside workerd, `new WebSocket(url)` would be an outbound
 * connection that never reaches the Worker under test). Everything above the socket is stock.
 */
export class WorkerWebSocket {
  readyState = 0;
  onopen: ((event: unknown) => void) | null = null;
  onmessage: ((event: { data: unknown }) => void) | null = null;
  onerror: ((event: unknown) => void) | null = null;
  onclose: ((event: unknown) => void) | null = null;
  private socket: WebSocket | undefined;

  constructor(url: string | URL) {
    const target = new URL(String(url));
    target.protocol = target.protocol === "wss:" ? "https:" : "http:";
    void exports.default.fetch(target.toString(), { headers: { upgrade: "websocket" } }).then((res) => {
      const socket = res.webSocket;
      if (!socket) {
        this.readyState = 3;
        this.onerror?.({ status: res.status });
        this.onclose?.({ code: 1006, reason: `HTTP ${res.status}` });
        return;
      }
      socket.accept();
      this.socket = socket;
      this.readyState = 1;
      socket.addEventListener("message", (event) => this.onmessage?.({ data: event.data }));
      socket.addEventListener("close", (event) => {
        this.readyState = 3;
        this.onclose?.({ code: event.code, reason: event.reason });
      });
      this.onopen?.({});
    });
  }

  get bufferedAmount(): number {
    return 0;
  }

  send(data: string | Uint8Array | ArrayBuffer): void {
    this.socket!.send(data);
  }

  close(code?: number, reason?: string): void {
    this.readyState = 2;
    this.socket?.close(code, reason);
  }
}
