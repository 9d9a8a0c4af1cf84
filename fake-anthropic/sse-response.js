// @ts-check
/**
 * The streamed body of a Message: its frames sent lazily as the client reads, batched or paced at a
 * token rate, a `stall` held open until the client goes away, and every timer stopped on disconnect.
 */
import { STALL } from "./message-frames.js";

/** @typedef {import("./message-frames.js").Frame} Frame */

/** ms a `stall` stream stays silent at most before it closes, so a client that never aborts cannot leak it forever. */
const STALL_MAX_MS = 10 * 60_000;
/**
 * SSE frames per body chunk at rate 0 (at rate > 0 every delta is its own paced chunk). In workerd
 * each chunk that crosses to the worker under test costs about 1.3 ms, so one frame per chunk made
 * a 3000-token answer take 4 s; the real API also packs several events into one read. Node's
 * chunks are cheap, so serve.mjs keeps one frame per chunk.
 */
const FRAMES_PER_CHUNK = globalThis.navigator?.userAgent === "Cloudflare-Workers" ? 16 : 1;

/**
 * Streams the frames lazily: each pull produces one chunk, and only when the client reads, so a huge
 * answer is never buffered. Deltas are paced at `tokensPerSecond`; at 0 chunks go as fast as the
 * client reads, with a macrotask between two chunks so the body really arrives in pieces. Client
 * disconnect (stream cancel or request.signal) stops every timer at once.
 * @param {Generator<Frame | typeof STALL, void, undefined>} frames
 * With `burst` > 1 (and a rate) deltas leave `burst` at a time in one body chunk, each burst at the
 * schedule of its first delta: the same average rate, delivered as the real API does (several
 * events per network read).
 * @param {{ tokensPerSecond: number, burst?: number, signal?: AbortSignal, onEnd?: (state: 'done' | 'cancelled') => void }} options
 * @param {string} requestId
 */
export function sseResponse(frames, { tokensPerSecond, burst = 1, signal, onEnd }, requestId) {
  const encoder = new TextEncoder();
  const gone = new AbortController();
  const interval = tokensPerSecond > 0 ? 1000 / tokensPerSecond : 0;
  const source = interval > 0 ? frames : batched(frames, FRAMES_PER_CHUNK);
  let sentTokens = 0;
  let firstTokenAt = 0;
  /** @type {IteratorResult<Frame | typeof STALL, void> | undefined} what a burst read past its end */
  let pushedBack;
  let ended = false;
  const end = (/** @type {'done' | 'cancelled'} */ state) => {
    if (ended) return;
    ended = true;
    signal?.removeEventListener("abort", onAbort);
    if (state === "cancelled") gone.abort();
    source.return();
    onEnd?.(state);
  };
  const onAbort = () => end("cancelled");
  if (signal?.aborted) onAbort();
  else signal?.addEventListener("abort", onAbort);

  const body = new ReadableStream(
    {
      async pull(controller) {
        const next = ended ? /** @type {const} */ ({ done: true, value: undefined }) : (pushedBack ?? source.next());
        pushedBack = undefined;
        if (next.done) {
          end("done");
          controller.close();
          return;
        }
        if (next.value === STALL) {
          await sleep(STALL_MAX_MS, gone.signal);
          end("done");
          if (!gone.signal.aborted) controller.close();
          return;
        }
        const frame = next.value;
        let text = frame.text;
        if (frame.token && interval > 0) {
          if (sentTokens === 0) firstTokenAt = Date.now();
          const wait = firstTokenAt + sentTokens * interval - Date.now(); // against drift: a schedule, not a fixed sleep
          if (wait > 0) await sleep(wait, gone.signal);
          else await nextMacrotask();
          sentTokens += 1;
          // The rest of the burst rides along: the next frames up to `burst` tokens, in this chunk.
          for (let inBurst = 1; inBurst < burst && !ended; ) {
            const more = source.next();
            if (more.done || more.value === STALL) {
              pushedBack = more;
              break;
            }
            text += more.value.text;
            if (more.value.token) {
              inBurst += 1;
              sentTokens += 1;
            }
          }
        } else {
          await nextMacrotask();
        }
        if (!gone.signal.aborted) controller.enqueue(encoder.encode(text));
      },
      cancel() {
        end("cancelled");
      },
    },
    { highWaterMark: 0 },
  );
  return new Response(body, {
    status: 200,
    headers: { "content-type": "text/event-stream; charset=utf-8", "cache-control": "no-cache", "request-id": requestId },
  });
}

/**
 * Joins up to `size` consecutive frames into one chunk; a STALL flushes what came before it.
 * @param {Generator<Frame | typeof STALL, void, undefined>} frames @param {number} size
 * @returns {Generator<Frame | typeof STALL, void, undefined>}
 */
function* batched(frames, size) {
  let text = "";
  let count = 0;
  for (const item of frames) {
    if (item !== STALL) {
      text += item.text;
      count += 1;
    }
    if (item === STALL || count >= size) {
      if (text !== "") yield { text, token: false };
      text = "";
      count = 0;
    }
    if (item === STALL) yield STALL;
  }
  if (text !== "") yield { text, token: false };
}

/** Resolves after `ms`, or at once when `signal` aborts (and then clears its timer). @param {number} ms @param {AbortSignal} signal */
function sleep(ms, signal) {
  return new Promise((resolve) => {
    if (signal.aborted) return resolve(undefined);
    const done = () => {
      clearTimeout(timer);
      signal.removeEventListener("abort", done);
      resolve(undefined);
    };
    const timer = setTimeout(done, ms);
    signal.addEventListener("abort", done);
  });
}

/** setImmediate where it exists (Node, and workerd), since Node's setTimeout(0) costs >= 1 ms. */
function nextMacrotask() {
  const { setImmediate } = /** @type {{ setImmediate?: (callback: () => void) => unknown }} */ (globalThis);
  return new Promise((resolve) => (setImmediate ? setImmediate(() => resolve(undefined)) : setTimeout(resolve, 0)));
}
