// Scenarios 1 and 5, fan-out and memory: one session, N followers attached (SSE or WebSocket) to a
// running turn. Every follower must receive every chunk of the turn; the lag between the first and
// the last follower to receive each chunk, the workerd CPU time per chunk and the workerd RSS with
// the followers attached are measured.
import { cpus } from "node:os";
import { performance } from "node:perf_hooks";
import { follow, followWs, runTurn, sendBaseline, sendChat, sessionStats, turnText } from "./api.mjs";
import { cpuBetween, sample } from "./proc.mjs";
import { parseSse } from "./sse-client.mjs";
import { percentile, sleep } from "./stats.mjs";
import { warmSession } from "./throughput.mjs";
import { parseWs } from "./ws-client.mjs";

/** ms after the last follower's first bytes before chunks count as live for every follower */
const SETTLE_MS = 200;
const MEMORY_SAMPLES = 5;
const CPU_COUNT = cpus().length;
const MEMORY_SAMPLE_EVERY_MS = 200;

function withTimeout(promise, ms, what) {
  let timer;
  return Promise.race([
    promise.finally(() => clearTimeout(timer)),
    new Promise((_, reject) => (timer = setTimeout(() => reject(new Error(`${what} did not finish within ${ms / 1000} s`)), ms))),
  ]);
}

/** Checks one follower's recording against the turn's chunks; returns its arrival times by chunk index, or a problem. */
function check(transport, client, reference) {
  if (transport === "sse") {
    if (client.status !== 200) return { problem: `HTTP ${client.status}` };
    const { events, done } = parseSse(client);
    if (!done) return { problem: `no [DONE] (${client.error ?? "stream ended early"})` };
    if (events.length !== reference.length) return { problem: `${events.length} of ${reference.length} chunks` };
    for (let i = 0; i < events.length; i++) {
      if (events[i].id !== reference[i].id || events[i].data !== reference[i].data) return { problem: `chunk ${i} differs` };
    }
    return { times: events.map((e) => e.t) };
  }
  const { events, done } = parseWs(client);
  if (!done) return { problem: `no end frame (${client.outcome})` };
  if (events.length !== reference.length) return { problem: `${events.length} of ${reference.length} chunks` };
  for (let i = 0; i < events.length; i++) {
    if (events[i].sequence !== i || events[i].data !== reference[i].data) return { problem: `chunk ${i} differs` };
  }
  return { times: events.map((e) => e.t) };
}

/** First-to-last-follower lag of every chunk that reached all followers live (after they all attached). */
function lags(timesByFollower, liveAfter) {
  const out = [];
  const chunks = timesByFollower[0]?.length ?? 0;
  for (let i = 0; i < chunks; i++) {
    let min = Infinity;
    let max = -Infinity;
    for (const times of timesByFollower) {
      if (times[i] < min) min = times[i];
      if (times[i] > max) max = times[i];
    }
    if (min > liveAfter) out.push(max - min);
  }
  return out;
}

const mb = (bytes) => bytes / 2 ** 20;

const countBy = (values) => {
  const out = {};
  for (const v of values) out[v] = (out[v] ?? 0) + 1;
  return out;
};

/** One run: N followers of one turn. `base` defaults to wrangler's port (through its proxy). */
export async function fanoutRun(svc, { transport, followers, tokens, rate, base = svc.baseUrl }) {
  const id = await warmSession(base, `fan-${transport}-${followers}`);
  const cpuBefore = sample(svc.processes);
  const origin = sendChat(base, id, turnText(tokens, rate));
  await origin.firstData;
  const memoryBefore = sample(svc.processes);
  const attachStart = performance.now();
  const clients = Array.from({ length: followers }, () => (transport === "sse" ? follow(base, id) : followWs(base, id)));
  // At full speed (rate 0) the turn's length is unknown: allow a minute per 10,000 tokens.
  const turnMs = rate > 0 ? (tokens / rate) * 1000 : tokens * 6;
  await withTimeout(Promise.all(clients.map((c) => c.firstData)), turnMs + 60_000, "attaching the followers");
  const attachedAt = performance.now();
  const attachedFollowers = (await sessionStats(base, id)).followers;
  const memoryAttached = [];
  for (let i = 0; i < MEMORY_SAMPLES; i++) {
    await sleep(MEMORY_SAMPLE_EVERY_MS);
    memoryAttached.push(sample(svc.processes));
  }
  // Generous: on a saturated machine a 500-follower turn runs several times slower than its pace.
  const turn = await runTurn(origin, "fan-out turn", turnMs * 10 + 60_000);
  await withTimeout(Promise.all(clients.map((c) => c.done)), 60_000, "the followers");
  const cpuAfter = sample(svc.processes);

  const reference = turn.events;
  const checked = clients.map((c) => check(transport, c, reference));
  const problems = checked.map((c, i) => c.problem && `follower ${i}: ${c.problem}`).filter(Boolean);
  const complete = checked.length - problems.length;
  const times = checked.filter((c) => c.times).map((c) => c.times);
  const lag = lags(times, attachedAt + SETTLE_MS);
  const rssAttached = (name) => Math.max(...memoryAttached.map((s) => s[name].rss));
  const used = cpuBetween(cpuBefore, cpuAfter);
  const wall = (cpuAfter.at - cpuBefore.at) / 1000;
  // CPU the rest of the machine used meanwhile (other people's processes on a shared machine), in cores.
  const otherCores = (used.machineBusy * CPU_COUNT * wall - used.worker - used.proxy - used.bench) / wall;
  const cpu = (name) => used[name];
  return {
    transport,
    followers,
    tokens,
    rate,
    chunks: reference.length,
    complete,
    problems: problems.slice(0, 5),
    attachMs: attachedAt - attachStart,
    attachedFollowers,
    liveChunks: lag.length,
    lagMs: { p50: percentile(lag, 50), p99: percentile(lag, 99), max: lag.length ? Math.max(...lag) : Number.NaN },
    seconds: wall,
    otherCores,
    cpuSeconds: used,
    cpuPerChunkUs: { worker: (cpu("worker") / reference.length) * 1e6, proxy: (cpu("proxy") / reference.length) * 1e6 },
    // Per upstream token (text delta): comparable whether or not the service merges deltas into fewer chunks.
    cpuPerTokenUs: { worker: (cpu("worker") / tokens) * 1e6, proxy: (cpu("proxy") / tokens) * 1e6 },
    turnSeconds: (turn.rec.endAt - turn.rec.sentAt) / 1000,
    followersSeconds: (Math.max(...clients.map((c) => c.endAt)) - attachStart) / 1000,
    outcomes: countBy(clients.map((c) => c.outcome ?? (c.error ? "error" : c.status))),
    rssMB: {
      worker: { before: mb(memoryBefore.worker.rss), attached: mb(rssAttached("worker")) },
      proxy: { before: mb(memoryBefore.proxy.rss), attached: mb(rssAttached("proxy")) },
    },
    rssPerFollowerKB: {
      worker: (rssAttached("worker") - memoryBefore.worker.rss) / 1024 / followers,
      proxy: (rssAttached("proxy") - memoryBefore.proxy.rss) / 1024 / followers,
    },
  };
}

/**
 * `reps` runs of the same fan-out, as one: the median of their p99 lags (one turn's p99 is its ~5
 * worst chunks, so a single stall of this shared machine moves it by several ms) and of their CPU per
 * token; every run's figures are kept in `reps`.
 */
export async function fanoutRuns(svc, options, reps) {
  const runs = [];
  for (let i = 0; i < reps; i++) runs.push(await fanoutRun(svc, options));
  const med = (f) => percentile(runs.map(f), 50);
  const byLag = [...runs].sort((a, b) => a.lagMs.p99 - b.lagMs.p99);
  return {
    ...byLag[Math.floor((byLag.length - 1) / 2)],
    complete: Math.min(...runs.map((r) => r.complete)),
    lagMs: { p50: med((r) => r.lagMs.p50), p99: med((r) => r.lagMs.p99), max: Math.max(...runs.map((r) => r.lagMs.max)) },
    cpuPerTokenUs: { worker: med((r) => r.cpuPerTokenUs.worker), proxy: med((r) => r.cpuPerTokenUs.proxy) },
    reps: runs.map((r) => ({ lagP99Ms: r.lagMs.p99, cpuPerTokenUs: r.cpuPerTokenUs.worker, complete: r.complete })),
  };
}

/** The baseline route with the same paced upstream: workerd CPU per chunk without a Durable Object. */
export async function baselineCpu(svc, { tokens, rate }) {
  const before = sample(svc.processes);
  const turn = await runTurn(sendBaseline(svc.baseUrl, turnText(tokens, rate)), "baseline turn");
  const after = sample(svc.processes);
  const per = (name) => ((after[name].cpu - before[name].cpu) / turn.events.length) * 1e6;
  const perToken = (name) => ((after[name].cpu - before[name].cpu) / tokens) * 1e6;
  return {
    chunks: turn.events.length,
    cpuPerChunkUs: { worker: per("worker"), proxy: per("proxy") },
    cpuPerTokenUs: { worker: perToken("worker"), proxy: perToken("proxy") },
  };
}
