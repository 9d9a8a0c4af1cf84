import { DurableObject } from "cloudflare:workers";
export class ChatSession extends DurableObject {
  cancelled = false;
  async stream(): Promise<ReadableStream<Uint8Array>> {
    const enc = new TextEncoder();
    let i = 0;
    let timer: ReturnType<typeof setInterval>;
    return new ReadableStream<Uint8Array>({
      start: (c) => {
        timer = setInterval(() => { try { c.enqueue(enc.encode(`data: ${i++}\n\n`)); } catch (e) { clearInterval(timer); } }, 20);
      },
      cancel: () => { this.cancelled = true; clearInterval(timer); },
    });
  }
  async wasCancelled() { return this.cancelled; }
}
export class UserSessions extends DurableObject {}
export default {
  async fetch(req: Request, env: Env): Promise<Response> {
    const stub = env.CHAT_SESSION.get(env.CHAT_SESSION.idFromName("x"));
    if (new URL(req.url).pathname === "/c") return new Response(String(await stub.wasCancelled()));
    return new Response(await stub.stream(), { headers: { "content-type": "text/event-stream" } });
  },
} satisfies ExportedHandler<Env>;
interface Env { CHAT_SESSION: DurableObjectNamespace<ChatSession> }
