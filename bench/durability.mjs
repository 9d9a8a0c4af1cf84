// Scenario 3, cost of durability at a realistic pace: rows and bytes written per 1,000 chunks, and
// the latency a chunk gains against the no-persistence baseline route fed by the same paced upstream.
// (The full-speed half comes from the single-session throughput runs.)
import { performance } from "node:perf_hooks";
import { runTurn, sendBaseline, sendChat, sessionStats, turnText } from "./api.mjs";
import { arrivals, clientTextDeltas, deliveryDelays } from "./delta-timing.mjs";
import { parseSse } from "./sse-client.mjs";
import { percentile, sleep } from "./stats.mjs";
import { statsDelta, warmSession } from "./throughput.mjs";
import { startUpstreamTap } from "./upstream-tap.mjs";

const STATS_POLL_MS = 250;

/**
 * While a durable turn runs, compares what the client has received with what the session reports
 * as written: chunk sequences start at 0 in the session's object, so a client that has chunk n must
 * find at least n + 1 chunks in the log. Stats are read after the client's count, so a chunk sent
 * before it was written would show as received > written. A spot check, not a proof.
 */
async function watchDurable(base, id, rec, until) {
  const checks = [];
  while (!until.settled) {
    await sleep(STATS_POLL_MS);
    const events = parseSse({ pieces: rec.pieces.slice(), times: rec.times }).events;
    const received = events.length === 0 ? 0 : events.at(-1).id + 1;
    const stats = await sessionStats(base, id);
    checks.push({ received, written: stats.chunkLog.chunks });
  }
  return checks;
}

/**
 * Arrival offsets (ms after the request was sent) of each upstream text delta at the client, matched
 * by text offset (the durable stream merges the deltas of a row into one chunk).
 */
function deltaOffsets(tap, turn, tag) {
  const upstream = tap.streamTagged(tag);
  if (!upstream) return [];
  return arrivals(upstream.chars, clientTextDeltas(turn.events)).map((t) => t - turn.rec.sentAt);
}

/**
 * Splits one turn's timing with the upstream tap: when the upstream was called (after the request
 * was sent) and each text delta's delivery time (upstream write -> client arrival).
 */
function split(tap, turn, tag) {
  const upstream = tap.streamTagged(tag);
  if (!upstream) return { upstreamCallMs: Number.NaN, delivery: [] };
  return { upstreamCallMs: upstream.at - turn.rec.sentAt, delivery: deliveryDelays(upstream, turn.events) };
}

export async function paced(base, { tokens, rate, reps }) {
  const tap = startUpstreamTap();
  try {
    return await pacedRuns(base, { tokens, rate, reps, tap });
  } finally {
    tap.stop();
  }
}

/**
 * One pair: a durable turn and a baseline turn sent at the same moment, each with its own paced
 * upstream stream, so that whatever else the shared machine does hits both alike.
 */
async function pacedPair(base, { tokens, rate, tap, tag }) {
  const id = await warmSession(base, "paced");
  const before = await sessionStats(base, id);
  const durableRec = sendChat(base, id, `durable${tag} ${turnText(tokens, rate)}`);
  const baselineRec = sendBaseline(base, `baseline${tag} ${turnText(tokens, rate)}`);
  const until = { settled: false };
  const watching = watchDurable(base, id, durableRec, until);
  const [durable, baseline] = await Promise.all([
    runTurn(durableRec, "paced durable turn").finally(() => (until.settled = true)),
    runTurn(baselineRec, "paced baseline turn"),
  ]);
  const checks = await watching;
  const storage = statsDelta(before, await sessionStats(base, id));
  const b = deltaOffsets(tap, baseline, `baseline${tag}`);
  const d = deltaOffsets(tap, durable, `durable${tag}`);
  const bSplit = split(tap, baseline, `baseline${tag}`);
  const dSplit = split(tap, durable, `durable${tag}`);
  const added = d.map((t, k) => t - b[k]);
  return {
    addedMs: { p50: percentile(added, 50), p99: percentile(added, 99) },
    upstreamCallMs: { durable: dSplit.upstreamCallMs, baseline: bSplit.upstreamCallMs },
    deliveryMs: { durable: percentile(dSplit.delivery, 50), baseline: percentile(bSplit.delivery, 50) },
    delivery: { durable: dSplit.delivery, baseline: bSplit.delivery },
    added,
    textDeltas: d.length,
    chunks: durable.events.length,
    storage,
    durableTtfcMs: durable.events[0].t - durable.rec.sentAt,
    baselineTtfcMs: baseline.events[0].t - baseline.rec.sentAt,
    checks,
  };
}

async function pacedRuns(base, { tokens, rate, reps, tap }) {
  const pairs = [];
  for (let i = 0; i < reps; i++) pairs.push(await pacedPair(base, { tokens, rate, tap, tag: `${Date.now().toString(36)}x${i}` }));
  const added = pairs.flatMap((p) => p.added);
  const delivery = (kind) => pairs.flatMap((p) => p.delivery[kind]);
  const dist = (values) => ({
    p50: percentile(values, 50),
    p99: percentile(values, 99),
    min: Math.min(...values),
    max: Math.max(...values),
  });
  const medianOf = (f) => percentile(pairs.map(f), 50);
  const textDeltaCount = pairs.reduce((s, p) => s + p.textDeltas, 0);
  const chunkCount = pairs.reduce((s, p) => s + p.chunks, 0);
  const sum = (f) => pairs.reduce((s, p) => s + f(p.storage), 0);
  const chunkRows = sum((s) => s.chunkLog.rowsWritten);
  const messageRows = sum((s) => s.messageRowsWritten);
  return {
    tokens,
    rate,
    reps,
    rowsPer1000Deltas: ((chunkRows + messageRows) / textDeltaCount) * 1000,
    chunkRowsPer1000Deltas: (chunkRows / textDeltaCount) * 1000,
    messageRowsPer1000Deltas: (messageRows / textDeltaCount) * 1000,
    chunkLogBytesPer1000Chunks: (sum((s) => s.chunkLog.bytes) / chunkCount) * 1000,
    chunkLogBytesPer1000Deltas: (sum((s) => s.chunkLog.bytes) / textDeltaCount) * 1000,
    // What the log keeps once the turns ended (compacted), per 1,000 upstream deltas.
    keptBytesPer1000Deltas: (sum((s) => s.chunkLog.keptBytes ?? Number.NaN) / textDeltaCount) * 1000,
    databaseBytesPer1000Deltas: (sum((s) => s.databaseBytes) / textDeltaCount) * 1000,
    databaseBytesPer1000Chunks: (sum((s) => s.databaseBytes) / chunkCount) * 1000,
    // The pair medians resist one disturbed pair; the pooled distribution shows the tail.
    addedMs: { p50: medianOf((p) => p.addedMs.p50), p99: percentile(added, 99), pooled: dist(added), pairs: pairs.map((p) => p.addedMs) },
    ttfcMs: { durable: medianOf((p) => p.durableTtfcMs), baseline: medianOf((p) => p.baselineTtfcMs) },
    upstreamCallMs: { durable: medianOf((p) => p.upstreamCallMs.durable), baseline: medianOf((p) => p.upstreamCallMs.baseline) },
    deliveryMs: { durable: dist(delivery("durable")), baseline: dist(delivery("baseline")) },
    neverAhead: pairs.every((p) => p.checks.every((c) => c.received <= c.written)),
    spotChecks: pairs.reduce((s, p) => s + p.checks.length, 0),
    pairs: pairs.map(({ added: _, delivery: __, ...rest }) => rest),
  };
}

/** Time to first chunk of the first turn of a new session (the object starts and migrates) vs a warm one. */
export async function coldStart(base, { reps }) {
  const cold = [];
  const warm = [];
  const baseline = [];
  for (let i = 0; i < reps; i++) {
    const b = await runTurn(sendBaseline(base, turnText(1, 0)), "baseline turn");
    baseline.push(b.events[0].t - b.rec.sentAt);
    const id = `cold-${performance.now().toString(36).replace(".", "")}-${i}`;
    const c = await runTurn(sendChat(base, id, turnText(1, 0)), "cold turn");
    cold.push(c.events[0].t - c.rec.sentAt);
    const w = await runTurn(sendChat(base, id, turnText(1, 0)), "warm turn");
    warm.push(w.events[0].t - w.rec.sentAt);
  }
  return { coldMs: percentile(cold, 50), warmMs: percentile(warm, 50), baselineMs: percentile(baseline, 50), cold, warm, baseline };
}
