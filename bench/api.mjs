// The service's endpoints as the bench uses them.
import { openSse, parseSse } from "./sse-client.mjs";
import { openWsResume } from "./ws-client.mjs";

/** The fake upstream's directive: `tokens` text deltas at `rate` per second (0 = as fast as it can). */
export const turnText = (tokens, rate) => `fake:text tokens=${tokens} rate=${rate}`;

export const sendChat = (base, id, message) => openSse(`${base}/api/chat`, { method: "POST", body: { id, message } });

export const sendBaseline = (base, message) => openSse(`${base}/api/bench/baseline`, { method: "POST", body: { message } });

export function follow(base, id, cursor) {
  return openSse(`${base}/api/chat/${id}/stream${cursor === undefined ? "" : `?cursor=${cursor}`}`);
}

export const followWs = (base, id) => openWsResume(`${base.replace(/^http/, "ws")}/api/chat/${id}/ws`, id);

export async function sessionStats(base, id) {
  const res = await fetch(`${base}/api/sessions/${id}/stats`);
  if (!res.ok) throw new Error(`GET /api/sessions/${id}/stats: ${res.status} ${await res.text()}`);
  return res.json();
}

/**
 * Runs one whole turn and checks that it completed: status 200, `finish` as the last chunk, then
 * `[DONE]`. Returns the recording and its parsed events.
 */
export async function runTurn(rec, what, timeoutMs = 120_000) {
  let timer;
  const timeout = new Promise((_, reject) => {
    timer = setTimeout(() => {
      rec.abort?.();
      reject(new Error(`${what}: no end after ${timeoutMs / 1000} s`));
    }, timeoutMs);
  });
  try {
    await Promise.race([rec.ready.then(() => rec.done), timeout]);
  } finally {
    clearTimeout(timer);
  }
  if (rec.status !== 200) throw new Error(`${what}: HTTP ${rec.status}: ${Buffer.concat(rec.pieces).toString().slice(0, 300)}`);
  const parsed = parseSse(rec);
  const last = parsed.events.at(-1);
  if (rec.error || !parsed.done || !last || JSON.parse(last.data).type !== "finish") {
    throw new Error(`${what}: the stream did not end with finish and [DONE] (${rec.error ?? `last: ${last?.data.slice(0, 200)}`})`);
  }
  return { rec, ...parsed };
}

/** Text deltas among parsed events. */
export const textDeltas = (events) => events.filter((e) => e.data.startsWith('{"type":"text-delta"'));
