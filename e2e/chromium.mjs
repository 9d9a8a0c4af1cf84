// Debian's Chromium driven by playwright-core (Playwright's own browser download does not work on
// these machines). CI runs as root, so a missing browser is installed with apt.
import { spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import { chromium } from "playwright-core";

export const CHROMIUM_PATH = "/usr/bin/chromium";

/** Flags for a quiet, reproducible headless run (no sandbox: CI runs as root in a container). */
const FLAGS = [
  "--headless",
  "--no-sandbox",
  "--disable-gpu",
  "--disable-quic",
  "--no-first-run",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
];

export function ensureChromium() {
  if (existsSync(CHROMIUM_PATH)) return;
  console.log(`[e2e] ${CHROMIUM_PATH} is missing: installing Debian's chromium with apt-get`);
  const install = spawnSync("sh", ["-c", "apt-get update && apt-get install -y chromium"], { stdio: "inherit" });
  if (install.status !== 0 || !existsSync(CHROMIUM_PATH)) throw new Error("could not install chromium (apt-get install -y chromium)");
}

/**
 * A hostname that resolves to 127.0.0.1 but is not a loopback name to the service, so requests to it
 * get no local identity: the page must ask for a token (tests of the token prompt use it).
 */
export const NON_LOOPBACK_HOST = "edgechat.test";

/**
 * Playwright starts Chromium with a fresh, empty temporary --user-data-dir of its own and removes it
 * on close; each context is a clean profile on top of it.
 */
export function launchChromium() {
  return chromium.launch({
    executablePath: CHROMIUM_PATH,
    headless: true,
    args: [...FLAGS, `--host-resolver-rules=MAP ${NON_LOOPBACK_HOST} 127.0.0.1`],
  });
}
