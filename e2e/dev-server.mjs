// The service as `npm run dev` runs it (scripts/dev.mjs): the fake Anthropic API on a free loopback
// port, and `wrangler dev` with the local identity pointed at it. Differences, all for isolation:
// free ports (8787 and 9229 may be taken on a shared machine), a fresh --persist-to directory, so
// the test neither sees nor touches a developer's local data, and an AUTH_SECRET, so a test can sign
// a token and check the page's token prompt (the local identity only covers loopback hostnames).
import { spawn } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { delimiter, join } from "node:path";
import { startFakeAnthropic } from "../fake-anthropic/serve.mjs";
import { freePort } from "../scripts/lib/processes.mjs";

/** HS256 key of the test server's tokens; a test value, used nowhere else */
export const AUTH_SECRET = "e2e-auth-secret-0123456789abcdef0123";

/** ms wrangler may take to build the page, bundle the Worker and start workerd */
const READY_TIMEOUT_MS = 120_000;

/**
 * @param {{ root: string, log: (line: string) => void }} options
 * @returns {Promise<{ url: string, stop: () => Promise<void> }>}
 */
export async function startDevServer({ root, log }) {
  const fake = await startFakeAnthropic({ port: 0, tokensPerSecond: 30 });
  const port = await freePort();
  const inspectorPort = await freePort();
  const persistDir = mkdtempSync(join(tmpdir(), "edgechat-e2e-"));
  const vars = [
    "DEV_IDENTITY:local-dev",
    `ANTHROPIC_BASE_URL:${fake.url}`,
    "ANTHROPIC_API_KEY:fake-key-for-local-dev",
    `AUTH_SECRET:${AUTH_SECRET}`,
  ];
  const args = ["dev", "--ip", "127.0.0.1", "--port", String(port), "--inspector-port", String(inspectorPort)];
  args.push("--persist-to", persistDir, "--show-interactive-dev-session=false", ...vars.flatMap((v) => ["--var", v]));
  // A local build: only it honours DEV_IDENTITY (src/http/local-build.ts).
  args.push("--define", "__EDGECHAT_LOCAL_BUILD__:true");

  // node_modules/.bin first, as under `npm run`: its `node` is the Node 22 that wrangler requires.
  const env = { ...process.env, PATH: `${join(root, "node_modules", ".bin")}${delimiter}${process.env.PATH ?? ""}` };
  // detached: wrangler gets its own process group, so stopping it also stops the workerd it started.
  const wrangler = spawn("wrangler", args, { cwd: root, env, detached: true, stdio: ["ignore", "pipe", "pipe"] });
  const exited = new Promise((resolve) => wrangler.once("exit", resolve));

  const stop = async () => {
    if (wrangler.exitCode === null && wrangler.signalCode === null && wrangler.pid !== undefined) {
      try {
        process.kill(-wrangler.pid, "SIGTERM");
      } catch {
        // The group is already gone.
      }
      const timer = setTimeout(() => {
        try {
          process.kill(-(wrangler.pid ?? 0), "SIGKILL");
        } catch {
          // Gone in the meantime.
        }
      }, 5_000);
      await exited;
      clearTimeout(timer);
    }
    await fake.close();
    rmSync(persistDir, { recursive: true, force: true });
  };

  const url = `http://127.0.0.1:${port}`;
  try {
    await new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`wrangler dev was not ready after ${READY_TIMEOUT_MS} ms`)), READY_TIMEOUT_MS);
      const onOutput = (chunk) => {
        for (const line of String(chunk).split("\n")) {
          if (line.trim()) log(line);
          if (line.includes("Ready on")) {
            clearTimeout(timer);
            resolve(undefined);
          }
        }
      };
      wrangler.stdout.on("data", onOutput);
      wrangler.stderr.on("data", onOutput);
      wrangler.once("exit", (code) => {
        clearTimeout(timer);
        reject(new Error(`wrangler dev exited (${code}) before it was ready`));
      });
    });
    await waitForApi(url);
  } catch (error) {
    await stop();
    throw error;
  }
  return { url, stop };
}

/** "Ready" is printed before the first request is served; wait until the API answers. */
async function waitForApi(url) {
  const deadline = Date.now() + 30_000;
  for (;;) {
    try {
      const response = await fetch(`${url}/api/sessions?limit=1`);
      if (response.ok) return;
    } catch {
      // Not listening yet.
    }
    if (Date.now() > deadline) throw new Error("the API did not answer within 30 s of Ready");
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
}
