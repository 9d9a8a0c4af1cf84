// The table: one row per metric, with the same-run baseline, the ratio and the target.
// Results: PASS / MISS (a performance target missed) / FAIL (a correctness check failed: exit 1).
import { execFileSync } from "node:child_process";
import { cpus, freemem, loadavg, release, totalmem, type } from "node:os";
import { median } from "./stats.mjs";

const f = (value, digits = 1) => (Number.isFinite(value) ? value.toFixed(digits) : "n/a");
const ratio = (value, baseline) => (Number.isFinite(value / baseline) ? `${(value / baseline).toFixed(2)}x` : "—");
const passIf = (ok) => (ok ? "PASS" : "MISS");
const failIf = (ok) => (ok ? "PASS" : "FAIL");

export function fanoutRows({ runs, raw, baselineCpu }) {
  const rows = [];
  for (const run of runs) {
    const scenario = `fan-out ${run.transport.toUpperCase()} x${run.followers}${run.code === "before" ? " (before)" : ""}`;
    const floor = raw.find((r) => r.followers === run.followers);
    const allArrived = run.complete === run.followers;
    rows.push({
      scenario,
      metric: `followers with every one of ${run.chunks} chunks`,
      value: `${run.complete}/${run.followers}`,
      baseline: "",
      ratio: "",
      target: run.followers >= 500 ? "all, at 500" : "all",
      result: failIf(allArrived),
    });
    const lagTarget = run.followers === 100;
    rows.push({
      scenario,
      metric: run.reps
        ? `lag first->last follower p50 / p99, medians of ${run.reps.length} turns (p99 of each)`
        : `lag first->last follower p50 / p99 (${run.liveChunks} live chunks; others' load ${f(run.otherCores, 1)} cores)`,
      value: `${f(run.lagMs.p50, 2)} / ${f(run.lagMs.p99, 2)} ms${run.reps ? ` (${run.reps.map((r) => f(r.lagP99Ms, 1)).join(", ")})` : ""}`,
      baseline: floor ? `${f(floor.lagMs.p50, 2)} / ${f(floor.lagMs.p99, 2)} ms raw` : "",
      ratio: floor ? `p99 ${ratio(run.lagMs.p99, floor.lagMs.p99)}` : "",
      target: lagTarget ? "p99 <= 10 ms" : "",
      result: lagTarget ? passIf(run.lagMs.p99 <= 10) : "",
    });
    const base = baselineCpu[run.code === "before" ? `${run.transport}-before` : run.transport];
    rows.push({
      scenario,
      metric: `workerd CPU per token (upstream delta): Worker process (+ wrangler proxy)${run.reps ? ", medians" : ""}`,
      value: `${f(run.cpuPerTokenUs.worker, 0)} us (+${f(run.cpuPerTokenUs.proxy, 0)})${run.reps ? ` (${run.reps.map((r) => f(r.cpuPerTokenUs, 0)).join(", ")})` : ""}`,
      baseline: base ? `${f(base.cpuPerTokenUs.worker, 0)} us (+${f(base.cpuPerTokenUs.proxy, 0)})` : "",
      ratio: base ? ratio(run.cpuPerTokenUs.worker, base.cpuPerTokenUs.worker) : "",
      target: "",
      result: "",
    });
  }
  for (const run of runs.filter(
    (r) => r.code !== "before" && r.followers === Math.max(...runs.filter((s) => s.transport === r.transport).map((s) => s.followers)),
  )) {
    for (const proc of ["worker", "proxy"]) {
      rows.push({
        scenario: `memory ${run.transport.toUpperCase()} x${run.followers}`,
        metric: `workerd RSS per follower (${proc === "worker" ? "Worker + DO" : "wrangler proxy"} process)`,
        value: `${f(run.rssPerFollowerKB[proc], 1)} KB`,
        baseline: `${f(run.rssMB[proc].before, 0)} MB before`,
        ratio: `${ratio(run.rssMB[proc].attached, run.rssMB[proc].before)} RSS`,
        target: "",
        result: "",
      });
    }
  }
  return rows;
}

export function throughputRows({ single, concurrent }) {
  const rows = [];
  if (single) {
    const scenario = `throughput 1 session, ${single.tokens} tokens, full speed`;
    rows.push({
      scenario,
      metric: "tokens (upstream deltas) per second",
      value: f(single.durableTokensPerSecond ?? single.durableChunksPerSecond, 0),
      baseline: f(single.baselineTokensPerSecond ?? single.baselineChunksPerSecond, 0),
      ratio: ratio(
        single.durableTokensPerSecond ?? single.durableChunksPerSecond,
        single.baselineTokensPerSecond ?? single.baselineChunksPerSecond,
      ),
      target: "",
      result: "",
    });
    rows.push({
      scenario,
      metric: `turn time, median of ${single.reps} (overhead)`,
      value: `${f(single.durableSeconds, 3)} s`,
      baseline: `${f(single.baselineSeconds, 3)} s`,
      ratio: ratio(single.durableSeconds, single.baselineSeconds),
      target: "<= 1.3x",
      result: passIf(single.overhead <= 1.3),
    });
    const reads = (key) => median(single.runs.map((r) => r[key]));
    rows.push({
      scenario,
      metric: "body reads by the client per turn (how the bytes were batched)",
      value: f(reads("durableBodyReads"), 0),
      baseline: f(reads("baselineBodyReads"), 0),
      ratio: ratio(reads("durableBodyReads"), reads("baselineBodyReads")),
      target: "",
      result: "",
    });
  }
  for (const c of concurrent ?? []) {
    const scenario = `throughput ${c.sessions} sessions x ${c.tokens} tokens${c.code === "before" ? " (before)" : ""}`;
    rows.push({
      scenario,
      metric: `aggregate tokens (upstream deltas) per second${c.ratios ? ` (median ratio of ${c.ratios.map((r) => f(r, 2)).join(", ")})` : ""}`,
      value: f(c.durable.tokensPerSecond, 0),
      baseline: f(c.baseline.tokensPerSecond, 0),
      ratio: ratio(c.durable.tokensPerSecond, c.baseline.tokensPerSecond),
      target: c.sessions === 50 ? ">= 0.7x" : "",
      result: c.sessions === 50 ? passIf(c.durable.tokensPerSecond >= 0.7 * c.baseline.tokensPerSecond) : "",
    });
    rows.push({
      scenario,
      metric: "chunk log rows per 1000 tokens (coalescing)",
      value: f(c.durable.chunkRowsPer1000Tokens),
      baseline: "",
      ratio: "",
      target: "",
      result: "",
    });
    rows.push({
      scenario,
      metric: "workerd CPU per token: Worker process (+ wrangler proxy)",
      value: `${f(c.durable.cpuPerTokenUs.worker, 0)} us (+${f(c.durable.cpuPerTokenUs.proxy, 0)})`,
      baseline: `${f(c.baseline.cpuPerTokenUs.worker, 0)} us (+${f(c.baseline.cpuPerTokenUs.proxy, 0)})`,
      ratio: ratio(c.durable.cpuPerTokenUs.worker, c.baseline.cpuPerTokenUs.worker),
      target: "",
      result: "",
    });
  }
  return rows;
}

export function durabilityRows({ paced, cold, single }) {
  const rows = [];
  if (paced) {
    const scenario = `durability ${paced.rate} tokens/s (${paced.reps} x ${paced.tokens})`;
    rows.push({
      scenario,
      metric: `SQLite rows per 1000 text deltas (chunk log ${f(paced.chunkRowsPer1000Deltas)} + messages ${f(paced.messageRowsPer1000Deltas)})`,
      value: f(paced.rowsPer1000Deltas),
      baseline: "0 (no persistence)",
      ratio: "",
      target: "<= 250",
      result: passIf(paced.rowsPer1000Deltas <= 250),
    });
    rows.push({
      scenario,
      metric: "bytes per 1000 text deltas: chunk log written / kept after the turn / database growth",
      value: `${f(paced.chunkLogBytesPer1000Deltas / 1024)} / ${f(paced.keptBytesPer1000Deltas / 1024)} / ${f(paced.databaseBytesPer1000Deltas / 1024)} KB`,
      baseline: "",
      ratio: "",
      target: "",
      result: "",
    });
    rows.push({
      scenario,
      metric: `added latency per chunk vs baseline, p50 (median of ${paced.reps} pairs) / p99`,
      value: `${f(paced.addedMs.p50)} / ${f(paced.addedMs.p99)} ms`,
      baseline: "same chunk, baseline route",
      ratio: "",
      target: "p50 <= 30 ms",
      result: passIf(paced.addedMs.p50 <= 30),
    });
    rows.push({
      scenario,
      metric: "  of which: turn setup (request sent -> upstream called)",
      value: `${f(paced.upstreamCallMs.durable)} ms`,
      baseline: `${f(paced.upstreamCallMs.baseline)} ms`,
      ratio: ratio(paced.upstreamCallMs.durable, paced.upstreamCallMs.baseline),
      target: "",
      result: "",
    });
    rows.push({
      scenario,
      metric: "  of which: delivery (upstream write -> client), p50 / p99",
      value: `${f(paced.deliveryMs.durable.p50)} / ${f(paced.deliveryMs.durable.p99)} ms`,
      baseline: `${f(paced.deliveryMs.baseline.p50)} / ${f(paced.deliveryMs.baseline.p99)} ms`,
      ratio: `p50 ${ratio(paced.deliveryMs.durable.p50, paced.deliveryMs.baseline.p50)}`,
      target: "",
      result: "",
    });
    rows.push({
      scenario,
      metric: "time to first chunk (warm session)",
      value: `${f(paced.ttfcMs.durable)} ms`,
      baseline: `${f(paced.ttfcMs.baseline)} ms`,
      ratio: ratio(paced.ttfcMs.durable, paced.ttfcMs.baseline),
      target: "",
      result: "",
    });
    rows.push({
      scenario,
      metric: `no chunk delivered before durable (by design; ${paced.spotChecks} external spot checks)`,
      value: paced.neverAhead ? "none seen" : "AHEAD",
      baseline: "",
      ratio: "",
      target: "never",
      result: failIf(paced.neverAhead),
    });
  }
  if (cold) {
    rows.push({
      scenario: "durability cold start",
      metric: `time to first chunk, new session (warm: ${f(cold.warmMs)} ms)`,
      value: `${f(cold.coldMs)} ms`,
      baseline: `${f(cold.baselineMs)} ms`,
      ratio: ratio(cold.coldMs, cold.baselineMs),
      target: "",
      result: "",
    });
  }
  if (single) {
    const storage = single.runs.map((r) => r.stats);
    // Upstream deltas (tokens): the service merges a row's deltas into one chunk, so chunks undercount them.
    const deltas = single.tokens * single.runs.length;
    const rowsWritten = storage.reduce((s, x) => s + x.chunkLog.rowsWritten + x.messageRowsWritten, 0);
    const bytes = storage.reduce((s, x) => s + x.chunkLog.bytes, 0);
    const dbBytes = storage.reduce((s, x) => s + x.databaseBytes, 0);
    const scenario = `durability full speed (${single.reps} x ${single.tokens})`;
    rows.push({
      scenario,
      metric: "SQLite rows per 1000 text deltas",
      value: f((rowsWritten / deltas) * 1000),
      baseline: "0 (no persistence)",
      ratio: "",
      target: "",
      result: "",
    });
    rows.push({
      scenario,
      metric: "bytes per 1000 text deltas: chunk log written / database growth",
      value: `${f(((bytes / deltas) * 1000) / 1024)} / ${f(((dbBytes / deltas) * 1000) / 1024)} KB`,
      baseline: "",
      ratio: "",
      target: "",
      result: "",
    });
  }
  return rows;
}

/** What-if rows: the paced durability run with another CHUNK_FLUSH_INTERVAL_MS (a diagnostic, not the shipped config). */
export function flushSweepRows(sweep) {
  return sweep.flatMap(({ flushIntervalMs, paced }) => {
    const scenario = `what-if CHUNK_FLUSH_INTERVAL_MS=${flushIntervalMs}, ${paced.rate} tokens/s`;
    return [
      {
        scenario,
        metric: "SQLite rows per 1000 text deltas",
        value: f(paced.rowsPer1000Deltas),
        baseline: "",
        ratio: "",
        target: "(<= 250)",
        result: "",
      },
      {
        scenario,
        metric: "added latency per chunk vs baseline, p50 / p99",
        value: `${f(paced.addedMs.p50)} / ${f(paced.addedMs.p99)} ms`,
        baseline: "same chunk, baseline route",
        ratio: "",
        target: "(p50 <= 30 ms)",
        result: "",
      },
      {
        scenario,
        metric: "turn setup / delivery p50 (durable vs baseline)",
        value: `${f(paced.upstreamCallMs.durable)} / ${f(paced.deliveryMs.durable.p50)} ms`,
        baseline: `${f(paced.upstreamCallMs.baseline)} / ${f(paced.deliveryMs.baseline.p50)} ms`,
        ratio: "",
        target: "",
        result: "",
      },
    ];
  });
}

const pct = (share) => `${Math.round(share * 100)}%`;

export function diagnosticRows({ profiles = [] }) {
  const rows = [];
  for (const p of profiles) {
    // Leave out idle time, V8's own bookkeeping and natives with no JS caller: they name no code.
    const top = p.summary.functions.filter((fn) => !/^\((idle|program|anonymous)\)$/.test(fn.name)).slice(0, 3);
    rows.push({
      scenario: `diagnostic: CPU profile ${p.name}`,
      metric: "top self time in the Worker isolate (share of samples)",
      value: top
        .map((fn) => `${pct(fn.share)} ${fn.name.replace(/ \(native\) <- .* /, " <- ").replace(/^(\S+) (\S+)$/, "$1 $2")}`)
        .join("; "),
      baseline: "",
      ratio: "",
      target: "",
      result: "",
    });
  }
  return rows;
}

export function resumeRows(r) {
  const scenario = `resume after chunk ${r.at} of ${r.turnChunks} (finished turn)`;
  return [
    {
      scenario,
      metric: "time to first chunk: cursor vs full replay",
      value: `${f(r.suffix.ttfcMs)} ms`,
      baseline: `${f(r.full.ttfcMs)} ms`,
      ratio: ratio(r.suffix.ttfcMs, r.full.ttfcMs),
      target: "",
      result: "",
    },
    {
      scenario,
      metric: "time to last chunk: cursor vs full replay",
      value: `${f(r.suffix.totalMs)} ms`,
      baseline: `${f(r.full.totalMs)} ms`,
      ratio: ratio(r.suffix.totalMs, r.full.totalMs),
      target: "",
      result: "",
    },
    {
      scenario,
      metric: `bytes / chunks sent (suffix: ${r.expectedChunks} chunks)`,
      value: `${r.suffix.bytes} B / ${r.suffix.chunks}`,
      baseline: `${r.full.bytes} B / ${r.full.chunks}`,
      ratio: ratio(r.suffix.bytes, r.full.bytes),
      target: "exactly the suffix",
      result: failIf(r.exact),
    },
  ];
}

export function formatTable(rows) {
  const head = {
    scenario: "scenario",
    metric: "metric",
    value: "value",
    baseline: "baseline",
    ratio: "ratio",
    target: "target",
    result: "result",
  };
  const cols = Object.keys(head);
  const width = Object.fromEntries(cols.map((c) => [c, Math.max(...[head, ...rows].map((r) => String(r[c]).length))]));
  const line = (r) => `| ${cols.map((c) => String(r[c]).padEnd(width[c])).join(" | ")} |`;
  return [line(head), `|${cols.map((c) => "-".repeat(width[c] + 2)).join("|")}|`, ...rows.map(line)].join("\n");
}

export function machineInfo(repo) {
  const git = (args) => {
    try {
      return execFileSync("git", args, { cwd: repo, encoding: "utf8" }).trim();
    } catch {
      return "unknown";
    }
  };
  return {
    os: `${type()} ${release()}`,
    cpus: { model: cpus()[0]?.model ?? "unknown", count: cpus().length },
    memoryGB: { total: +(totalmem() / 2 ** 30).toFixed(1), freeAtStart: +(freemem() / 2 ** 30).toFixed(1) },
    node: process.version,
    loadAverageAtStart: loadavg().map((x) => +x.toFixed(2)),
    date: new Date().toISOString(),
    commit: git(["rev-parse", "--short", "HEAD"]),
    workingTreeChanges: git(["status", "--porcelain", "--untracked-files=no"]).split("\n").filter(Boolean).length,
  };
}
