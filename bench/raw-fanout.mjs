// The fan-out lag baseline: the same client code receiving the same kind of events from the
// simplest possible fan-out, a Node process that writes each event to every socket in a loop. It is
// the floor this machine and this client put under any first-to-last-follower lag: what the lag of
// N sockets costs without workerd, a Durable Object or SQLite.
//
// Run as a child process (it prints its port); the bench opens N followers, then POSTs /go.
import { spawn } from "node:child_process";
import { createServer } from "node:http";
import { performance } from "node:perf_hooks";
import { fileURLToPath } from "node:url";
import { openSse, parseSse } from "./sse-client.mjs";
import { percentile } from "./stats.mjs";

function serve() {
  const followers = [];
  const server = createServer((req, res) => {
    if (req.method === "GET") {
      res.writeHead(200, { "content-type": "text/event-stream", "cache-control": "no-cache" });
      res.flushHeaders();
      followers.push(res);
      return;
    }
    const url = new URL(req.url, "http://x");
    const events = Number(url.searchParams.get("events"));
    const interval = 1000 / Number(url.searchParams.get("rate"));
    const start = performance.now();
    let i = 0;
    const tick = () => {
      const frame = `id: ${i}\ndata: {"type":"text-delta","id":"0-0","delta":" word${i}"}\n\n`;
      for (const f of followers) f.write(frame);
      i += 1;
      if (i < events) setTimeout(tick, Math.max(0, start + i * interval - performance.now()));
      else {
        for (const f of followers) f.end("data: [DONE]\n\n");
        followers.length = 0;
        res.end("ok");
      }
    };
    tick();
  });
  server.listen(0, "127.0.0.1", () => console.log(String(server.address().port)));
}

/** Starts the server, attaches `followers` clients, streams `events` at `rate`, and measures the lag. */
export async function rawFanout({ followers, events, rate }) {
  const child = spawn(process.execPath, [fileURLToPath(import.meta.url), "--serve"], { stdio: ["ignore", "pipe", "inherit"] });
  try {
    const port = await new Promise((resolve, reject) => {
      child.stdout.once("data", (data) => resolve(Number(String(data).trim())));
      child.once("exit", (code) => reject(new Error(`raw fan-out server exited (${code})`)));
    });
    const base = `http://127.0.0.1:${port}`;
    const clients = Array.from({ length: followers }, () => openSse(`${base}/follow`));
    await Promise.all(clients.map((c) => c.ready));
    const go = openSse(`${base}/go?events=${events}&rate=${rate}`, { method: "POST" });
    await Promise.all([go.done, ...clients.map((c) => c.done)]);
    const parsed = clients.map((c) => parseSse(c).events);
    if (!parsed.every((e) => e.length === events)) throw new Error("raw fan-out: a follower missed events");
    const lags = [];
    for (let i = 0; i < events; i++) {
      let min = Infinity;
      let max = -Infinity;
      for (const e of parsed) {
        min = Math.min(min, e[i].t);
        max = Math.max(max, e[i].t);
      }
      lags.push(max - min);
    }
    return { followers, events, rate, lagMs: { p50: percentile(lags, 50), p99: percentile(lags, 99), max: Math.max(...lags) } };
  } finally {
    child.kill();
  }
}

if (process.argv.includes("--serve")) serve();
