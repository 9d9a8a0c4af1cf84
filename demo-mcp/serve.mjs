// @ts-check
/**
 * Serves the demo MCP server from Node on 127.0.0.1 (for `npm run dev`): Node request -> web Request,
 * web Response -> Node response, streamed, so progress notifications arrive as they are sent.
 *
 *   node demo-mcp/serve.mjs [--port 8790]
 */
import { createServer } from "node:http";
import { pathToFileURL } from "node:url";
import { parseArgs } from "node:util";
import { handleMcpRequest } from "./demo-mcp-server.js";

/** @param {{ port?: number }} [options] @returns {Promise<{ url: string, close: () => Promise<void> }>} */
export async function startDemoMcp({ port = 0 } = {}) {
  const server = createServer((req, res) => {
    serve(req, res).catch((error) => {
      console.error("demo-mcp: adapter failure", error);
      res.destroy();
    });
  });
  await new Promise((resolve, reject) => {
    server.once("error", reject);
    server.listen(port, "127.0.0.1", () => resolve(undefined));
  });
  const address = server.address();
  if (address === null || typeof address === "string") throw new Error("demo-mcp: no TCP address");
  return {
    url: `http://127.0.0.1:${address.port}/mcp`,
    close: () =>
      new Promise((resolve, reject) => {
        server.close((error) => (error ? reject(error) : resolve()));
        server.closeAllConnections();
      }),
  };
}

/** @param {import('node:http').IncomingMessage} req @param {import('node:http').ServerResponse} res */
async function serve(req, res) {
  const gone = new AbortController();
  res.on("close", () => {
    if (!res.writableFinished) gone.abort();
  });
  const chunks = [];
  for await (const chunk of req) chunks.push(chunk);
  const headers = new Headers();
  for (let i = 0; i < req.rawHeaders.length; i += 2) headers.append(req.rawHeaders[i] ?? "", req.rawHeaders[i + 1] ?? "");
  const hasBody = req.method !== "GET" && req.method !== "HEAD";
  const request = new Request(`http://${req.headers.host ?? "127.0.0.1"}${req.url ?? "/"}`, {
    method: req.method,
    headers,
    signal: gone.signal,
    ...(hasBody ? { body: Buffer.concat(chunks) } : {}),
  });
  const response = await handleMcpRequest(request);
  res.writeHead(response.status, Object.fromEntries(response.headers));
  res.flushHeaders();
  if (!response.body) {
    res.end();
    return;
  }
  const reader = response.body.getReader();
  gone.signal.addEventListener("abort", () => reader.cancel().catch(() => {})); // already closed: nothing to cancel
  for (;;) {
    const { done, value } = await reader.read();
    if (done || gone.signal.aborted) break;
    res.write(value);
  }
  if (!gone.signal.aborted) res.end();
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const { values } = parseArgs({ options: { port: { type: "string", default: "8790" } } });
  const { url, close } = await startDemoMcp({ port: Number(values.port) });
  console.log(`demo MCP server listening on ${url}`);
  const stop = () => close().then(() => process.exit(0));
  process.once("SIGINT", stop);
  process.once("SIGTERM", stop);
}
