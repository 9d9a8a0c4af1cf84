#!/usr/bin/env node
// `npm run test:e2e`: the chat page in a real browser against the real service.
// Starts the service like `npm run dev` (fake upstream + wrangler dev) on free ports, drives Debian's
// Chromium through playwright-core, saves screenshots in e2e/screenshots/, and stops only what it
// started. Prints `N passed, M failed` last and exits non-zero on any failure.
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { approvalScenarios } from "./approval-scenarios.mjs";
import { attachmentScenarios } from "./attachment-scenarios.mjs";
import { branchScenarios } from "./branch-scenarios.mjs";
import { ensureChromium, launchChromium } from "./chromium.mjs";
import { startDevServer } from "./dev-server.mjs";
import { runScenarios } from "./harness.mjs";
import { pageScenarios } from "./page-scenarios.mjs";
import { scenarios } from "./scenarios.mjs";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const screenshots = join(root, "e2e", "screenshots");
const verbose = process.env.E2E_VERBOSE === "1";
/** E2E_ONLY=<text>: run only the scenarios whose name contains it (while working on one) */
const only = process.env.E2E_ONLY;

let server;
let browser;
let result = { passed: 0, failed: 1 };

const cleanUp = async () => {
  await browser?.close().catch(() => {});
  await server?.stop().catch((error) => console.error("[e2e] stopping the server:", error));
};
for (const signal of ["SIGINT", "SIGTERM"]) {
  process.once(signal, () => {
    void cleanUp().finally(() => process.exit(130));
  });
}

try {
  ensureChromium();
  const startedAt = Date.now();
  const lines = [];
  server = await startDevServer({
    root,
    log: (line) => {
      lines.push(line);
      if (verbose) console.log(`[wrangler] ${line}`);
    },
  }).catch((error) => {
    console.error(lines.join("\n"));
    throw error;
  });
  console.log(`[e2e] service ready at ${server.url} in ${((Date.now() - startedAt) / 1000).toFixed(1)} s`);
  browser = await launchChromium();
  result = await runScenarios({
    browser,
    screenshots,
    scenarios: [...scenarios, ...pageScenarios, ...approvalScenarios, ...attachmentScenarios, ...branchScenarios].filter(
      (s) => !only || s.name.includes(only),
    ),
    context: { baseUrl: server.url },
  });
  console.log(`[e2e] screenshots in ${screenshots}`);
} catch (error) {
  console.error("[e2e] could not run:", error);
} finally {
  await cleanUp();
}

console.log(`${result.passed} passed, ${result.failed} failed`);
process.exit(result.failed === 0 ? 0 : 1);
