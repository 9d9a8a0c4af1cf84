// @ts-check
/**
 * A small MCP server, built with the official SDK's server side and served over Streamable HTTP:
 * the MCP server a fresh checkout talks to. `npm run dev` serves it from Node (serve.mjs) and points
 * MCP_SERVERS at it, so the page shows an MCP tool working with no setup; the workerd tests run it
 * as an auxiliary worker (bundled by vitest.config.ts, since auxiliary workers are not transpiled or
 * resolved against node_modules).
 *
 * Stateless: each HTTP request gets its own server and transport, so the same code runs in a Worker
 * (no state survives between requests) and in Node. With `token` set, every request must carry
 * `Authorization: Bearer <token>` (the tests check that a deployment's header-from-a-secret arrives).
 *
 * Tools: `add` (text and structured content with an output schema), `count` (progress notifications),
 * `fail` (an `isError` result), `picture` (an image).
 */
import { McpServer } from "@modelcontextprotocol/sdk/server/mcp.js";
import { WebStandardStreamableHTTPServerTransport } from "@modelcontextprotocol/sdk/server/webStandardStreamableHttp.js";
import { z } from "zod";

/** The most numbers `count` counts to: each one is a progress notification and a chunk for every follower. */
const MAX_COUNT = 50;
/** ms between two counts at most: a whole count stays well inside a tool time limit */
const MAX_COUNT_DELAY_MS = 2_000;
/** A 1x1 transparent PNG: the smallest real image an MCP tool can return. */
const PIXEL_PNG_BASE64 = "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNkYPhfDwAChwGA60e6kgAAAABJRU5ErkJggg==";

function createServer() {
  const server = new McpServer({ name: "edgechat-demo", version: "1.0.0" });
  server.registerTool(
    "add",
    {
      description: "Adds two numbers and returns their sum.",
      inputSchema: { a: z.number().describe("The first number"), b: z.number().describe("The second number") },
      outputSchema: { sum: z.number() },
    },
    async ({ a, b }) => ({ content: [{ type: "text", text: `${a} + ${b} = ${a + b}` }], structuredContent: { sum: a + b } }),
  );
  server.registerTool(
    "count",
    {
      description: "Counts from 1 to `to`, reporting progress after each number. Use it to show a long-running MCP tool.",
      inputSchema: {
        to: z.number().int().min(1).max(MAX_COUNT).describe(`The number to count to (1 to ${MAX_COUNT})`),
        delayMs: z.number().int().min(0).max(MAX_COUNT_DELAY_MS).optional().describe("Milliseconds between two numbers (default 200)"),
      },
    },
    async ({ to, delayMs = 200 }, extra) => {
      const progressToken = extra._meta?.progressToken;
      for (let n = 1; n <= to; n += 1) {
        await sleep(delayMs, extra.signal);
        if (progressToken !== undefined)
          await extra.sendNotification({
            method: "notifications/progress",
            params: { progressToken, progress: n, total: to, message: `Counted ${n} of ${to}` },
          });
      }
      return { content: [{ type: "text", text: `Counted to ${to}.` }] };
    },
  );
  server.registerTool(
    "fail",
    { description: "Always fails with the given reason (an MCP tool error result).", inputSchema: { reason: z.string().max(200) } },
    async ({ reason }) => ({ content: [{ type: "text", text: `It failed: ${reason}` }], isError: true }),
  );
  server.registerTool("picture", { description: "Returns a tiny picture (a 1x1 PNG) with a caption." }, async () => ({
    content: [
      { type: "text", text: "A 1x1 transparent pixel." },
      { type: "image", data: PIXEL_PNG_BASE64, mimeType: "image/png" },
    ],
  }));
  return server;
}

/**
 * Answers one Streamable HTTP request (POST with JSON-RPC; GET and DELETE are refused, as a
 * stateless server may).
 * @param {Request} request
 * @param {{ token?: string }} [options]
 * @returns {Promise<Response>}
 */
export async function handleMcpRequest(request, options = {}) {
  if (options.token && request.headers.get("authorization") !== `Bearer ${options.token}`) {
    return Response.json({ jsonrpc: "2.0", error: { code: -32001, message: "Unauthorized" }, id: null }, { status: 401 });
  }
  if (request.method !== "POST") {
    return Response.json({ jsonrpc: "2.0", error: { code: -32000, message: "Method not allowed." }, id: null }, { status: 405 });
  }
  const server = createServer();
  const transport = new WebStandardStreamableHTTPServerTransport({ sessionIdGenerator: undefined });
  await server.connect(transport);
  return transport.handleRequest(request);
}

export default {
  /** @param {Request} request @param {{ DEMO_MCP_TOKEN?: string }} [env] */
  fetch(request, env) {
    return handleMcpRequest(request, { token: env?.DEMO_MCP_TOKEN });
  },
};

/** @param {number} ms @param {AbortSignal} signal */
function sleep(ms, signal) {
  return new Promise((resolve, reject) => {
    if (signal.aborted) return reject(signal.reason);
    const onAbort = () => {
      clearTimeout(timer);
      reject(signal.reason);
    };
    const timer = setTimeout(() => {
      signal.removeEventListener("abort", onAbort);
      resolve(undefined);
    }, ms);
    signal.addEventListener("abort", onAbort, { once: true });
  });
}
