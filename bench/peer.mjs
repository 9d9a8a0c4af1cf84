// The side-by-side scenario: Cloudflare's AIChatAgent (@cloudflare/ai-chat, bench/peer/) run by
// wrangler dev like edgechat, fed by the same fake upstream through a mock model (bench/peer/src),
// measured with the same clocks: send -> first text delta, upstream -> client delay per delta with
// 100 followers attached, first-to-last follower lag, and database bytes per 1,000 deltas. The peer's
// packages live in bench/peer/node_modules, installed here on first use; never in the app's.
import { execFileSync } from "node:child_process";
import { randomBytes } from "node:crypto";
import { existsSync } from "node:fs";
import { join } from "node:path";
import { performance } from "node:perf_hooks";
import { clientTextDeltas, deliveryDelays } from "./delta-timing.mjs";
import { startService } from "./service.mjs";
import { percentile, sessionId, sleep } from "./stats.mjs";
import { startUpstreamTap } from "./upstream-tap.mjs";
import { clientFrame, rawWebSocket } from "./ws-client.mjs";

const RESPONSE = "cf_agent_use_chat_response";
const TURN_TIMEOUT_MS = 180_000;

/** Installs the peer's packages into bench/peer (its own package.json) when they are not there yet. */
function ensureInstalled(dir, log) {
  if (existsSync(join(dir, "node_modules", "@cloudflare", "ai-chat"))) return;
  log("peer: npm install in bench/peer (first run only)");
  // --legacy-peer-deps: agents lists a dozen optional integrations as peers; the worker needs none of them.
  execFileSync("npm", ["install", "--no-audit", "--no-fund", "--legacy-peer-deps"], { cwd: dir, stdio: ["ignore", "ignore", "inherit"] });
}

/**
 * One recording WebSocket client of an agent over a raw TCP socket (as bench/ws-client.mjs, for the
 * same reason: cheap clients). Keeps every `cf_agent_use_chat_response` chunk with its arrival time.
 */
function openAgentSocket(url) {
  const rec = { chunks: [], done: false, opened: undefined, ended: undefined, socket: undefined, error: undefined };
  let onOpen;
  let onEnd;
  rec.opened = new Promise((r) => (onOpen = r));
  rec.ended = new Promise((r) => (onEnd = r));
  const socket = rawWebSocket(url, {
    onOpen() {
      onOpen();
      return true;
    },
    onFrame({ opcode, payload: bytes }, t) {
      if (opcode === 8) {
        onEnd();
        return true;
      }
      if (opcode !== 1) return false;
      const payload = bytes.toString();
      if (!payload.includes(RESPONSE)) return false;
      const frame = JSON.parse(payload);
      if (frame.type !== RESPONSE) return false;
      if (frame.body) rec.chunks.push({ t, data: frame.body });
      if (frame.done) {
        rec.done = true;
        rec.doneCount = (rec.doneCount ?? 0) + 1;
        onEnd();
      }
      return false;
    },
  });
  rec.socket = socket;
  socket.on("error", (error) => {
    rec.error = error;
    onOpen();
    onEnd();
  });
  socket.on("close", () => {
    onOpen();
    onEnd();
  });
  /** The transcript as a client keeps it: the agent replaces its history with what a request carries. */
  rec.history = [];
  rec.send = (text) => {
    rec.sentAt = performance.now();
    const message = { id: `u-${randomBytes(6).toString("hex")}`, role: "user", parts: [{ type: "text", text }] };
    rec.history.push(message);
    const body = JSON.stringify({ messages: rec.history });
    const frame = { type: "cf_agent_use_chat_request", id: randomBytes(6).toString("hex"), init: { method: "POST", body } };
    socket.write(clientFrame(1, JSON.stringify(frame)));
  };
  rec.close = () => {
    socket.end(clientFrame(8, Buffer.from([0x03, 0xe8])));
    socket.destroy();
  };
  return rec;
}

const agentUrl = (base, name) => `${base.replace(/^http/, "ws")}/agents/peer-chat/${name}`;

async function peerStats(base, name) {
  const res = await fetch(`${base}/agents/peer-chat/${name}/stats`);
  return res.json();
}

function withTimeout(promise, ms, what) {
  let timer;
  return Promise.race([
    promise.finally(() => clearTimeout(timer)),
    new Promise((_, reject) => (timer = setTimeout(() => reject(new Error(`peer: ${what} did not finish within ${ms / 1000} s`)), ms))),
  ]);
}

/** One turn on a fresh agent with `followers` more sockets attached before it starts. */
async function peerTurn(base, { text, followers }) {
  const name = sessionId("peer").toLowerCase();
  const sender = openAgentSocket(agentUrl(base, name));
  await sender.opened;
  const others = Array.from({ length: followers }, () => openAgentSocket(agentUrl(base, name)));
  await Promise.all(others.map((o) => o.opened));
  await sleep(200); // the agent's greeting frames (identity, state, messages) to every socket
  const before = await peerStats(base, name);
  sender.send(text);
  await withTimeout(Promise.all([sender.ended, ...others.map((o) => o.ended)]), TURN_TIMEOUT_MS, "a turn");
  const after = await peerStats(base, name);
  for (const s of [sender, ...others]) s.close();
  return { sender, others, databaseBytes: after.databaseBytes - before.databaseBytes };
}

/** First-to-last follower lag per chunk (chunk i of every follower; all attached before the turn). */
function lags(others) {
  const complete = others.filter((o) => o.done);
  const n = Math.min(...complete.map((o) => o.chunks.length));
  const out = [];
  for (let i = 0; i < n; i++) {
    let min = Infinity;
    let max = -Infinity;
    for (const o of complete) {
      const t = o.chunks[i].t;
      if (t < min) min = t;
      if (t > max) max = t;
    }
    out.push(max - min);
  }
  return out;
}

export async function runPeer({
  repo,
  log,
  tokens,
  followers,
  firstDeltaTokens = 2000,
  firstDeltaReps = 5,
  rates = [200, 100],
  burst = 4,
  keptTurns = 5,
  keptTokens = tokens,
  lagReps = 1,
  setActive,
}) {
  const dir = join(repo, "bench", "peer");
  try {
    ensureInstalled(dir, log);
  } catch (error) {
    return { skipped: `npm install in bench/peer failed: ${error.message}` };
  }
  const svc = await startService({ repo: dir, inPlace: true, log });
  setActive?.(svc);
  const tap = startUpstreamTap();
  try {
    const base = svc.baseUrl;
    await peerTurn(base, { text: "warm-up fake:text tokens=200 rate=0", followers: 0 });
    const first = [];
    for (let i = 0; i < firstDeltaReps; i++) {
      const { sender } = await peerTurn(base, { text: `fake:text tokens=${firstDeltaTokens} rate=0`, followers: 0 });
      const delta = clientTextDeltas(sender.chunks)[0];
      first.push(delta ? delta.t - sender.sentAt : Number.NaN);
    }
    const delay = [];
    for (const [rate, b] of [...rates.map((r) => [r, 1]), [rates[0], burst]]) {
      // The run whose lag is compared with edgechat's fan-out: as many turns as that one (medians).
      const reps = rate === rates[0] && b === 1 ? lagReps : 1;
      const turns = [];
      for (let i = 0; i < reps; i++) {
        const tag = `${Date.now().toString(36)}q${rate}b${b}r${i}`;
        log(`peer: ${tokens} tokens at ${rate}/s${b > 1 ? ` burst ${b}` : ""}, ${followers} followers`);
        const turn = await peerTurn(base, {
          text: `peer${tag} fake:text tokens=${tokens} rate=${rate}${b > 1 ? ` burst=${b}` : ""}`,
          followers,
        });
        const upstream = tap.streamTagged(`peer${tag}`);
        const lag = lags(turn.others);
        turns.push({
          turn,
          upstream,
          delays: deliveryDelays(upstream, turn.sender.chunks),
          lagMs: { p50: percentile(lag, 50), p99: percentile(lag, 99) },
        });
      }
      const delays = turns.flatMap((t) => t.delays);
      const med = (f) => percentile(turns.map(f), 50);
      const last = turns.at(-1);
      delay.push({
        rate,
        burst: b,
        followers,
        deltas: last.upstream?.chars.length ?? 0,
        complete: Math.min(...turns.map((t) => t.turn.others.filter((o) => o.done).length)),
        chunks: last.turn.sender.chunks.length,
        delayMs: { p50: percentile(delays, 50), p99: percentile(delays, 99) },
        lagMs: { p50: med((t) => t.lagMs.p50), p99: med((t) => t.lagMs.p99) },
        lagP99Runs: turns.map((t) => t.lagMs.p99),
        databaseBytesPer1000Deltas: (last.turn.databaseBytes / (last.upstream?.chars.length ?? Number.NaN)) * 1000,
      });
    }
    let kept;
    try {
      kept = await keptBytes(base, { tokens: keptTokens, turns: keptTurns });
    } catch (error) {
      kept = { skipped: String(error.message ?? error) };
    }
    return { firstDeltaMs: percentile(first, 50), first, delay, kept };
  } finally {
    tap.stop();
    await svc.stop();
    setActive?.(undefined);
  }
}

/** What the agent keeps per 1,000 deltas: turns back to back on one agent, database file growth. */
async function keptBytes(base, { tokens: keptTokens, turns: keptTurns }) {
  {
    const name = sessionId("peer-kept").toLowerCase();
    const keeper = openAgentSocket(agentUrl(base, name));
    await keeper.opened;
    await sleep(200);
    const before = await peerStats(base, name);
    for (let i = 0; i < keptTurns; i++) {
      // The turn's `done` frame: the agent has persisted the answer and takes the next request.
      const ended = new Promise((resolve) => {
        const check = setInterval(() => {
          if ((keeper.doneCount ?? 0) > i) {
            clearInterval(check);
            resolve();
          }
        }, 20);
      });
      keeper.send(`fake:text tokens=${keptTokens} rate=0`);
      await withTimeout(ended, TURN_TIMEOUT_MS, "a kept-bytes turn");
      // The answer as the client assembled it (one text part), under the id the agent gave it.
      const parsed = keeper.chunks.map((c) => JSON.parse(c.data));
      const messageId = parsed.find((c) => c.type === "start")?.messageId;
      const text = parsed
        .filter((c) => c.type === "text-delta")
        .map((c) => c.delta)
        .join("");
      keeper.history.push({ id: messageId, role: "assistant", parts: [{ type: "step-start" }, { type: "text", text, state: "done" }] });
      keeper.chunks = [];
      await sleep(300);
    }
    const after = await peerStats(base, name);
    keeper.close();
    return {
      tokens: keptTokens,
      turns: keptTurns,
      databaseBytesPer1000Deltas: ((after.databaseBytes - before.databaseBytes) / (keptTokens * keptTurns)) * 1000,
    };
  }
}
