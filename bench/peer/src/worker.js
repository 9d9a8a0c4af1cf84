// Cloudflare's AIChatAgent as shipped, with one change: its model is a mock that streams what the
// bench's fake Anthropic upstream sends, on the upstream's own schedule (the same directive,
// `fake:text tokens=N rate=R burst=B`, the same paced deltas). So the peer and edgechat are fed the
// same deltas at the same moments, and the bench's upstream tap times both.
import { AIChatAgent } from "@cloudflare/ai-chat";
import { routeAgentRequest } from "agents";
import { convertToModelMessages, streamText } from "ai";
import { MockLanguageModelV4 } from "ai/test";

/** The text of the newest user message: the fake reads its directive from it. */
function lastUserText(messages) {
  const user = messages.findLast((m) => m.role === "user");
  return user ? user.parts.map((p) => (p.type === "text" ? p.text : "")).join("") : "";
}

const usage = (output) => ({
  inputTokens: { total: 1, noCache: 1, cacheRead: 0, cacheWrite: 0 },
  outputTokens: { total: output, text: output, reasoning: 0 },
});

/** A model whose stream is the fake upstream's answer to `prompt`, text deltas as they arrive. */
function upstreamModel(env, prompt) {
  return new MockLanguageModelV4({
    doStream: async () => {
      const res = await fetch(`${env.ANTHROPIC_BASE_URL}/v1/messages`, {
        method: "POST",
        headers: { "content-type": "application/json", "x-api-key": "fake", "anthropic-version": "2023-06-01" },
        body: JSON.stringify({ model: "fake", max_tokens: 128000, stream: true, messages: [{ role: "user", content: prompt }] }),
      });
      const decoder = new TextDecoder();
      const reader = res.body.getReader();
      let buffer = "";
      let deltas = 0;
      const stream = new ReadableStream({
        start(controller) {
          controller.enqueue({ type: "stream-start", warnings: [] });
          controller.enqueue({ type: "text-start", id: "t0" });
        },
        // Reads until a read yields a delta (or the end): a pull that enqueues nothing is not called again.
        async pull(controller) {
          for (let sent = false; !sent; ) {
            const { done, value } = await reader.read();
            if (done) {
              controller.enqueue({ type: "text-end", id: "t0" });
              controller.enqueue({ type: "finish", usage: usage(deltas), finishReason: { unified: "stop", raw: "end_turn" } });
              controller.close();
              return;
            }
            buffer += decoder.decode(value, { stream: true });
            for (let end = buffer.indexOf("\n\n"); end >= 0; end = buffer.indexOf("\n\n")) {
              const event = buffer.slice(0, end);
              buffer = buffer.slice(end + 2);
              const data = event.split("\n").find((line) => line.startsWith("data: "));
              if (!data?.includes('"text_delta"')) continue;
              deltas += 1;
              sent = true;
              controller.enqueue({ type: "text-delta", id: "t0", delta: JSON.parse(data.slice(6)).delta.text });
            }
          }
        },
        cancel: () => reader.cancel(),
      });
      return { stream };
    },
  });
}

export class PeerChat extends AIChatAgent {
  async onChatMessage(onFinish) {
    const result = streamText({
      model: upstreamModel(this.env, lastUserText(this.messages)),
      messages: await convertToModelMessages(this.messages),
      onFinish,
    });
    return result.toUIMessageStreamResponse();
  }

  /** GET .../stats: what the object keeps on disk (the bench reads it around a turn). */
  async onRequest() {
    return Response.json({ databaseBytes: this.ctx.storage.sql.databaseSize, messages: this.messages.length });
  }
}

export default {
  async fetch(request, env) {
    return (await routeAgentRequest(request, env)) ?? new Response("Not found", { status: 404 });
  },
};
