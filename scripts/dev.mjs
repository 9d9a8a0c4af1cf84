#!/usr/bin/env node
// `npm run dev`: the service in workerd (wrangler dev) with the Durable Objects' embedded SQLite.
// Needs no config: without an ANTHROPIC_API_KEY (environment or .dev.vars) it starts the fake
// Anthropic API on a free loopback port and points the service at it, and it turns on the local
// identity (see src/http/identity.ts) so curl and the browser work without a token. Without MCP_SERVERS
// it serves the repo's demo MCP server (demo-mcp/) on a free loopback port and configures it as `demo`,
// so a fresh checkout shows an MCP tool working (`fake:tool tool=demo__count args={"to":5}`).
import { spawn } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import { startDemoMcp } from "../demo-mcp/serve.mjs";
import { startFakeAnthropic } from "../fake-anthropic/serve.mjs";

const args = process.argv.slice(2);
const devVars = existsSync(".dev.vars") ? readFileSync(".dev.vars", "utf8") : "";
const hasKey = Boolean(process.env.ANTHROPIC_API_KEY) || /^\s*ANTHROPIC_API_KEY\s*=/m.test(devVars);

const vars = ["DEV_IDENTITY:local-dev"];
let fake;
if (hasKey) {
  if (process.env.ANTHROPIC_API_KEY) vars.push(`ANTHROPIC_API_KEY:${process.env.ANTHROPIC_API_KEY}`);
  console.log("[dev] using the real Anthropic API (ANTHROPIC_API_KEY is set)");
} else {
  fake = await startFakeAnthropic({ port: 0, tokensPerSecond: Number(process.env.FAKE_TOKENS_PER_SECOND ?? 30) });
  vars.push(`ANTHROPIC_BASE_URL:${fake.url}`, "ANTHROPIC_API_KEY:fake-key-for-local-dev");
  console.log(`[dev] no ANTHROPIC_API_KEY: answering with the fake Anthropic API at ${fake.url}`);
}

const hasMcp = Boolean(process.env.MCP_SERVERS) || /^\s*MCP_SERVERS\s*=/m.test(devVars);
let demoMcp;
if (!hasMcp) {
  demoMcp = await startDemoMcp({ port: 0 });
  vars.push(`MCP_SERVERS:${JSON.stringify([{ name: "demo", url: demoMcp.url }])}`);
  console.log(`[dev] no MCP_SERVERS: serving the demo MCP server at ${demoMcp.url} as "demo"`);
}

// A local build (src/http/local-build.ts): only it honours DEV_IDENTITY; `wrangler deploy` never defines it.
const define = ["--define", "__EDGECHAT_LOCAL_BUILD__:true"];
const wrangler = spawn("wrangler", ["dev", ...define, ...vars.flatMap((v) => ["--var", v]), ...args], { stdio: "inherit", shell: false });
const stop = (signal) => {
  wrangler.kill(signal);
};
process.on("SIGINT", () => stop("SIGINT"));
process.on("SIGTERM", () => stop("SIGTERM"));
wrangler.on("exit", async (code) => {
  await fake?.close();
  await demoMcp?.close();
  process.exit(code ?? 0);
});
