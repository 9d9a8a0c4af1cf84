#!/usr/bin/env node
// `npm run bench`: starts the service (wrangler dev + the fake Anthropic upstream), runs every
// scenario, prints one table and writes bench/results.json. See BENCHMARKS.md.
import { mkdirSync, writeFileSync } from "node:fs";
import { loadavg } from "node:os";
import { dirname, resolve } from "node:path";
import { performance } from "node:perf_hooks";
import { fileURLToPath } from "node:url";
import { runTurn, sendChat, turnText } from "./api.mjs";
import { readConfig, USAGE } from "./config.mjs";
import { profiles } from "./diagnostics.mjs";
import { coldStart, paced } from "./durability.mjs";
import { baselineCpu, fanoutRun } from "./fanout.mjs";
import { rawFanout } from "./raw-fanout.mjs";
import {
  diagnosticRows,
  durabilityRows,
  fanoutRows,
  flushSweepRows,
  formatTable,
  machineInfo,
  resumeRows,
  throughputRows,
} from "./report.mjs";
import { resume } from "./resume.mjs";
import { startService } from "./service.mjs";
import { sessionId } from "./stats.mjs";
import { concurrentSessions, singleSession } from "./throughput.mjs";

const repo = resolve(dirname(fileURLToPath(import.meta.url)), "..");
const config = readConfig();
if (config.help) {
  console.log(USAGE);
  process.exit(0);
}
const log = (line) => console.error(`[bench ${((performance.now() - started) / 1000).toFixed(0).padStart(3)} s] ${line}`);
const started = performance.now();
const results = { machine: machineInfo(repo), config, scenarios: {} };
// A last resort against a hang: the bench is meant to finish well within this.
setTimeout(async () => {
  log(`still running after ${config.maxSeconds} s: giving up`);
  await active?.stop();
  process.exit(1);
}, config.maxSeconds * 1000).unref();

let active;
for (const signal of ["SIGINT", "SIGTERM"]) {
  process.on(signal, async () => {
    log(`${signal}: stopping the service`);
    await active?.stop();
    process.exit(130);
  });
}

/** Each suite gets a fresh service (fresh workerd: memory and caches do not carry over) and a warm-up turn. */
async function withService(name, fn, vars = []) {
  log(`${name}: starting wrangler dev`);
  const svc = await startService({ repo: config.appDir ?? repo, inPlace: config.inPlace, log, vars });
  active = svc;
  try {
    const work = (async () => {
      await runTurn(sendChat(svc.baseUrl, sessionId("warmup"), turnText(2_000, 0)), "warm-up turn");
      return fn(svc);
    })();
    work.catch(() => {}); // if a reload wins the race, the cut-off work fails later: nothing to report then
    return await Promise.race([work, svc.reloaded]);
  } finally {
    await svc.stop();
    active = undefined;
  }
}

const want = (name) => config.only.includes(name);
const rows = [];
try {
  if (want("fanout")) {
    const fanout = { runs: [], raw: [], baselineCpu: {} };
    results.scenarios.fanout = fanout;
    for (const followers of config.followers) {
      log(`fan-out floor: raw Node fan-out to ${followers} followers`);
      fanout.raw.push(await rawFanout({ followers, events: config.rawEvents, rate: config.fanoutRate }));
    }
    for (const transport of config.transports) {
      await withService(`fan-out ${transport}`, async (svc) => {
        fanout.baselineCpu[transport] = await baselineCpu(svc, { tokens: config.fanoutTokens, rate: config.fanoutRate });
        // Largest first: its memory is measured on the freshest process.
        for (const followers of [...config.followers].sort((a, b) => b - a)) {
          log(`fan-out ${transport}: ${followers} followers, ${config.fanoutTokens} tokens at ${config.fanoutRate}/s`);
          const run = await fanoutRun(svc, { transport, followers, tokens: config.fanoutTokens, rate: config.fanoutRate });
          log(
            `  ${run.complete}/${followers} complete, lag p99 ${run.lagMs.p99.toFixed(2)} ms, ${run.cpuPerChunkUs.worker.toFixed(0)} us CPU/chunk`,
          );
          fanout.runs.push(run);
        }
      });
    }
    rows.push(...fanoutRows(fanout));
  }
  if (want("throughput") || want("durability") || want("resume")) {
    await withService("throughput, durability, resume", async (svc) => {
      const base = svc.baseUrl;
      const s = results.scenarios;
      if (want("throughput") || want("durability")) {
        log(`throughput: 1 session, ${config.throughputTokens} tokens at full speed, ${config.throughputReps} reps`);
        s.throughput = {
          single: await singleSession(base, { tokens: config.throughputTokens, reps: config.throughputReps }),
          concurrent: [],
        };
      }
      if (want("throughput")) {
        for (const [i, sessions] of config.sessions.entries()) {
          log(`throughput: ${sessions} sessions x ${config.sessionTokens[i]} tokens`);
          s.throughput.concurrent.push(
            await concurrentSessions(base, { sessions, tokens: config.sessionTokens[i], processes: svc.processes }),
          );
        }
        rows.push(...throughputRows(s.throughput));
      }
      if (want("durability")) {
        log(`durability: ${config.pacedReps} x ${config.pacedTokens} tokens at ${config.pacedRate}/s, durable and baseline`);
        s.durability = { paced: await paced(base, { tokens: config.pacedTokens, rate: config.pacedRate, reps: config.pacedReps }) };
        log("durability: cold start");
        s.durability.cold = await coldStart(base, { reps: config.coldReps });
        rows.push(...durabilityRows({ ...s.durability, single: s.throughput.single }));
      }
      if (want("resume")) {
        log(`resume: at chunk ${config.resumeAt} of a ${config.resumeTokens}-token turn`);
        s.resume = await resume(base, { tokens: config.resumeTokens, at: config.resumeAt, reps: config.resumeReps });
        rows.push(...resumeRows(s.resume));
      }
    });
  }
  if (want("flush-sweep") && config.flushIntervals.length > 0) {
    results.scenarios.flushSweep = [];
    for (const flushIntervalMs of config.flushIntervals) {
      await withService(
        `what-if CHUNK_FLUSH_INTERVAL_MS=${flushIntervalMs}`,
        async (svc) => {
          const run = await paced(svc.baseUrl, { tokens: config.pacedTokens, rate: config.pacedRate, reps: config.pacedReps });
          results.scenarios.flushSweep.push({ flushIntervalMs, paced: run });
        },
        [`CHUNK_FLUSH_INTERVAL_MS:${flushIntervalMs}`],
      );
    }
    rows.push(...flushSweepRows(results.scenarios.flushSweep));
  }
  if (want("diagnostics")) {
    const d = {};
    results.scenarios.diagnostics = d;
    await withService("diagnostics", async (svc) => {
      const fan = { tokens: config.fanoutTokens, rate: config.fanoutRate };
      log("diagnostics: CPU profiles");
      const ws = config.diagnosticFollowers;
      const sse = Math.max(...config.followers);
      const sessions = Math.max(...config.sessions);
      d.profiles = await profiles(svc, [
        { name: `ws-x${ws}`, run: () => fanoutRun(svc, { ...fan, transport: "ws", followers: ws }) },
        { name: `sse-x${sse}`, run: () => fanoutRun(svc, { ...fan, transport: "sse", followers: sse }) },
        {
          name: `${sessions}-sessions`,
          run: () =>
            concurrentSessions(svc.baseUrl, { sessions, tokens: config.sessionTokens.at(-1), durableOnly: true, processes: svc.processes }),
        },
      ]);
    });
    rows.push(...diagnosticRows(d));
  }
} catch (error) {
  await active?.stop();
  console.error(error);
  if (rows.length > 0) console.log(formatTable(rows));
  process.exit(1);
}

results.rows = rows;
results.seconds = (performance.now() - started) / 1000;
results.machine.loadAverageAtEnd = loadavg().map((x) => +x.toFixed(2));
const table = formatTable(rows);
console.log(table);
console.log(
  `\n${results.machine.cpus.count} x ${results.machine.cpus.model}, ${results.machine.memoryGB.total} GB, ${results.machine.os}, Node ${results.machine.node}, commit ${results.machine.commit}${results.machine.workingTreeChanges ? ` + ${results.machine.workingTreeChanges} changed files` : ""}; ${results.seconds.toFixed(0)} s; load average ${results.machine.loadAverageAtStart[0]} at start, ${results.machine.loadAverageAtEnd[0]} at end`,
);
const out = resolve(repo, config.out);
mkdirSync(dirname(out), { recursive: true });
writeFileSync(out, `${JSON.stringify(results, null, 2)}\n`);
console.log(`results: ${out}`);
process.exit(rows.some((r) => r.result === "FAIL") ? 1 : 0);
