// A recording SSE client: every received piece of the body is kept with its arrival time, and
// parsed only after the stream ends, so that 500 clients in one process cost little while they run.
import { Agent, request } from "node:http";
import { performance } from "node:perf_hooks";
import { StringDecoder } from "node:string_decoder";

const agent = new Agent({ keepAlive: false, maxSockets: Infinity });

/**
 * Opens one streamed request. `ready` settles with the status once the response headers are in,
 * `firstData` once the first body bytes are, `done` when the body ends (or fails).
 */
export function openSse(url, { method = "GET", body, headers = {} } = {}) {
  const rec = { url, status: 0, sentAt: 0, headersAt: 0, endAt: 0, bytes: 0, pieces: [], times: [], error: undefined };
  let resolveFirst;
  rec.firstData = new Promise((resolve) => (resolveFirst = resolve));
  rec.ready = new Promise((resolveReady, rejectReady) => {
    rec.done = new Promise((resolveDone) => {
      const req = request(url, { method, agent, headers: { accept: "text/event-stream", ...headers } }, (res) => {
        rec.status = res.statusCode;
        rec.headersAt = performance.now();
        resolveReady(rec);
        if (res.statusCode !== 200) resolveFirst(rec);
        res.on("data", (buffer) => {
          rec.times.push(performance.now());
          rec.pieces.push(buffer);
          rec.bytes += buffer.length;
          if (rec.pieces.length === 1) resolveFirst(rec);
        });
        res.on("end", () => {
          rec.endAt = performance.now();
          resolveFirst(rec);
          resolveDone(rec);
        });
        res.on("error", (error) => {
          rec.error = error;
          rec.endAt = performance.now();
          resolveFirst(rec);
          resolveDone(rec);
        });
      });
      req.on("error", (error) => {
        rec.error = error;
        rec.endAt = performance.now();
        rejectReady(error);
        resolveFirst(rec);
        resolveDone(rec);
      });
      if (body !== undefined) {
        req.setHeader("content-type", "application/json");
        req.end(JSON.stringify(body));
      } else req.end();
      rec.sentAt = performance.now();
      rec.abort = () => req.destroy();
    });
  });
  rec.ready.catch(() => {});
  return rec;
}

/**
 * The events of a finished recording: `{ id, data, t }` for each `data:` event (t = arrival time of
 * the piece that completed it), `done` if `data: [DONE]` came, and the body text.
 */
export function parseSse(rec) {
  const decoder = new StringDecoder("utf8");
  const events = [];
  let done = false;
  let buffer = "";
  let text = "";
  for (let i = 0; i < rec.pieces.length; i++) {
    const piece = decoder.write(rec.pieces[i]);
    text += piece;
    buffer += piece;
    let end = buffer.indexOf("\n\n");
    while (end !== -1) {
      const block = buffer.slice(0, end);
      buffer = buffer.slice(end + 2);
      end = buffer.indexOf("\n\n");
      let id;
      let data;
      for (const line of block.split("\n")) {
        if (line.startsWith("id: ")) id = Number(line.slice(4));
        else if (line.startsWith("data: ")) data = line.slice(6);
      }
      if (data === undefined) continue; // a comment (heartbeat)
      if (data === "[DONE]") done = true;
      else events.push({ id, data, t: rec.times[i] });
    }
  }
  return { events, done, text, rest: buffer };
}
