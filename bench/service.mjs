// Starts the service the way scripts/dev.mjs does: the fake Anthropic upstream in this process (or in
// its own, see upstream-process.mjs), and
// `wrangler dev` (workerd) pointed at it, on free ports, with its own persistence directory.
import { execFileSync } from "node:child_process";
import { copyFileSync, createWriteStream, existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, statSync, symlinkSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { startFakeAnthropic } from "../fake-anthropic/serve.mjs";
import { startWrangler } from "../scripts/lib/start-wrangler.mjs";
import { findWorkerd } from "./proc.mjs";
import { startUpstreamProcess } from "./upstream-process.mjs";

const READY_TIMEOUT_MS = 90_000;

/**
 * Copies the working tree (tracked and untracked files that git does not ignore) to `dir`, with
 * node_modules linked: wrangler dev reloads the Worker, cutting every stream, whenever a source file
 * changes, and on a shared checkout other people edit files while the bench runs.
 */
function snapshot(repo, dir) {
  const files = execFileSync("git", ["ls-files", "-z", "--cached", "--others", "--exclude-standard"], { cwd: repo, encoding: "utf8" });
  for (const file of files.split("\0")) {
    if (file === "" || file.startsWith("bench/") || !existsSync(join(repo, file))) continue;
    mkdirSync(dirname(join(dir, file)), { recursive: true });
    copyFileSync(join(repo, file), join(dir, file));
  }
  symlinkSync(join(repo, "node_modules"), join(dir, "node_modules"));
}

/** The source map of the bundle wrangler dev is running (the newest under .wrangler/tmp). */
function bundleMap(appDir) {
  const tmp = join(appDir, ".wrangler", "tmp");
  if (!existsSync(tmp)) return undefined;
  const maps = readdirSync(tmp)
    .filter((d) => d.startsWith("dev-") && existsSync(join(tmp, d, "index.js.map")))
    .map((d) => join(tmp, d, "index.js.map"))
    .sort((a, b) => statSync(b).mtimeMs - statSync(a).mtimeMs);
  return maps[0];
}

/**
 * @param {{ repo: string, inPlace?: boolean, log: (line: string) => void, vars?: string[], upstreamProcess?: boolean }} options
 *   `inPlace`: run wrangler in the repository itself rather than in a snapshot of it.
 *   `upstreamProcess`: the fake upstream (and its tap, as `upstream.tagged`) in a process of its own.
 * @returns the base URL, the processes to measure, `reloaded` (a promise that rejects if wrangler
 *   reloads the Worker) and `stop()`.
 */
export async function startService({ repo, inPlace = false, log, vars: extraVars = [], upstreamProcess = false }) {
  const stateDir = mkdtempSync(join(tmpdir(), "edgechat-bench-"));
  const appDir = inPlace ? repo : join(stateDir, "app");
  if (!inPlace) snapshot(repo, appDir);
  const fake = upstreamProcess ? await startUpstreamProcess() : await startFakeAnthropic({ port: 0, tokensPerSecond: 0 });
  const logPath = join(stateDir, "wrangler.log");
  const logFile = createWriteStream(logPath);
  const vars = ["DEV_IDENTITY:bench", "BENCH_BASELINE:on", `ANTHROPIC_BASE_URL:${fake.url}`, "ANTHROPIC_API_KEY:fake", ...extraVars];
  let onReload;
  const reloaded = new Promise((_, reject) => (onReload = reject));
  reloaded.catch(() => {});
  /** @type {import("../scripts/lib/start-wrangler.mjs").Wrangler | undefined} */
  let wrangler;

  const stop = async () => {
    await wrangler?.stop();
    await fake.close().catch(() => {});
    logFile.end();
    if (!process.env.BENCH_KEEP_STATE) rmSync(stateDir, { recursive: true, force: true });
  };

  try {
    wrangler = await startWrangler({
      cwd: appDir,
      vars,
      persistTo: join(stateDir, "state"),
      env: { CI: "1" },
      readyTimeoutMs: READY_TIMEOUT_MS,
      log: (line) => {
        logFile.write(`${line}\n`);
        if (/Reloading local server/.test(line))
          onReload(new Error("wrangler dev reloaded the Worker (a source file changed): every stream was cut"));
      },
    });
    const port = wrangler.port;
    const inspectorPort = wrangler.inspectorPort;
    const baseUrl = wrangler.url;
    const processes = findWorkerd(wrangler.pid, port);
    log(
      `wrangler dev ready on ${baseUrl} (wrangler pid ${wrangler.pid}, workerd worker pid ${processes.worker}, proxy pid ${processes.proxy}); fake upstream ${fake.url}`,
    );
    return { baseUrl, processes, inspectorPort, bundleMap: () => bundleMap(appDir), reloaded, logPath, stop, upstream: fake };
  } catch (error) {
    await stop();
    throw error;
  }
}
