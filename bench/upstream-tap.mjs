// Watches the fake upstream from inside this process (it is served by this process's node:http):
// when each /v1/messages request arrived and when each content_block_delta left. It splits a
// chunk's added latency into turn setup (the upstream is called later) and per-chunk delivery
// (upstream write -> client arrival). Only the bench's own server objects are touched.
import dc from "node:diagnostics_channel";
import { performance } from "node:perf_hooks";

const CHANNEL = "http.server.request.start";
const DELTA = Buffer.from("content_block_delta");

export function startUpstreamTap() {
  const requests = [];
  const onStart = ({ request, response }) => {
    if (!request.url?.startsWith("/v1/messages")) return;
    const entry = { at: performance.now(), deltas: [], chars: [] };
    requests.push(entry);
    const write = response.write;
    response.write = function tapWrite(chunk, ...rest) {
      const bytes = typeof chunk === "string" ? Buffer.from(chunk) : Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength);
      if (bytes.includes(DELTA)) {
        const t = performance.now();
        const text = bytes.toString();
        entry.firstDelta ??= text;
        // A write may hold several deltas (a burst): each gets the write's time and its text's length.
        for (const line of text.split("\n")) {
          if (!line.startsWith("data: ") || !line.includes('"content_block_delta"')) continue;
          const delta = JSON.parse(line.slice(6)).delta;
          entry.deltas.push(t);
          entry.chars.push((delta.text ?? delta.thinking ?? delta.partial_json ?? "").length);
        }
      }
      return write.call(this, chunk, ...rest);
    };
  };
  dc.subscribe(CHANNEL, onStart);
  return {
    /** The upstream stream whose answer quotes `tag` (the fake echoes the prompt's first words). */
    streamTagged: (tag) => requests.find((r) => r.firstDelta?.includes(tag)),
    stop: () => dc.unsubscribe(CHANNEL, onStart),
  };
}
