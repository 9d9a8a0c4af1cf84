// The service as `npm run dev` runs it (scripts/dev.mjs): the fake Anthropic API on a free loopback
// port, and `wrangler dev` with the local identity pointed at it. Differences, all for isolation:
// free ports (8787 and 9229 may be taken on a shared machine), a fresh --persist-to directory, so
// the test neither sees nor touches a developer's local data, and an AUTH_SECRET, so a test can sign
// a token and check the page's token prompt (the local identity only covers loopback hostnames).
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { startDemoMcp } from "../demo-mcp/serve.mjs";
import { startFakeAnthropic } from "../fake-anthropic/serve.mjs";
import { startWrangler, waitForApi } from "../scripts/lib/start-wrangler.mjs";

/** HS256 key of the test server's tokens; a test value, used nowhere else */
export const AUTH_SECRET = "e2e-auth-secret-0123456789abcdef0123";

/** ms wrangler may take to build the page, bundle the Worker and start workerd */
const READY_TIMEOUT_MS = 120_000;
/** ms the API may take to answer after wrangler printed "Ready on" */
const API_TIMEOUT_MS = 30_000;

/**
 * @param {{ root: string, log: (line: string) => void }} options
 * @returns {Promise<{ url: string, stop: () => Promise<void> }>}
 */
export async function startDevServer({ root, log }) {
  const fake = await startFakeAnthropic({ port: 0, tokensPerSecond: 30 });
  // As `npm run dev` with no MCP_SERVERS: the repo's demo MCP server, configured as `demo`.
  const demoMcp = await startDemoMcp({ port: 0 });
  const persistDir = mkdtempSync(join(tmpdir(), "edgechat-e2e-"));
  const vars = [
    "DEV_IDENTITY:local-dev",
    `ANTHROPIC_BASE_URL:${fake.url}`,
    "ANTHROPIC_API_KEY:fake-key-for-local-dev",
    `AUTH_SECRET:${AUTH_SECRET}`,
    `MCP_SERVERS:${JSON.stringify([{ name: "demo", url: demoMcp.url }])}`,
  ];
  /** @type {import("../scripts/lib/start-wrangler.mjs").Wrangler | undefined} */
  let wrangler;

  const stop = async () => {
    await wrangler?.stop();
    await fake.close();
    await demoMcp.close();
    rmSync(persistDir, { recursive: true, force: true });
  };

  try {
    wrangler = await startWrangler({
      cwd: root,
      vars,
      persistTo: persistDir,
      readyTimeoutMs: READY_TIMEOUT_MS,
      log: (line) => {
        if (line.trim()) log(line);
      },
    });
    await waitForApi(wrangler.url, API_TIMEOUT_MS);
  } catch (error) {
    await stop();
    throw error;
  }
  return { url: wrangler.url, stop };
}
