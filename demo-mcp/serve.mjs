// @ts-check
/**
 * Serves the demo MCP server from Node on 127.0.0.1 (for `npm run dev` and the e2e run), through the
 * streaming adapter in scripts/lib/serve-fetch.mjs, so progress notifications arrive as they are sent.
 *
 *   node demo-mcp/serve.mjs [--port 8790]
 */
import { pathToFileURL } from "node:url";
import { parseArgs } from "node:util";
import { serveFetch } from "../scripts/lib/serve-fetch.mjs";
import { handleMcpRequest } from "./demo-mcp-server.js";

/** @param {{ port?: number }} [options] @returns {Promise<{ url: string, close: () => Promise<void> }>} */
export async function startDemoMcp({ port = 0 } = {}) {
  const { origin, close } = await serveFetch((request) => handleMcpRequest(request), { port, name: "demo-mcp" });
  return { url: `${origin}/mcp`, close };
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const { values } = parseArgs({ options: { port: { type: "string", default: "8790" } } });
  const { url, close } = await startDemoMcp({ port: Number(values.port) });
  console.log(`demo MCP server listening on ${url}`);
  const stop = () => close().then(() => process.exit(0));
  process.once("SIGINT", stop);
  process.once("SIGTERM", stop);
}
