// @ts-check
// `wrangler dev` for the scripts that run the service (bench, e2e, crash test): on a free port of
// 127.0.0.1 (8787 and 9229 may be taken on a shared machine), with its own --persist-to directory, in
// its own process group so that stopping it stops the workerd processes it started and nothing else.
import { spawn } from "node:child_process";
import { delimiter, join } from "node:path";
import { stripVTControlCharacters } from "node:util";
import { freePort, groupAlive } from "./processes.mjs";

/** ms wrangler gets to exit after SIGTERM before its process group gets SIGKILL */
const STOP_GRACE_MS = 5_000;
/** characters of wrangler's latest output quoted when it exits before it is ready */
const OUTPUT_TAIL_CHARS = 3_000;
/** ms between probes of waitForApi */
const PROBE_INTERVAL_MS = 200;
/** ms one probe may take: while the runtime restarts, the entry proxy may hold requests */
const PROBE_TIMEOUT_MS = 2_000;

/**
 * @typedef {object} WranglerOptions
 * @property {string} cwd the project to run (its wrangler.toml, and its node_modules/.bin first on PATH)
 * @property {string[]} vars `NAME:value` pairs, each passed as `--var`
 * @property {string} persistTo the --persist-to directory (Durable Object storage)
 * @property {number} [port] the dev port; a free one if not given
 * @property {Record<string, string>} [env] added to this process's environment
 * @property {(line: string, stream: "out" | "err") => void} [log] every line wrangler prints, without colour codes
 * @property {number} readyTimeoutMs how long bundling, building the page and starting workerd may take
 *
 * @typedef {object} Wrangler
 * @property {string} url `http://127.0.0.1:<port>`
 * @property {number} port
 * @property {number} inspectorPort
 * @property {number} pid wrangler's pid, also its process group id
 * @property {Promise<{ code: number | null, signal: NodeJS.Signals | null }>} exited
 * @property {() => boolean} running
 * @property {() => Promise<void>} stop SIGTERM to the group, SIGKILL after a grace period; resolves once wrangler exited
 * @property {() => void} kill SIGKILL to the group, synchronously (last-resort cleanup at process exit)
 */

/**
 * Starts `wrangler dev` and resolves once it prints "Ready on" (the API may take a moment longer:
 * see waitForApi). If it exits or is not ready in time, its process group is stopped and this rejects.
 * @param {WranglerOptions} options
 * @returns {Promise<Wrangler>}
 */
export async function startWrangler({ cwd, vars, persistTo, port, env = {}, log = () => {}, readyTimeoutMs }) {
  const devPort = port ?? (await freePort());
  const inspectorPort = await freePort();
  const args = ["dev", "--ip", "127.0.0.1", "--port", String(devPort), "--inspector-port", String(inspectorPort)];
  args.push("--persist-to", persistTo, "--show-interactive-dev-session=false", ...vars.flatMap((v) => ["--var", v]));
  // Every caller runs the service locally: a local build, the only kind that honours DEV_IDENTITY and
  // BENCH_BASELINE (src/http/local-build.ts); `wrangler deploy` never defines it.
  args.push("--define", "__EDGECHAT_LOCAL_BUILD__:true");
  // node_modules/.bin first, as under `npm run`: its `node` is the Node 22 that wrangler requires.
  const path = `${join(cwd, "node_modules", ".bin")}${delimiter}${process.env.PATH ?? ""}`;
  const child = spawn("wrangler", args, {
    cwd,
    env: { ...process.env, PATH: path, ...env },
    // Its own process group: stop() signals the group, which holds the workerd processes it started.
    detached: true,
    stdio: ["ignore", "pipe", "pipe"],
  });
  const pid = /** @type {number} */ (child.pid);
  let tail = "";
  /** @type {Promise<{ code: number | null, signal: NodeJS.Signals | null }>} */
  const exited = new Promise((resolve) => {
    child.once("exit", (code, signal) => resolve({ code, signal }));
    // Not started at all (no wrangler on PATH): there will be no "exit".
    child.once("error", (error) => {
      tail += `\n${error.message}`;
      resolve({ code: null, signal: null });
    });
  });
  const running = () => pid !== undefined && child.exitCode === null && child.signalCode === null;

  let ready = false;
  /** @type {() => void} */
  let onReady = () => {};
  for (const [name, stream] of /** @type {const} */ ([
    ["out", child.stdout],
    ["err", child.stderr],
  ])) {
    let partial = "";
    stream.setEncoding("utf8");
    stream.on("data", (/** @type {string} */ data) => {
      const text = stripVTControlCharacters(data);
      tail = (tail + text).slice(-OUTPUT_TAIL_CHARS);
      const lines = (partial + text).split("\n");
      partial = lines.pop() ?? "";
      for (const line of lines) {
        log(line, name);
        if (!ready && line.includes("Ready on")) {
          ready = true;
          onReady();
        }
      }
    });
  }

  /** SIGKILL to what is left of the group; never to a group id that nothing holds any more (it could be reused). */
  const kill = () => {
    if (groupAlive(pid)) signalGroup(pid, "SIGKILL");
  };
  const stop = async () => {
    if (running()) {
      signalGroup(pid, "SIGTERM");
      const timer = setTimeout(kill, STOP_GRACE_MS);
      await exited;
      clearTimeout(timer);
    }
    // workerd may outlive wrangler for a moment; nothing of the group may stay behind.
    kill();
  };

  try {
    await new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`wrangler dev was not ready after ${readyTimeoutMs / 1000} s`)), readyTimeoutMs);
      onReady = () => {
        clearTimeout(timer);
        resolve(undefined);
      };
      exited.then(({ code, signal }) => {
        clearTimeout(timer);
        reject(new Error(`wrangler dev exited (${code ?? signal}) before it was ready:\n${tail}`));
      });
    });
  } catch (error) {
    await stop();
    throw error;
  }
  return {
    url: `http://127.0.0.1:${devPort}`,
    port: devPort,
    inspectorPort,
    pid,
    exited,
    running,
    stop,
    kill,
  };
}

/**
 * Waits until the API answers 200: "Ready on" is printed before the first request is served, and
 * after a crash the runtime comes back a few seconds later. The probe (the session list, without a
 * token: the callers run with a local identity) reads the per-user index object only, never a chat
 * session, so it wakes no session before the caller does.
 * @param {string} url @param {number} timeoutMs @param {() => boolean} [alive] stops early once false
 */
export async function waitForApi(url, timeoutMs, alive = () => true) {
  const deadline = Date.now() + timeoutMs;
  let last = "";
  for (;;) {
    try {
      const response = await fetch(`${url}/api/sessions?limit=1`, { signal: AbortSignal.timeout(PROBE_TIMEOUT_MS) });
      await response.arrayBuffer();
      if (response.ok) return;
      last = `HTTP ${response.status}`;
    } catch (error) {
      last = error instanceof Error ? `${error.name}: ${error.cause ?? error.message}` : String(error);
    }
    if (!alive()) throw new Error("wrangler exited while the API was awaited");
    if (Date.now() > deadline) throw new Error(`the API did not answer within ${timeoutMs} ms (last: ${last})`);
    await new Promise((resolve) => setTimeout(resolve, PROBE_INTERVAL_MS));
  }
}

/** @param {number} pgid @param {NodeJS.Signals} signal */
function signalGroup(pgid, signal) {
  try {
    process.kill(-pgid, signal);
  } catch {
    // The group is already gone.
  }
}
