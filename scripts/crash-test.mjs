#!/usr/bin/env node
// `npm run test:crash`: SIGKILL workerd in the middle of turns, let it restart, and check that every
// interrupted turn ends and that the session's history is consistent.
//
// The service runs as `wrangler dev --persist-to <tmp dir>` against the fake Anthropic API (served
// from this process, so it survives every restart). Turns (half text answers, half calls of the slow
// `wait` tool) run in rounds of 1 to 4, each turn of a round in another session, one kill per round.
// Each turn's stream is read up to its kill point (a number of chunks into the text, or the n-th
// progress report of the running tool), its last SSE id remembered, and the connection left open;
// starts are staggered so the turns of a round reach their kill points together. Then the workerd
// process that runs the Durable Objects gets SIGKILL; wrangler starts a new one on the same state.
// Once the API answers again, each turn is resumed from its cursor (GET /api/chat/:id/stream?cursor=)
// and checked:
//   - the resumed chunks continue the cursor: consecutive ids, no gap, no duplicate, through `finish`
//     and `[DONE]` (204 only if the turn had already ended at the cursor), within a deadline;
//   - the whole turn (before + after the kill) begins with `start`, ends with `finish`, every chunk
//     passes the AI SDK's schema and its stream reader, and every tool call has exactly one outcome;
//   - the history (GET /api/sessions/:id) has nothing running, dense sequences 0..n-1, and ends with
//     the turn's assistant message, stored exactly as the AI SDK assembles it from the stream;
//   - the session accepts a new message (200), whose turn runs to `finish` and continues the log.
// At the end every session's whole history is checked, and most turns must have been cut off while
// running (the sessions' `turn_continued` / `turn_interrupted` log lines), or the run tested nothing.
//
// Reproducible plan: `--seed <n>` or CRASH_SEED (printed first); timing still varies. Prints a line per
// turn and `N passed, M failed` last; exits non-zero on any failure. Stops every process it started.
// Wrangler's output (workerd's log lines included) goes to a file under the system temp dir, kept
// together with every turn's chunks when something failed (or with --keep).
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { startFakeAnthropic } from "../fake-anthropic/serve.mjs";
import { assembleWithAiSdk, checkConsecutive, checkTurnShape, checkView, compactSequence } from "./crash/checks.mjs";
import { freshSeed, seededRandom } from "./crash/random.mjs";
import { startService } from "./crash/service.mjs";
import { sseReader } from "./crash/sse.mjs";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");

/** ms a turn's stream may take to reach its kill point */
const KILL_POINT_TIMEOUT_MS = 30_000;
/** ms after the restart within which an interrupted turn must reach `finish` for its resuming follower */
const RESUME_DEADLINE_MS = 60_000;
/** ms the follow-up turn (a short unpaced answer) may take */
const FOLLOW_UP_DEADLINE_MS = 30_000;
/** ms between retries of a resume request that found no server to talk to, at most */
const MAX_RETRY_BACKOFF_MS = 1_000;
/** ms the whole run may take before it gives up (CI's budget is far larger; a normal run takes about a minute) */
const RUN_TIMEOUT_MS = 10 * 60_000;

/** A text turn long enough to be cut mid-text: 300 words at 50 per second (6 s). */
const TEXT_DIRECTIVE = "fake:text tokens=300 rate=50";
/** A tool turn: the `wait` tool runs 4 s and reports progress 8 times (a `data-progress` chunk each). */
const TOOL_DIRECTIVE = 'fake:slow-tool tool=wait args={"seconds":4,"steps":8} rate=50';
/** The follow-up that proves the session accepts new messages: short and unpaced. */
const FOLLOW_UP_DIRECTIVE = "fake:text tokens=5 rate=0";
/**
 * Kill points: chunks read of a text turn (1 = only `start`). The 300 deltas come one every 20 ms,
 * and the service merges about 4 of them into each chunk it logs (src/session/turn-stream.ts), so
 * the answer has about 80 chunks, one every 80 ms; kill points stay well inside it.
 */
const TEXT_KILL_CHUNKS = [1, 65];
/** ms between two chunks of the text turn, as the service sends them (see TEXT_KILL_CHUNKS) */
const TEXT_CHUNK_MS = 80;
/** Kill points: progress reports read of a tool turn (one every 0.5 s; 0 = at `tool-input-start`). */
const TOOL_KILL_PROGRESS = [0, 8];
/** The session's log events about a turn cut off by the crash (see src/session/turn-manager.ts). */
const RECOVERY_EVENTS = new Set(["turn_continued", "turn_interrupted", "turn_failed", "turn_watchdog"]);
/** ms the kill waits after the last turn of the round reached its kill point, at most */
const MAX_KILL_DELAY_MS = 400;

const { values: args } = parseArgs({
  options: {
    seed: { type: "string" },
    turns: { type: "string", default: "20" },
    sessions: { type: "string", default: "10" },
    "max-per-crash": { type: "string", default: "4" },
    keep: { type: "boolean", default: false },
    // After each SIGKILL, also replace wrangler itself (what happens anyway should wrangler exit when its workerd dies).
    fresh: { type: "boolean", default: false },
    verbose: { type: "boolean", default: false },
  },
});
const seedText = args.seed ?? process.env.CRASH_SEED;
const seed = seedText === undefined || seedText === "" ? freshSeed() : Number(seedText);
const totalTurns = Number(args.turns);
const sessionCount = Number(args.sessions);
const perCrash = Number(args["max-per-crash"]);
if (![seed, totalTurns, sessionCount, perCrash].every((n) => Number.isSafeInteger(n) && n >= 0) || sessionCount < 1 || perCrash < 1) {
  console.error(
    "usage: node scripts/crash-test.mjs [--seed <uint32>] [--turns 20] [--sessions 10] [--max-per-crash 4] [--fresh] [--keep] [--verbose]",
  );
  process.exit(2);
}

/**
 * @typedef {import('./crash/sse.mjs').SseChunk} SseChunk
 * @typedef {{ kind: 'text', chunks: number } | { kind: 'tool', progress: number }} KillPoint  `progress: 0`: at `tool-input-start`
 * @typedef {{
 *   label: string, session: string, index: number, kind: 'text' | 'tool', killPoint: KillPoint, startDelay: number, message: string,
 *   before: SseChunk[], after: SseChunk[], followUp: SseChunk[], resumeStatus?: number, reachedKillPoint?: string,
 *   abortPost?: () => void, server: string[], problems: string[], summary: string
 * }} TurnRun
 */

// ---------------------------------------------------------------- plan (from the seed only)

/**
 * ms from the POST until the kill point is read, roughly: a text chunk every TEXT_CHUNK_MS (merged deltas),
 * the tool's input after its 4-word preamble, and a progress report every 0.5 s once the tool runs.
 * Turns of a round start staggered by these estimates so that all reach their kill points at about
 * the same moment, and the kill finds each where its kill point says (mid-text, mid-tool) rather
 * than long finished while the slowest turn of the round caught up.
 * @param {KillPoint} point
 */
function etaMs(point) {
  if (point.kind === "text") return 150 + point.chunks * TEXT_CHUNK_MS;
  return point.progress === 0 ? 250 : 350 + point.progress * 500;
}

/** @param {number} seed */
function makePlan(seed) {
  const rng = seededRandom(seed);
  const sessions = Array.from({ length: sessionCount }, (_, i) => `crash-${seed}-s${String(i).padStart(2, "0")}`);
  // Half text, half tool, in a random order.
  const kinds = rng.shuffle(Array.from({ length: totalTurns }, (_, i) => (i % 2 === 0 ? "text" : "tool")));
  /** @type {TurnRun[]} */
  const turns = [];
  /** @type {Map<string, number>} */
  const perSession = new Map();
  for (let i = 0; i < totalTurns; i++) {
    const session = /** @type {string} */ (sessions[i % sessionCount]);
    const index = perSession.get(session) ?? 0;
    perSession.set(session, index + 1);
    const kind = /** @type {'text' | 'tool'} */ (kinds[i]);
    /** @type {KillPoint} */
    const killPoint =
      kind === "text"
        ? { kind, chunks: rng.int(TEXT_KILL_CHUNKS[0] ?? 1, TEXT_KILL_CHUNKS[1] ?? 1) }
        : { kind, progress: rng.int(TOOL_KILL_PROGRESS[0] ?? 1, TOOL_KILL_PROGRESS[1] ?? 1) };
    const directive = kind === "text" ? TEXT_DIRECTIVE : TOOL_DIRECTIVE;
    turns.push({
      label: `${session.slice(session.lastIndexOf("-") + 1)}#${index + 1}`,
      session,
      index,
      kind,
      killPoint,
      startDelay: 0,
      message: `Crash test ${session} turn ${index + 1}: ${directive}`,
      before: [],
      after: [],
      followUp: [],
      server: [],
      problems: [],
      summary: "",
    });
  }
  // Rounds of 1 to `perCrash` turns (one kill each), each in a different session, a session's turns in order.
  /** @type {TurnRun[][]} */
  const rounds = [];
  const pending = rng.shuffle(turns).sort((a, b) => a.index - b.index);
  /** @type {Map<string, number>} session -> round of its latest planned turn */
  const lastRound = new Map();
  while (pending.length > 0) {
    /** @type {TurnRun[]} */
    const round = [];
    const size = rng.int(1, perCrash);
    for (let i = 0; i < pending.length && round.length < size; ) {
      const turn = /** @type {TurnRun} */ (pending[i]);
      const previous = lastRound.get(turn.session);
      const ready = turn.index === 0 || (previous !== undefined && previous < rounds.length);
      if (ready && !round.some((t) => t.session === turn.session)) {
        round.push(turn);
        pending.splice(i, 1);
      } else {
        i += 1;
      }
    }
    for (const turn of round) lastRound.set(turn.session, rounds.length);
    rounds.push(round);
  }
  const killDelays = rounds.map(() => rng.int(0, MAX_KILL_DELAY_MS));
  for (const round of rounds) {
    const latest = Math.max(...round.map((t) => etaMs(t.killPoint)));
    for (const turn of round) turn.startDelay = latest - etaMs(turn.killPoint);
  }
  return { sessions, turns, rounds, killDelays };
}

// ---------------------------------------------------------------- one turn

const sleep = (/** @type {number} */ ms) => new Promise((resolve) => setTimeout(resolve, ms));
const jsonHeaders = { "content-type": "application/json" };

/** @param {unknown} error */
function describeError(error) {
  if (!(error instanceof Error)) return String(error);
  const cause = /** @type {any} */ (error).cause;
  return `${error.name}: ${error.message}${cause ? ` (${cause.code ?? cause.message ?? cause})` : ""}`;
}

/** @param {KillPoint} point */
function describeKillPoint(point) {
  if (point.kind === "text") return `${point.chunks} chunks`;
  return point.progress === 0 ? "tool-input-start" : `progress report ${point.progress}`;
}

/**
 * Sends the turn's message and reads its stream up to the kill point, leaving the connection open.
 * @param {string} url @param {TurnRun} turn
 */
async function runToKillPoint(url, turn) {
  const controller = new AbortController();
  turn.abortPost = () => controller.abort();
  let response;
  try {
    response = await fetch(`${url}/api/chat`, {
      method: "POST",
      headers: jsonHeaders,
      body: JSON.stringify({ id: turn.session, message: turn.message }),
      signal: controller.signal,
    });
  } catch (error) {
    turn.problems.push(`POST /api/chat failed: ${describeError(error)}`);
    return;
  }
  if (response.status !== 200 || !response.body) {
    turn.problems.push(`POST /api/chat answered ${response.status}: ${(await response.text()).slice(0, 300)}`);
    return;
  }
  const reader = sseReader(response.body);
  let progress = 0;
  const point = turn.killPoint;
  const outcome = await reader.readUntil({
    deadline: Date.now() + KILL_POINT_TIMEOUT_MS,
    stop: ({ chunk }) => {
      if (point.kind === "text") return reader.state.chunks.length >= point.chunks;
      if (point.progress === 0) return chunk.type === "tool-input-start";
      if (chunk.type === "data-progress") progress += 1;
      return progress >= point.progress;
    },
  });
  turn.before = reader.state.chunks;
  turn.reachedKillPoint = outcome;
  // Reaching the turn's end first is fine (the kill then finds it ended); stalling or breaking is not.
  if (outcome === "timeout") turn.problems.push(`the kill point was not reached within ${KILL_POINT_TIMEOUT_MS} ms`);
  else if (outcome === "error") turn.problems.push(`the stream broke before the kill: ${reader.state.error}`);
  else if (outcome === "ended") turn.problems.push("the stream ended without [DONE] before the kill");
  for (const malformed of reader.state.malformed) turn.problems.push(`before the kill: ${malformed}`);
  // The first chunk (`start`) is only sent once the turn is durable: without it there is nothing to resume.
  if (turn.before.length === 0) turn.problems.push(`no chunk within ${KILL_POINT_TIMEOUT_MS} ms of the POST (${outcome})`);
}

/**
 * Resumes the turn from its cursor after the restart and checks it, its history and a follow-up turn.
 * @param {string} url @param {TurnRun} turn
 */
async function resumeAndCheck(url, turn) {
  const deadline = Date.now() + RESUME_DEADLINE_MS;
  const cursor = /** @type {SseChunk} */ (turn.before.at(-1)).id;
  const streamUrl = `${url}/api/chat/${turn.session}/stream?cursor=${cursor}`;
  /** @type {Response | undefined} */
  let response;
  let backoff = 100;
  // Retried only while no server answers (connection refused or dropped); an answer is final.
  while (!response) {
    try {
      response = await fetch(streamUrl, { signal: AbortSignal.timeout(Math.max(deadline - Date.now(), 1)) });
    } catch (error) {
      if (Date.now() + backoff >= deadline) {
        turn.problems.push(`no answer to the resume request within ${RESUME_DEADLINE_MS} ms: ${describeError(error)}`);
        return;
      }
      await sleep(backoff);
      backoff = Math.min(backoff * 2, MAX_RETRY_BACKOFF_MS);
    }
  }
  turn.resumeStatus = response.status;
  if (response.status === 200 && response.body) {
    const reader = sseReader(response.body);
    const outcome = await reader.readUntil({ deadline });
    turn.after = reader.state.chunks;
    for (const malformed of reader.state.malformed) turn.problems.push(`resumed stream: ${malformed}`);
    if (outcome === "timeout") turn.problems.push(`the resumed stream did not end within ${RESUME_DEADLINE_MS} ms of the restart`);
    else if (outcome === "error") turn.problems.push(`the resumed stream broke: ${reader.state.error}`);
    else if (!reader.state.done) turn.problems.push("the resumed stream ended without [DONE]");
    reader.cancel();
  } else if (response.status !== 204) {
    turn.problems.push(`the resume request answered ${response.status}: ${(await response.text()).slice(0, 300)}`);
    return;
  }

  turn.problems.push(...checkConsecutive(turn.before, /** @type {SseChunk} */ (turn.before[0]).id, "before the kill"));
  turn.problems.push(...checkConsecutive(turn.after, cursor + 1, "resumed stream"));
  const whole = [...turn.before, ...turn.after];
  turn.problems.push(...(await checkTurnShape(whole)));
  const assembled = await assembleWithAiSdk(whole);
  turn.problems.push(...assembled.problems);
  const start = whole[0]?.chunk;
  if (start?.type !== "start" || typeof start.messageId !== "string") return;

  // Every earlier turn of the session left 4 messages: its user message and answer, and the follow-up's.
  const earlier = turn.index * 4;
  const view = await readView(url, turn);
  if (!view) return;
  turn.problems.push(
    ...checkView(view, { messageCount: earlier + 2, assistantId: start.messageId, userText: turn.message, assembled: assembled.message }),
  );
  if (turn.problems.length > 0) return;
  await followUp(url, turn, /** @type {SseChunk} */ (whole.at(-1)).id, earlier + 4);
}

/** @param {string} url @param {TurnRun} turn */
async function readView(url, turn) {
  try {
    const response = await fetch(`${url}/api/sessions/${turn.session}`, { signal: AbortSignal.timeout(10_000) });
    if (response.status === 200) return await response.json();
    turn.problems.push(`GET /api/sessions/${turn.session} answered ${response.status}: ${(await response.text()).slice(0, 300)}`);
  } catch (error) {
    turn.problems.push(`GET /api/sessions/${turn.session} failed: ${describeError(error)}`);
  }
  return undefined;
}

/**
 * A new message after the interrupted turn: accepted (200), its turn runs to `finish`, its chunk ids
 * continue the session's log right after the interrupted turn's last chunk, and history ends with it.
 * @param {string} url @param {TurnRun} turn @param {number} lastId @param {number} messageCount
 */
async function followUp(url, turn, lastId, messageCount) {
  const message = `Crash test ${turn.session} follow-up ${turn.index + 1}: ${FOLLOW_UP_DIRECTIVE}`;
  let response;
  try {
    response = await fetch(`${url}/api/chat`, {
      method: "POST",
      headers: jsonHeaders,
      body: JSON.stringify({ id: turn.session, message }),
      signal: AbortSignal.timeout(FOLLOW_UP_DEADLINE_MS),
    });
  } catch (error) {
    turn.problems.push(`follow-up POST failed: ${describeError(error)}`);
    return;
  }
  if (response.status !== 200 || !response.body) {
    turn.problems.push(`follow-up POST answered ${response.status}: ${(await response.text()).slice(0, 300)}`);
    return;
  }
  const reader = sseReader(response.body);
  const outcome = await reader.readUntil({ deadline: Date.now() + FOLLOW_UP_DEADLINE_MS });
  turn.followUp = reader.state.chunks;
  if (outcome !== "done") turn.problems.push(`follow-up stream: ${outcome}${reader.state.error ? ` (${reader.state.error})` : ""}`);
  for (const malformed of reader.state.malformed) turn.problems.push(`follow-up stream: ${malformed}`);
  const problems = [...checkConsecutive(turn.followUp, lastId + 1, "follow-up stream"), ...(await checkTurnShape(turn.followUp))];
  const assembled = await assembleWithAiSdk(turn.followUp);
  problems.push(...assembled.problems);
  const start = turn.followUp[0]?.chunk;
  if (problems.length === 0 && start?.type === "start") {
    const view = await readView(url, turn);
    if (view)
      problems.push(...checkView(view, { messageCount, assistantId: start.messageId, userText: message, assembled: assembled.message }));
  }
  turn.problems.push(...problems.map((p) => `follow-up: ${p}`));
}

/**
 * One line per turn: where it was killed (as the client saw it), what the session did about it after
 * the restart (its own log events), and how the resumed stream ended.
 * @param {TurnRun} turn
 */
function summarise(turn) {
  const progress = turn.before.filter((c) => c.chunk.type === "data-progress").length;
  const seen = `${turn.before.length} chunks${turn.kind === "tool" ? `, ${progress} progress` : ""}`;
  const late = turn.reachedKillPoint && turn.reachedKillPoint !== "stopped" ? ` (kill point not reached: ${turn.reachedKillPoint})` : "";
  // No recovery event: the turn had already ended when workerd was killed.
  const server = turn.server.length > 0 ? turn.server.join(", ") : "ended before the kill (nothing to recover)";
  const whole = [...turn.before, ...turn.after];
  const finish = whole.findLast((c) => c.chunk.type === "finish")?.chunk.finishReason;
  const error = whole.find((c) => c.chunk.type === "error")?.chunk.errorText;
  const interrupted = turn.after.filter((c) => c.chunk.type === "tool-output-error").length;
  const resumed =
    turn.resumeStatus === undefined
      ? "not resumed"
      : `resume ${turn.resumeStatus}: ${turn.after.length} chunks${finish ? ` to finish(${finish})` : ", no finish"}` +
        `${interrupted ? `, ${interrupted} tool call(s) interrupted` : ""}${error ? `, error "${error}"` : ""}`;
  const followUp = turn.followUp.length > 0 ? "; follow-up ok" : "";
  turn.summary = `${turn.label} ${turn.kind.padEnd(4)} killed after ${seen} (cursor ${turn.before.at(-1)?.id ?? "-"})${late}; ${server}; ${resumed}${followUp}`;
}

// ---------------------------------------------------------------- run

const work = mkdtempSync(join(tmpdir(), "edgechat-crash-"));
const logFile = join(work, "wrangler.log");
/** @type {Awaited<ReturnType<typeof startService>> | undefined} */
let service;
/** @type {Awaited<ReturnType<typeof startFakeAnthropic>> | undefined} */
let fake;
let cleanedUp = false;

const cleanUp = async () => {
  if (cleanedUp) return;
  cleanedUp = true;
  await service?.stop().catch((error) => console.error("[crash] stopping wrangler:", error));
  await fake?.close().catch(() => {});
};
process.on("exit", () => service?.killNow());
for (const signal of /** @type {const} */ (["SIGINT", "SIGTERM"])) {
  process.once(signal, () => {
    console.log(`[crash] ${signal}: stopping`);
    void cleanUp().finally(() => {
      if (!args.keep) rmSync(work, { recursive: true, force: true });
      process.exit(130);
    });
  });
}
const runTimer = setTimeout(() => {
  console.error(`[crash] the run took longer than ${RUN_TIMEOUT_MS / 1000} s: giving up (kept ${work}: wrangler.log)`);
  void cleanUp().finally(() => {
    const passed = plan.turns.filter((t) => t.summary !== "" && t.problems.length === 0).length;
    console.log(`${passed} passed, ${plan.turns.length - passed} failed`);
    process.exit(1);
  });
}, RUN_TIMEOUT_MS);
runTimer.unref();

const plan = makePlan(seed);
console.log(`[crash] seed ${seed} (reproduce: npm run test:crash -- --seed ${seed}, or CRASH_SEED=${seed})`);
console.log(
  `[crash] ${plan.turns.length} turns in ${plan.sessions.length} sessions, ${plan.rounds.length} crashes; wrangler log: ${logFile}`,
);
const startedAt = Date.now();
let fatal = false;

try {
  fake = await startFakeAnthropic({ port: 0, tokensPerSecond: 0 });
  service = await startService({
    root,
    persistDir: join(work, "state"),
    logFile,
    fakeUrl: fake.url,
    log: (line) => console.log(line),
  });
  const url = service.url;
  console.log(`[crash] service ready at ${url} in ${((Date.now() - startedAt) / 1000).toFixed(1)} s`);

  for (const [r, round] of plan.rounds.entries()) {
    const roundStart = Date.now();
    service.mark(`round ${r + 1}: ${round.map((t) => `${t.label} ${t.kind} until ${describeKillPoint(t.killPoint)}`).join(", ")}`);
    await Promise.all(round.map((turn) => sleep(turn.startDelay).then(() => runToKillPoint(url, turn))));
    const delay = plan.killDelays[r] ?? 0;
    await sleep(delay);
    const eventMark = service.eventCount;
    const crash = await service.crash({ fresh: args.fresh });
    for (const turn of round) turn.abortPost?.();
    console.log(
      `[crash] crash ${r + 1}/${plan.rounds.length}: SIGKILL workerd ${crash.pid} ${((Date.now() - roundStart - crash.restartMs) / 1000).toFixed(1)} s into the round, ` +
        `API back after ${(crash.restartMs / 1000).toFixed(1)} s${crash.fresh ? " (fresh wrangler dev)" : ""}`,
    );
    await Promise.all(
      round
        .filter((turn) => turn.before.length > 0)
        .map((turn) =>
          resumeAndCheck(url, turn).catch((error) => {
            turn.problems.push(`checking the turn failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
          }),
        ),
    );
    const events = service.eventsSince(eventMark);
    for (const turn of round) {
      turn.server = events.filter((e) => e.session === turn.session && RECOVERY_EVENTS.has(e.event)).map((e) => e.event);
      summarise(turn);
      const ok = turn.problems.length === 0;
      console.log(`  ${ok ? "ok  " : "FAIL"} ${turn.summary}`);
      if (!ok || args.verbose) {
        console.log(`         session ${turn.session}, message "${turn.message}"`);
        for (const problem of turn.problems) console.log(`         - ${problem}`);
        console.log(`         chunks: ${compactSequence(turn.before, turn.after)}`);
      }
    }
  }

  // A run whose kills hit no running turn would pass without testing anything (say the wrong process
  // was killed, or turns got much faster): most kills must cut a turn off, as the sessions' logs show.
  const cutOff = plan.turns.filter((t) => t.server.length > 0).length;
  if (cutOff < plan.turns.length / 2) {
    console.log(`  FAIL only ${cutOff} of ${plan.turns.length} turns were still running when workerd was killed`);
    for (const turn of plan.turns) if (turn.server.length === 0) turn.problems.push("not running when workerd was killed");
  }

  // Last, every session as a whole: nothing running, dense history with all of its messages.
  for (const session of plan.sessions) {
    const turns = plan.turns.filter((t) => t.session === session);
    const last = turns.at(-1);
    if (!last || last.problems.length > 0) continue;
    const view = await readView(url, last);
    if (!view) continue;
    const problems = [];
    const expected = turns.length * 4;
    if (view.activeStream !== null) problems.push("a turn is running at the end");
    if (view.messages?.length !== expected) problems.push(`${view.messages?.length} messages, ${expected} expected`);
    if (!(view.sequences ?? []).every((/** @type {number} */ s, /** @type {number} */ i) => s === i)) {
      problems.push(`sequences not dense: ${JSON.stringify(view.sequences)}`);
    }
    if (problems.length > 0) {
      last.problems.push(...problems.map((p) => `session at the end: ${p}`));
      console.log(`  FAIL ${session} at the end: ${problems.join("; ")}`);
    }
  }
} catch (error) {
  fatal = true;
  console.error("[crash] could not run:", error);
} finally {
  await cleanUp();
  clearTimeout(runTimer);
}

const failed = fatal
  ? plan.turns.filter((t) => t.problems.length > 0 || t.summary === "").length
  : plan.turns.filter((t) => t.problems.length > 0).length;
const passed = plan.turns.length - failed;
console.log(`[crash] ${((Date.now() - startedAt) / 1000).toFixed(1)} s, seed ${seed}`);
if (failed > 0 || args.keep) {
  writeFileSync(
    join(work, "turns.json"),
    `${JSON.stringify(
      plan.turns.map(({ abortPost: _, ...turn }) => turn),
      null,
      2,
    )}\n`,
  );
  console.log(`[crash] kept ${work}: wrangler.log (wrangler and workerd output), turns.json (every turn's chunks), state/`);
} else {
  rmSync(work, { recursive: true, force: true });
}
console.log(`${passed} passed, ${failed} failed`);
process.exit(failed === 0 ? 0 : 1);
