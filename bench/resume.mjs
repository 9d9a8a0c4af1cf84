// Scenario 4, resume: a follower that reconnects at chunk `at` of a finished `tokens`-chunk turn,
// with a cursor (only the missing suffix) against a full replay of the turn.
import { follow, runTurn, sendChat, turnText } from "./api.mjs";
import { parseSse } from "./sse-client.mjs";
import { median } from "./stats.mjs";
import { warmSession } from "./throughput.mjs";

async function replay(base, id, cursor) {
  const rec = follow(base, id, cursor);
  await rec.ready;
  await rec.done;
  if (rec.status !== 200 || rec.error) throw new Error(`resume with cursor ${cursor}: HTTP ${rec.status} ${rec.error ?? ""}`);
  const parsed = parseSse(rec);
  return {
    ttfcMs: parsed.events[0].t - rec.sentAt,
    totalMs: rec.endAt - rec.sentAt,
    bytes: rec.bytes,
    chunks: parsed.events.length,
    done: parsed.done,
    text: parsed.text,
    events: parsed.events,
    firstId: parsed.events[0].id,
    lastId: parsed.events.at(-1).id,
  };
}

export async function resume(base, { tokens, at: wanted, reps }) {
  const id = await warmSession(base, "resume");
  const turn = await runTurn(sendChat(base, id, turnText(tokens, 0)), "resume source turn");
  // The service merges the deltas of a row into one chunk, so a turn has fewer chunks than tokens:
  // resume after chunk `at`, or after the middle chunk when the turn has fewer than 2 x `at`.
  const at = Math.min(wanted, Math.floor(turn.events.length / 2));
  const first = turn.events[0].id;
  const last = turn.events.at(-1).id;
  const cursor = first + at - 1; // the turn's chunk number `at` (1-based): the client has chunks first .. cursor
  // The full replay of a finished turn: everything after its `start` chunk (the API resumes a finished
  // turn only after a cursor inside it; the `start` chunk's own cursor is the earliest there is).
  const fullCursor = first;
  const runs = [];
  for (let i = 0; i < reps; i++) {
    const suffix = await replay(base, id, cursor);
    const full = await replay(base, id, fullCursor);
    runs.push({ suffix, full });
  }
  const { suffix, full } = runs.at(-1);
  // The exact suffix: the cursor's body must be the full replay's body from chunk cursor + 1 on.
  const from = full.text.indexOf(`id: ${cursor + 1}\n`);
  const key = (events) => events.map((e) => `${e.id}\n${e.data}`).join("\n");
  const exact =
    suffix.chunks === last - cursor &&
    suffix.firstId === cursor + 1 &&
    suffix.lastId === last &&
    suffix.done &&
    from >= 0 &&
    suffix.text === full.text.slice(from) &&
    key(suffix.events) === key(turn.events.filter((e) => e.id > cursor)) &&
    suffix.bytes === Buffer.byteLength(full.text.slice(from));
  const strip = (r) => ({ ttfcMs: r.ttfcMs, totalMs: r.totalMs, bytes: r.bytes, chunks: r.chunks });
  return {
    tokens,
    at,
    turnChunks: turn.events.length,
    cursor,
    expectedChunks: last - cursor,
    exact,
    suffix: { ...strip(suffix), ttfcMs: median(runs.map((r) => r.suffix.ttfcMs)), totalMs: median(runs.map((r) => r.suffix.totalMs)) },
    full: { ...strip(full), ttfcMs: median(runs.map((r) => r.full.ttfcMs)), totalMs: median(runs.map((r) => r.full.totalMs)) },
    runs: runs.map((r) => ({ suffix: strip(r.suffix), full: strip(r.full) })),
  };
}
