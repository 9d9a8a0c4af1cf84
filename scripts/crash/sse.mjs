// Reads the service's SSE streams (`id: <cursor>\ndata: <chunk json>\n\n`, ending `data: [DONE]`)
// chunk by chunk, so the crash test can stop reading at an exact chunk and knows the last SSE id it
// processed: that id is the cursor a resuming follower sends.

/**
 * @typedef {{ id: number, chunk: { type: string, [key: string]: any } }} SseChunk
 * @typedef {{ chunks: SseChunk[], done: boolean, ended: boolean, error?: string, malformed: string[] }} SseRead
 *   `done`: `[DONE]` was read; `ended`: the body ended; `malformed`: events that were not `id` + JSON `data`
 */

/**
 * An incremental reader over one SSE response body.
 * @param {ReadableStream<Uint8Array>} body
 */
export function sseReader(body) {
  const reader = body.getReader();
  const decoder = new TextDecoder();
  let buffer = "";
  /** @type {SseRead} */
  const state = { chunks: [], done: false, ended: false, malformed: [] };
  /** @type {string[]} complete events not handed out yet */
  const events = [];

  /** The next event's text, or undefined at the end of the body. */
  const nextEvent = async () => {
    while (events.length === 0) {
      if (state.ended) return undefined;
      const { value, done } = await reader.read();
      if (done) {
        state.ended = true;
        if (buffer.trim() !== "") events.push(buffer);
        buffer = "";
        break;
      }
      buffer += decoder.decode(value, { stream: true });
      const parts = buffer.split("\n\n");
      buffer = parts.pop() ?? "";
      events.push(...parts);
    }
    return events.shift();
  };
  /** @type {Promise<string | undefined> | undefined} a read that a timeout gave up on; the next call takes it over */
  let pending;
  const next = () => {
    if (!pending) {
      pending = nextEvent().finally(() => {
        pending = undefined;
      });
      // A read abandoned for good (the caller gave up and cancelled) must not become an unhandled rejection.
      pending.catch(() => {});
    }
    return pending;
  };

  return {
    state,
    /**
     * Reads chunks until `stop(chunk)` is true (that chunk included), `[DONE]`, the end of the body or the deadline.
     * @param {{ stop?: (chunk: SseChunk) => boolean, deadline: number }} options
     * @returns {Promise<'stopped' | 'done' | 'ended' | 'timeout' | 'error'>}
     */
    async readUntil({ stop = () => false, deadline }) {
      for (;;) {
        const remaining = deadline - Date.now();
        if (remaining <= 0) return "timeout";
        let timer;
        const timeout = new Promise((resolve) => {
          timer = setTimeout(() => resolve("timeout"), remaining);
        });
        /** @type {string | undefined | 'timeout'} */
        let event;
        try {
          event = await Promise.race([next(), timeout]);
        } catch (error) {
          state.error = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
          return "error";
        } finally {
          clearTimeout(timer);
        }
        if (event === "timeout") return "timeout";
        if (event === undefined) return state.done ? "done" : "ended";
        const parsed = parseEvent(event);
        if (parsed === "comment") continue;
        if (parsed === "done") {
          state.done = true;
          continue; // the body should end right after; `ended` is reported then
        }
        if (typeof parsed === "string") {
          state.malformed.push(parsed);
          continue;
        }
        if (state.done) state.malformed.push(`chunk after [DONE]: ${event}`);
        state.chunks.push(parsed);
        if (stop(parsed)) return "stopped";
      }
    },
    /** Drops the connection without reading further. */
    cancel() {
      reader.cancel().catch(() => {
        // The connection is already gone (the server was killed): nothing left to cancel.
      });
    },
  };
}

/**
 * One SSE event: a chunk, `done` ([DONE]), `comment` (a heartbeat), or a description of what was wrong.
 * @param {string} event
 * @returns {SseChunk | 'done' | 'comment' | string}
 */
function parseEvent(event) {
  /** @type {number | undefined} */
  let id;
  /** @type {string[]} */
  const data = [];
  let onlyComments = true;
  for (const line of event.split("\n")) {
    if (line === "" || line.startsWith(":")) continue;
    onlyComments = false;
    const colon = line.indexOf(":");
    const field = colon === -1 ? line : line.slice(0, colon);
    const value = colon === -1 ? "" : line.slice(colon + 1).replace(/^ /, "");
    if (field === "id") id = /^\d+$/.test(value) ? Number(value) : Number.NaN;
    else if (field === "data") data.push(value);
    else return `unexpected field "${field}" in event: ${event}`;
  }
  if (onlyComments) return "comment";
  const text = data.join("\n");
  if (text === "[DONE]") return id === undefined ? "done" : `[DONE] with an id: ${event}`;
  if (id === undefined || Number.isNaN(id)) return `event without a numeric id: ${event}`;
  try {
    const chunk = JSON.parse(text);
    if (typeof chunk !== "object" || chunk === null || typeof chunk.type !== "string") return `data is not a chunk: ${event}`;
    return { id, chunk };
  } catch {
    return `data is not JSON: ${event}`;
  }
}
