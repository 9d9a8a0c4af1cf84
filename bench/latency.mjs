// Latency of durability, per delta: how long the first text delta takes from send (SSE and
// WebSocket) against the no-persistence baseline, and how long each delta of a paced (or bursty)
// upstream waits between the upstream's write and the client, with N followers attached, next to
// the rows it costs. See BENCHMARKS.md, "Latency per delta".
import { follow, runTurn, sendBaseline, sendChat, sessionStats, turnText } from "./api.mjs";
import { clientTextDeltas, deliveryDelays } from "./delta-timing.mjs";
import { parseSse } from "./sse-client.mjs";
import { percentile, sleep } from "./stats.mjs";
import { statsDelta, warmSession } from "./throughput.mjs";
import { startUpstreamTap } from "./upstream-tap.mjs";
import { openWsSend, parseWs } from "./ws-client.mjs";

const FOLLOWERS_TIMEOUT_MS = 60_000;

const firstTextDelta = (events, sentAt) => {
  const first = clientTextDeltas(events)[0];
  return first ? first.t - sentAt : Number.NaN;
};

/**
 * Send -> first text delta: a durable SSE turn, a durable WebSocket turn and a baseline turn sent at
 * the same moment (each in its own session), `reps` times; medians.
 */
export async function firstDelta(base, { tokens, rate, reps }) {
  const runs = [];
  for (let i = 0; i < reps; i++) {
    const sseId = await warmSession(base, "first-sse");
    const wsId = await warmSession(base, "first-ws");
    const message = turnText(tokens, rate);
    const ws = openWsSend(`${base.replace(/^http/, "ws")}/api/chat/${wsId}/ws`, wsId, message);
    const [durable, baseline] = await Promise.all([
      runTurn(sendChat(base, sseId, message), "first-delta durable turn"),
      runTurn(sendBaseline(base, message), "first-delta baseline turn"),
      ws.done,
    ]);
    const wsEvents = parseWs(ws).events;
    runs.push({
      sseMs: firstTextDelta(durable.events, durable.rec.sentAt),
      wsMs: firstTextDelta(wsEvents, ws.sentAt),
      baselineMs: firstTextDelta(baseline.events, baseline.rec.sentAt),
      wsOutcome: ws.outcome,
    });
  }
  const med = (f) => percentile(runs.map(f), 50);
  return { tokens, rate, reps, sseMs: med((r) => r.sseMs), wsMs: med((r) => r.wsMs), baselineMs: med((r) => r.baselineMs), runs };
}

/**
 * One durable turn of a paced upstream (`burst` deltas per network read) with `followers` SSE
 * followers attached, and a baseline turn with the same upstream at the same moment. Per upstream
 * delta: upstream write -> arrival at the sender's client, and at every follower (pooled). Rows and
 * bytes from the session's stats.
 */
export async function pacedDelay(base, { tokens, rate, burst = 1, followers, reps }) {
  const tap = startUpstreamTap();
  const runs = [];
  try {
    for (let i = 0; i < reps; i++) {
      const tag = `${Date.now().toString(36)}p${i}`;
      const id = await warmSession(base, "delay");
      const before = await sessionStats(base, id);
      const directive = `${turnText(tokens, rate)}${burst > 1 ? ` burst=${burst}` : ""}`;
      const durableRec = sendChat(base, id, `durable${tag} ${directive}`);
      const baselineRec = sendBaseline(base, `baseline${tag} ${directive}`);
      await durableRec.firstData;
      const clients = Array.from({ length: followers }, () => follow(base, id));
      const [durable, baseline] = await Promise.all([
        runTurn(durableRec, "paced durable turn"),
        runTurn(baselineRec, "paced baseline turn"),
      ]);
      await Promise.race([Promise.all(clients.map((c) => c.done)), sleep(FOLLOWERS_TIMEOUT_MS)]);
      const storage = statsDelta(before, await sessionStats(base, id));
      const upstream = tap.streamTagged(`durable${tag}`);
      runs.push({
        upstreamDeltas: upstream?.chars.length ?? 0,
        durable: deliveryDelays(upstream, durable.events),
        followers: clients.flatMap((c) => (c.status === 200 ? deliveryDelays(upstream, parseSse(c).events) : [])),
        baseline: deliveryDelays(tap.streamTagged(`baseline${tag}`), baseline.events),
        followersComplete: clients.filter((c) => c.status === 200 && !c.error && c.endAt > 0).length,
        storage,
      });
    }
  } finally {
    tap.stop();
  }
  const pooled = (kind) => runs.flatMap((r) => r[kind]);
  const dist = (values) => ({
    p50: percentile(values, 50),
    p99: percentile(values, 99),
    mean: values.reduce((s, v) => s + v, 0) / values.length,
    n: values.length,
  });
  const deltas = runs.reduce((s, r) => s + r.upstreamDeltas, 0);
  const sum = (f) => runs.reduce((s, r) => s + f(r.storage), 0);
  const chunkRows = sum((s) => s.chunkLog.rowsWritten);
  const messageRows = sum((s) => s.messageRowsWritten);
  return {
    tokens,
    rate,
    burst,
    followers,
    reps,
    deltas,
    durableMs: dist(pooled("durable")),
    baselineMs: dist(pooled("baseline")),
    followerMs: dist(pooled("followers")),
    rowsPer1000Deltas: ((chunkRows + messageRows) / deltas) * 1000,
    chunkRowsPer1000Deltas: (chunkRows / deltas) * 1000,
    keptBytesPer1000Deltas: (sum((s) => s.chunkLog.keptBytes ?? Number.NaN) / deltas) * 1000,
    writtenBytesPer1000Deltas: (sum((s) => s.chunkLog.bytes) / deltas) * 1000,
    databaseBytesPer1000Deltas: (sum((s) => s.databaseBytes) / deltas) * 1000,
    followersComplete: runs.reduce((s, r) => s + r.followersComplete, 0),
    runs: runs.map(({ durable: _, baseline: __, followers: ___, ...rest }) => rest),
  };
}

/**
 * What a session keeps on disk per 1,000 deltas once turns are over: `turns` turns of `tokens` in one
 * session, back to back; the growth of the database file (4 KB pages; pages freed by one turn's
 * compaction are reused by the next) and of the chunk log's kept bytes, over the deltas.
 */
export async function keptBytes(base, { tokens, turns }) {
  const id = await warmSession(base, "kept");
  const before = await sessionStats(base, id);
  for (let i = 0; i < turns; i++) await runTurn(sendChat(base, id, turnText(tokens, 0)), "kept-bytes turn");
  const d = statsDelta(before, await sessionStats(base, id));
  const deltas = tokens * turns;
  return {
    tokens,
    turns,
    databaseBytesPer1000Deltas: (d.databaseBytes / deltas) * 1000,
    keptBytesPer1000Deltas: ((d.chunkLog.keptBytes ?? Number.NaN) / deltas) * 1000,
    writtenBytesPer1000Deltas: (d.chunkLog.bytes / deltas) * 1000,
  };
}
