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
import { baselineCpu, fanoutRun, fanoutRuns } from "./fanout.mjs";
import { filesRows, filesScenario } from "./files.mjs";
import { firstDelta, keptBytes, pacedDelay } from "./latency.mjs";
import { bigTurnRows, keptRows, latencyRows, peerRows } from "./latency-report.mjs";
import { runPeer } from "./peer.mjs";
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
/** CHUNK_FLUSH_DELTAS when no var sets it (src/config.ts) */
const DEFAULT_FLUSH_DELTAS = 4;
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
async function withService(name, fn, vars = [], appDir = config.appDir ?? repo, options = {}) {
  log(`${name}: starting wrangler dev`);
  const svc = await startService({ repo: appDir, inPlace: config.inPlace && appDir === repo, log, vars, ...options });
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
          // 100 followers is where the issue compares with the peer: several turns, medians.
          const fan = { transport, followers, tokens: config.fanoutTokens, rate: config.fanoutRate };
          const run = followers === 100 ? await fanoutRuns(svc, fan, config.lagReps) : await fanoutRun(svc, fan);
          log(
            `  ${run.complete}/${followers} complete, lag p99 ${run.lagMs.p99.toFixed(2)} ms, ${run.cpuPerChunkUs.worker.toFixed(0)} us CPU/chunk`,
          );
          fanout.runs.push(run);
        }
      });
    }
    if (config.beforeDir) {
      for (const transport of config.transports) {
        await withService(
          `fan-out ${transport} (before)`,
          async (svc) => {
            fanout.baselineCpu[`${transport}-before`] = await baselineCpu(svc, { tokens: config.fanoutTokens, rate: config.fanoutRate });
            log(`fan-out ${transport} (before): 100 followers`);
            fanout.runs.push({
              code: "before",
              ...(await fanoutRuns(
                svc,
                { transport, followers: 100, tokens: config.fanoutTokens, rate: config.fanoutRate },
                config.lagReps,
              )),
            });
          },
          [],
          resolve(config.beforeDir),
        );
      }
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
            await concurrentSessions(base, {
              sessions,
              tokens: config.sessionTokens[i],
              processes: svc.processes,
              reps: config.sessionReps,
            }),
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
  if (want("throughput") && config.beforeDir) {
    await withService(
      "throughput (before)",
      async (svc) => {
        const before = [];
        for (const [i, sessions] of config.sessions.entries()) {
          log(`throughput (before): ${sessions} sessions x ${config.sessionTokens[i]} tokens`);
          const tokens = config.sessionTokens[i];
          before.push({
            code: "before",
            ...(await concurrentSessions(svc.baseUrl, { sessions, tokens, processes: svc.processes, reps: config.sessionReps })),
          });
        }
        results.scenarios.throughput.concurrent.push(...before);
        rows.push(...throughputRows({ concurrent: before }));
      },
      [],
      resolve(config.beforeDir),
    );
  }
  // The code measured ("this"), and the code before a change when --before-dir names it.
  const codes = [
    { name: "this", dir: config.appDir ?? repo },
    ...(config.beforeDir ? [{ name: "before", dir: resolve(config.beforeDir) }] : []),
  ];
  if (want("latency")) {
    const latency = { first: [], delay: [], kept: [] };
    results.scenarios.latency = latency;
    const delayRuns = async (svc, code, policy, followers = config.latencyFollowers) => {
      for (const rate of config.latencyRates) {
        log(`latency ${code} ${policy}: ${config.latencyTokens} tokens at ${rate}/s, ${followers} followers`);
        const run = await pacedDelay(svc.baseUrl, { tokens: config.latencyTokens, rate, followers, reps: config.latencyReps });
        latency.delay.push({ code, policy, ...run });
      }
    };
    for (const code of codes) {
      await withService(
        `latency (${code.name})`,
        async (svc) => {
          log(`latency ${code.name}: send -> first text delta, ${config.firstDeltaReps} x ${config.firstDeltaTokens} tokens`);
          latency.first.push({
            code: code.name,
            ...(await firstDelta(svc.baseUrl, { tokens: config.firstDeltaTokens, rate: 0, reps: config.firstDeltaReps })),
          });
          await delayRuns(svc, code.name, "default");
          // The policy's own share, without the fan-out's: the same runs with nobody else attached.
          await delayRuns(svc, code.name, "default", 0);
          log(`latency ${code.name}: bytes kept, ${config.keptTurns} turns of ${config.keptTokens} tokens in one session`);
          latency.kept.push({ code: code.name, ...(await keptBytes(svc.baseUrl, { tokens: config.keptTokens, turns: config.keptTurns })) });
          const rate = config.latencyRates[0];
          log(`latency ${code.name}: bursty upstream, ${config.burst} deltas per read at ${rate}/s`);
          const bursty = await pacedDelay(svc.baseUrl, {
            tokens: config.latencyTokens,
            rate,
            burst: config.burst,
            followers: config.latencyFollowers,
            reps: config.latencyReps,
          });
          latency.delay.push({ code: code.name, policy: "default", ...bursty });
        },
        [],
        code.dir,
      );
    }
    // The curve: the same paced runs at other rows-per-delta settings (the default's are above).
    for (const deltas of config.policies.filter((k) => k !== DEFAULT_FLUSH_DELTAS)) {
      await withService(`latency CHUNK_FLUSH_DELTAS=${deltas}`, (svc) => delayRuns(svc, "this", `deltas=${deltas}`), [
        `CHUNK_FLUSH_DELTAS:${deltas}`,
      ]);
    }
    rows.push(...latencyRows(latency), ...keptRows(latency.kept));
  }
  if (want("big-turn")) {
    const big = [];
    results.scenarios.bigTurn = big;
    for (const code of codes) {
      await withService(
        `big turn (${code.name})`,
        async (svc) => {
          for (const transport of ["sse", "ws"]) {
            log(`big turn ${code.name}: ${config.bigTurnTokens} tokens at full speed to ${config.bigTurnFollowers} ${transport} followers`);
            const run = await fanoutRun(svc, { transport, followers: config.bigTurnFollowers, tokens: config.bigTurnTokens, rate: 0 });
            log(`  ${run.complete}/${run.followers} complete in ${run.followersSeconds.toFixed(1)} s, ${JSON.stringify(run.outcomes)}`);
            big.push({ code: code.name, ...run });
          }
        },
        [],
        code.dir,
      );
    }
    rows.push(...bigTurnRows(big));
  }
  if (want("peer")) {
    log("peer: Cloudflare AIChatAgent (bench/peer), side by side");
    // The peer is a comparison, not a check: a failure of its own is reported, and the run goes on.
    try {
      results.scenarios.peer = await runPeer({
        repo,
        log,
        tokens: config.latencyTokens,
        followers: config.latencyFollowers,
        firstDeltaTokens: config.firstDeltaTokens,
        firstDeltaReps: config.firstDeltaReps,
        rates: config.latencyRates,
        burst: config.burst,
        keptTurns: config.keptTurns,
        keptTokens: config.keptTokens,
        lagReps: config.lagReps,
        setActive: (a) => (active = a),
      });
    } catch (error) {
      results.scenarios.peer = { skipped: String(error.message ?? error).slice(0, 200) };
      await active?.stop();
    }
    rows.push(...peerRows(results.scenarios.peer, results.scenarios));
  }
  if (want("files")) {
    results.scenarios.files = {};
    for (const code of codes) {
      await withService(
        `files (${code.name})`,
        async (svc) => {
          results.scenarios.files[code.name] = await filesScenario(svc, log);
        },
        [],
        code.dir,
        { upstreamProcess: true },
      );
      rows.push(...filesRows(results.scenarios.files[code.name], code.name));
    }
    // The same with the Anthropic Files API on: the first turn uploads each file, later requests name it by id.
    await withService(
      "files (Files API)",
      async (svc) => {
        results.scenarios.files.filesApi = await filesScenario(svc, log);
      },
      ["ANTHROPIC_FILES_API:on"],
      config.appDir ?? repo,
      { upstreamProcess: true },
    );
    rows.push(...filesRows(results.scenarios.files.filesApi, "ANTHROPIC_FILES_API=on"));
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
