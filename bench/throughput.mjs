// Scenario 2, throughput: chunks per second through one session with the upstream as fast as it
// goes, and through 10 and 100 sessions at once; each against the no-persistence baseline route
// carrying the same turns at the same moment structure. The single-session runs also give the
// full-speed overhead ratio and the full-speed durability cost (rows, bytes) for scenario 3.
import { runTurn, sendBaseline, sendChat, sessionStats, textDeltas, turnText } from "./api.mjs";
import { cpuBetween, sample } from "./proc.mjs";
import { median, sessionId } from "./stats.mjs";

/** A session whose object is already running (one 1-token turn done): turns measure streaming, not cold start. */
export async function warmSession(base, prefix) {
  const id = sessionId(prefix);
  await runTurn(sendChat(base, id, turnText(1, 0)), `warm-up turn ${id}`);
  return id;
}

/** The difference of two stats snapshots, counter by counter. */
export function statsDelta(before, after) {
  const chunkLog = {};
  for (const key of Object.keys(after.chunkLog)) chunkLog[key] = after.chunkLog[key] - before.chunkLog[key];
  return {
    chunkLog,
    messageRowsWritten: after.messageRowsWritten - before.messageRowsWritten,
    databaseBytes: after.databaseBytes - before.databaseBytes,
  };
}

/** One durable turn in a warm session; returns its timing and what it added to the session's storage counters. */
async function durableTurn(base, tokens, prefix) {
  const id = await warmSession(base, prefix);
  const before = await sessionStats(base, id);
  const turn = await runTurn(sendChat(base, id, turnText(tokens, 0)), `durable turn ${id}`);
  const stats = statsDelta(before, await sessionStats(base, id));
  return { id, turn, stats };
}

const seconds = (turn) => (turn.rec.endAt - turn.rec.sentAt) / 1000;

/** Alternates baseline and durable runs so that drift in machine load hits both alike. */
export async function singleSession(base, { tokens, reps }) {
  const runs = [];
  for (let i = 0; i < reps; i++) {
    const baseline = await runTurn(sendBaseline(base, turnText(tokens, 0)), "baseline turn");
    const durable = await durableTurn(base, tokens, "tput1");
    runs.push({
      chunks: durable.turn.events.length,
      textDeltas: textDeltas(durable.turn.events).length,
      durableSeconds: seconds(durable.turn),
      baselineSeconds: seconds(baseline),
      durableTtfcMs: durable.turn.events[0].t - durable.turn.rec.sentAt,
      baselineTtfcMs: baseline.events[0].t - baseline.rec.sentAt,
      durableBodyReads: durable.turn.rec.pieces.length,
      baselineBodyReads: baseline.rec.pieces.length,
      stats: durable.stats,
    });
  }
  const durableSeconds = median(runs.map((r) => r.durableSeconds));
  const baselineSeconds = median(runs.map((r) => r.baselineSeconds));
  const chunks = runs[0].chunks;
  return {
    tokens,
    reps,
    chunks,
    durableSeconds,
    baselineSeconds,
    durableChunksPerSecond: chunks / durableSeconds,
    baselineChunksPerSecond: chunks / baselineSeconds,
    durableTokensPerSecond: tokens / durableSeconds,
    baselineTokensPerSecond: tokens / baselineSeconds,
    overhead: durableSeconds / baselineSeconds,
    runs,
  };
}

/**
 * `sessions` turns of `tokens` each, all sent at once: aggregate chunks per second (`durableOnly`: skip
 * the baseline wave). With `reps` > 1 the pair of waves (baseline, then durable in fresh warm sessions)
 * runs that many times and the pair with the median ratio is reported, with every ratio in `ratios`:
 * one wave's ratio moves by 2x on a shared 2-core machine.
 */
export async function concurrentSessions(base, { sessions, tokens, durableOnly = false, processes = {}, reps = 1 }) {
  const pairs = [];
  for (let i = 0; i < reps; i++) pairs.push(await concurrentPair(base, { sessions, tokens, durableOnly, processes }));
  if (durableOnly || pairs.length === 1) return pairs[0];
  const sorted = [...pairs].sort((a, b) => a.ratio - b.ratio);
  return { ...sorted[Math.floor((sorted.length - 1) / 2)], ratios: pairs.map((p) => p.ratio) };
}

async function concurrentPair(base, { sessions, tokens, durableOnly, processes }) {
  const wave = async (start) => {
    const before = sample(processes);
    const recs = Array.from({ length: sessions }, (_, i) => start(i));
    const turns = await Promise.all(recs.map((rec, i) => runTurn(rec, `concurrent turn ${i}`)));
    const cpu = cpuBetween(before, sample(processes));
    const first = Math.min(...turns.map((t) => t.rec.sentAt));
    const last = Math.max(...turns.map((t) => t.rec.endAt));
    const chunks = turns.reduce((sum, t) => sum + t.events.length, 0);
    const perChunkUs = (name) => (cpu[name] / chunks) * 1e6;
    // Upstream deltas: the same count for both routes whether or not deltas are merged into fewer chunks.
    const deltas = sessions * tokens;
    const perTokenUs = (name) => (cpu[name] / deltas) * 1e6;
    return {
      chunks,
      seconds: (last - first) / 1000,
      chunksPerSecond: chunks / ((last - first) / 1000),
      tokensPerSecond: deltas / ((last - first) / 1000),
      cpuPerChunkUs: { worker: perChunkUs("worker"), proxy: perChunkUs("proxy"), bench: perChunkUs("bench") },
      cpuPerTokenUs: { worker: perTokenUs("worker"), proxy: perTokenUs("proxy"), bench: perTokenUs("bench") },
      machineBusy: cpu.machineBusy,
    };
  };
  const baseline = durableOnly ? undefined : await wave(() => sendBaseline(base, turnText(tokens, 0)));
  const ids = await Promise.all(Array.from({ length: sessions }, () => warmSession(base, `tput${sessions}`)));
  const before = await Promise.all(ids.map((id) => sessionStats(base, id)));
  const durable = await wave((i) => sendChat(base, ids[i], turnText(tokens, 0)));
  const after = await Promise.all(ids.map((id) => sessionStats(base, id)));
  // Coalescing is per session: when many sessions share the isolate, each sees few chunks per flush window.
  const rows = after.reduce((sum, s, i) => sum + s.chunkLog.rowsWritten - before[i].chunkLog.rowsWritten, 0);
  durable.chunkRowsPer1000Chunks = (rows / durable.chunks) * 1000;
  durable.chunkRowsPer1000Tokens = (rows / (sessions * tokens)) * 1000;
  return { sessions, tokens, durable, baseline, ratio: baseline && durable.tokensPerSecond / baseline.tokensPerSecond };
}
