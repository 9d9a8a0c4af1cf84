#!/usr/bin/env node
// `npm run bench:slow-socket [-- --tokens=N --app=<dir>]`: what a WebSocket client that stops reading
// costs the service. Inside workerd tests a socket always reads, so this runs `wrangler dev` and
// speaks WebSocket over a raw TCP socket that, after sending one `send` frame, never reads again.
// Meanwhile an SSE follower reads the same turn at full speed. Every 500 ms it samples the Worker
// process's RSS and the session's follower count. Prints when the socket was dropped (followers
// 2 -> 1), the Worker's peak RSS, and whether the SSE follower got the whole turn.
// `--app=<dir>` measures another checkout (for a before/after comparison); `--reads` makes the socket
// read (and discard) everything, the control run.
import { randomBytes } from "node:crypto";
import { connect } from "node:net";
import { dirname, resolve } from "node:path";
import { performance } from "node:perf_hooks";
import { fileURLToPath } from "node:url";
import { follow, runTurn, sessionStats } from "./api.mjs";
import { rssBytes } from "./proc.mjs";
import { startService } from "./service.mjs";
import { clientFrame } from "./ws-client.mjs";

const SAMPLE_MS = 500;
const arg = (name, fallback) => process.argv.find((a) => a.startsWith(`--${name}=`))?.slice(name.length + 3) ?? fallback;
const tokens = Number(arg("tokens", "300000"));
const reads = process.argv.includes("--reads");
/** the service's SOCKET_OUTPUT_LIMIT_* var, to measure with another limit (or none: a huge one) */
const limitVar = arg("limit-var", undefined);
const repo = resolve(arg("app", resolve(dirname(fileURLToPath(import.meta.url)), "..")));
const started = performance.now();
const seconds = () => ((performance.now() - started) / 1000).toFixed(1);
const log = (line) => console.error(`[slow-socket ${seconds().padStart(5)} s] ${line}`);
const mib = (bytes) => (bytes / 1024 / 1024).toFixed(1);

/** Opens a socket, sends one `send` frame starting a long turn, then stops reading. Resolves once the frame is written. */
function stalledSocket(port, id) {
  return new Promise((resolveOpen, reject) => {
    const socket = connect(port, "127.0.0.1");
    let head = "";
    socket.on("error", reject);
    socket.on("connect", () => {
      socket.write(
        `GET /api/chat/${id}/ws HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: ${randomBytes(16).toString("base64")}\r\nSec-WebSocket-Version: 13\r\n\r\n`,
      );
    });
    const onData = (data) => {
      head += data.toString("latin1");
      if (!head.includes("\r\n\r\n")) return;
      socket.off("data", onData);
      if (!head.startsWith("HTTP/1.1 101")) return reject(new Error(`handshake: ${head.split("\r\n")[0]}`));
      const frame = {
        type: "send",
        requestId: "stalled",
        id,
        trigger: "submit-message",
        messages: [{ id: "u1", role: "user", parts: [{ type: "text", text: `fake:text tokens=${tokens}` }] }],
        headers: {},
        body: {},
      };
      socket.write(clientFrame(1, JSON.stringify(frame)), () => {
        // Stalled: nothing is read from here on, so the kernel's receive buffer fills and TCP stops the
        // sender. The control run reads and discards instead.
        if (reads) socket.on("data", () => {});
        else socket.pause();
        resolveOpen(socket);
      });
    };
    socket.on("data", onData);
  });
}

const svc = await startService({ repo, log, vars: limitVar ? [limitVar] : [] });
let socket;
try {
  const port = Number(new URL(svc.baseUrl).port);
  const id = `slow-${Date.now()}`;
  socket = await stalledSocket(port, id);
  let stats = await sessionStats(svc.baseUrl, id);
  while (stats.followers === 0) stats = await sessionStats(svc.baseUrl, id);
  const sse = follow(svc.baseUrl, id);
  const samples = [];
  let droppedAt;
  const sampler = setInterval(async () => {
    const s = await sessionStats(svc.baseUrl, id).catch(() => undefined);
    const rss = rssBytes(svc.processes.worker);
    const proxyRss = svc.processes.proxy ? rssBytes(svc.processes.proxy) : 0;
    samples.push({ t: seconds(), rss, proxyRss, followers: s?.followers, chunks: s?.chunkLog?.chunks });
    if (droppedAt === undefined && s && s.followers < 2) droppedAt = seconds();
  }, SAMPLE_MS);
  const turn = await runTurn(sse, "the SSE follower", 300_000);
  clearInterval(sampler);
  const last = turn.events.at(-1)?.data ?? "";
  for (const s of samples.filter((_, i) => i % 4 === 0))
    log(`t=${s.t} s  worker RSS ${mib(s.rss)} MiB  proxy RSS ${mib(s.proxyRss)} MiB  followers ${s.followers}  chunks ${s.chunks}`);
  const peak = Math.max(...samples.map((s) => s.rss));
  const first = samples[0]?.rss ?? 0;
  console.log(
    [
      `turn: ${tokens} text deltas, ${turn.events.length} SSE events, last ${last.slice(0, 40)}`,
      `${reads ? "reading" : "stalled"} socket dropped by the server: ${droppedAt === undefined ? "never" : `at ${droppedAt} s`}`,
      `Worker RSS: first sample ${mib(first)} MiB, peak ${mib(peak)} MiB, last ${mib(samples.at(-1)?.rss ?? 0)} MiB`,
    ].join("\n"),
  );
} finally {
  socket?.destroy();
  await svc.stop();
}
