// The service under test for the crash test: `wrangler dev` with persisted state, pointed at a fake
// Anthropic API that runs in this process (so it outlives every workerd restart), and the means to
// SIGKILL the workerd process that runs the Worker and its Durable Objects.
//
// What wrangler does when that workerd dies (wrangler 4 / miniflare 4): miniflare notices, logs
// "The Workers runtime crashed unexpectedly and is being restarted (crash #n)" and starts a new
// workerd on the same persisted state; the entry proxy on the dev port stays up throughout. Should
// wrangler itself exit instead (or the runtime not come back), its whole process group is stopped and
// a fresh `wrangler dev` is started with the same --persist-to directory.
import { appendFileSync, readdirSync, readlinkSync } from "node:fs";
import { dirname } from "node:path";
import { cmdline, descendants, freePort, procStat } from "../lib/processes.mjs";
import { startWrangler, waitForApi } from "../lib/start-wrangler.mjs";

/** ms wrangler may take to bundle the Worker, build the page and start workerd */
const READY_TIMEOUT_MS = 120_000;
/** ms the API may take to answer again after a SIGKILL of workerd (miniflare restarts it in about 4 s) */
const RESTART_TIMEOUT_MS = 60_000;

/** Whether the process has a file under `dir` open (the Durable Objects' SQLite files). @param {number} pid @param {string} dir */
function holdsFilesUnder(pid, dir) {
  try {
    for (const fd of readdirSync(`/proc/${pid}/fd`)) {
      try {
        if (readlinkSync(`/proc/${pid}/fd/${fd}`).startsWith(dir)) return true;
      } catch {
        // Closed meanwhile.
      }
    }
  } catch {
    // The process is gone.
  }
  return false;
}

/** Whether the pid is gone or a zombie. @param {number} pid */
function isDead(pid) {
  try {
    return procStat(pid)[0] === "Z";
  } catch {
    return true;
  }
}

const sleep = (/** @type {number} */ ms) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Starts `wrangler dev` and returns once the API answers.
 * @param {{ root: string, persistDir: string, logFile: string, fakeUrl: string, log: (line: string) => void }} options
 */
export async function startService({ root, persistDir, logFile, fakeUrl, log }) {
  const startedAt = Date.now();
  /** @param {string} line */
  const record = (line) => appendFileSync(logFile, `[${((Date.now() - startedAt) / 1000).toFixed(3)}] ${line}\n`);
  /** @type {{ event: string, session?: string, [key: string]: unknown }[]} the sessions' own log lines (JSON), in order */
  const events = [];
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  /** @type {import("../lib/start-wrangler.mjs").Wrangler | undefined} */
  let wrangler;
  let generation = 0;

  const launch = async () => {
    generation += 1;
    const vars = [
      "DEV_IDENTITY:crash",
      `ANTHROPIC_BASE_URL:${fakeUrl}`,
      "ANTHROPIC_API_KEY:fake",
      // Heartbeats (and so the alarm that wakes an object after a crash) every second.
      "HEARTBEAT_INTERVAL_MS:1000",
    ];
    record(`=== starting wrangler dev (#${generation}) on port ${port}`);
    const run = generation;
    wrangler = await startWrangler({
      cwd: root,
      vars,
      persistTo: persistDir,
      port,
      // wrangler's own debug log goes beside ours (and is removed with it), not into ~/.config/.wrangler/logs.
      env: { WRANGLER_LOG_PATH: dirname(logFile) },
      readyTimeoutMs: READY_TIMEOUT_MS,
      log: (line, stream) => {
        record(`${stream} ${line}`);
        if (line.startsWith('{"event":')) {
          try {
            events.push(JSON.parse(line));
          } catch {
            // Not one of the session's JSON log lines after all.
          }
        }
      },
    }).catch((error) => {
      throw new Error(`${error instanceof Error ? error.message : String(error)} (log: ${logFile})`);
    });
    wrangler.exited.then(({ code, signal }) => record(`=== wrangler (#${run}) exited: code ${code}, signal ${signal}`));
    await waitForApi(url, READY_TIMEOUT_MS);
  };

  const running = () => wrangler?.running() ?? false;

  /** Stops wrangler's whole process group: SIGTERM, then SIGKILL after a grace period. */
  const stopWrangler = async () => {
    await wrangler?.stop();
  };

  /** The workerd that runs the Worker: the one holding the persisted Durable Object files. */
  const findWorkerd = () => {
    if (!wrangler?.pid) throw new Error("wrangler is not running");
    const all = descendants(wrangler.pid).filter((pid) => /\bworkerd serve\b/.test(cmdline(pid)));
    const holders = all.filter((pid) => holdsFilesUnder(pid, persistDir));
    if (holders.length === 1) return /** @type {number} */ (holders[0]);
    // Before it has opened a file: the workerd that does not listen on the dev port is the Worker's
    // (the other one is wrangler's entry proxy).
    const workers = all.filter((pid) => !cmdline(pid).includes(`:${port} `));
    if (workers.length === 1) return /** @type {number} */ (workers[0]);
    throw new Error(`expected one Worker workerd under wrangler (pid ${wrangler.pid}), found ${all.length}: ${all.join(", ")}`);
  };

  try {
    await launch();
  } catch (error) {
    // Not ready (or not answering) in time: nothing of it may outlive the failed start.
    await stopWrangler();
    throw error;
  }

  return {
    url,
    /** How many session log events were seen so far: pass it to `eventsSince` later. */
    get eventCount() {
      return events.length;
    },
    /** The session log events (`{"event":"turn_continued","session":...}`) since `index`. @param {number} index */
    eventsSince: (index) => events.slice(index),
    /** @param {string} line a marker in the wrangler log, so test events line up with workerd's */
    mark: (line) => record(`=== ${line}`),
    /**
     * SIGKILLs the Worker's workerd, then waits until the API answers again: restarted by miniflare,
     * or by a fresh `wrangler dev` when wrangler did not bring it back (or when `fresh` asks for one).
     * @param {{ fresh?: boolean }} [options]
     * @returns {Promise<{ pid: number, restartMs: number, fresh: boolean }>}
     */
    async crash({ fresh: forceFresh = false } = {}) {
      const pid = findWorkerd();
      record(`=== SIGKILL workerd ${pid}`);
      process.kill(pid, "SIGKILL");
      const killedAt = Date.now();
      while (!isDead(pid)) await sleep(10);
      // Give wrangler a moment to notice: a probe answered by the dying runtime would be meaningless.
      await sleep(100);
      let fresh = false;
      try {
        if (forceFresh) throw new Error("a fresh wrangler dev was asked for");
        if (!running()) throw new Error("wrangler exited after its workerd was killed");
        await waitForApi(url, RESTART_TIMEOUT_MS, () => running());
      } catch (error) {
        if (!forceFresh) log(`[crash] ${error instanceof Error ? error.message : String(error)}: starting a fresh wrangler dev`);
        await stopWrangler();
        await launch();
        fresh = true;
      }
      record(`=== API answers again after ${Date.now() - killedAt} ms${fresh ? " (fresh wrangler)" : ""}`);
      return { pid, restartMs: Date.now() - killedAt, fresh };
    },
    async stop() {
      await stopWrangler();
      wrangler = undefined;
    },
    /** Last-resort synchronous cleanup (process exit before stop): SIGKILL the whole group. */
    killNow() {
      wrangler?.kill();
    },
  };
}
