import { generateId, type UIMessageChunk } from "ai";
import { Hono } from "hono";
import { createAgentRunner } from "../agent/agent-runner";
import { readConfig } from "../config";
import { encodeSse, SSE_DONE, SSE_HEADERS } from "../protocol/sse";
import type { Env } from "../worker-env";
import { errorResponse } from "./error-response";
import type { IdentityVariables } from "./identity";
import { isLoopback } from "./identity";

type App = { Bindings: Env; Variables: IdentityVariables };

/**
 * The benchmark's no-persistence baseline: the same Worker, the same agent code and the same SSE
 * encoding, but no Durable Object, no log and no fan-out, so `npm run bench` can report what
 * durability costs as a ratio. It exists only where the bench turns it on: it is mounted only in a
 * local build (local-build.ts), and answers only with the BENCH_BASELINE var (passed by the bench on
 * its `wrangler dev` command line, never in wrangler.toml) on a loopback host, the same gates as the
 * dev identity. Anywhere else it answers 404 like any unknown path.
 */
export const benchRoutes = new Hono<App>().post("/baseline", async (c) => {
  if (c.env.BENCH_BASELINE !== "on" || !isLoopback(new URL(c.req.url).hostname)) {
    return errorResponse(c, "not_found", `No route for POST ${new URL(c.req.url).pathname}.`);
  }
  const body = (await c.req.json().catch(() => null)) as { message?: unknown } | null;
  if (typeof body?.message !== "string" || body.message === "") return errorResponse(c, "invalid_request", "Send { message }.");
  const message = body.message;
  const runner = createAgentRunner(readConfig(c.env));
  const { readable, writable } = new TransformStream<Uint8Array, Uint8Array>();
  const writer = writable.getWriter();
  let seq = 0;
  const emit = (chunk: UIMessageChunk) => {
    void writer.write(encodeSse(`id: ${seq++}\ndata: ${JSON.stringify(chunk)}\n\n`));
  };
  const messageId = `msg_${generateId()}`;
  emit({ type: "start", messageId });
  const controller = new AbortController();
  void runner
    .run({
      sessionId: "bench-baseline",
      context: {
        load: () => ({ messages: [{ seq: 0, message: { id: generateId(), role: "user", parts: [{ type: "text", text: message }] } }] }),
        saveSummary: () => {},
      },
      signal: controller.signal,
      emit,
      clientTools: [],
    })
    .then(async (end) => {
      emit({ type: "finish", finishReason: end.kind === "finished" ? end.finishReason : "error" });
      await writer.write(SSE_DONE);
      await writer.close();
    });
  return new Response(readable, { headers: SSE_HEADERS });
});
