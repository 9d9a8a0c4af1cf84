// A V8 CPU profile of the Worker's isolate (the Worker and its Durable Objects) through workerd's
// inspector, summarised by function and by source file. Used only on diagnostic runs: profiling
// slows the isolate down, so no measured number in the table comes from a profiled run.
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { sourceMap } from "./source-map.mjs";

/** The DevTools endpoint of wrangler's inspector proxy (one client at a time; it checks Origin). */
async function inspectorUrl(inspectorPort) {
  const res = await fetch(`http://127.0.0.1:${inspectorPort}/json`, { signal: AbortSignal.timeout(5_000) });
  const [target] = await res.json();
  if (!target?.webSocketDebuggerUrl) throw new Error(`no inspector target on port ${inspectorPort}`);
  return target.webSocketDebuggerUrl;
}

function connect(url) {
  const socket = new WebSocket(url, { headers: { origin: "http://127.0.0.1" } });
  let next = 0;
  const pending = new Map();
  socket.addEventListener("message", (event) => {
    const msg = JSON.parse(event.data);
    const waiter = pending.get(msg.id);
    // wrangler's proxy also echoes some requests back; a result we wait for has `result` or `error`.
    if (!waiter || (waiter.needsResult && msg.result === undefined && !msg.error)) return;
    pending.delete(msg.id);
    if (msg.error) waiter.reject(new Error(`${msg.error.message}`));
    else waiter.resolve(msg.result);
  });
  const opened = new Promise((resolve, reject) => {
    socket.addEventListener("open", resolve, { once: true });
    socket.addEventListener("error", () => reject(new Error(`cannot connect to ${url}`)), { once: true });
  });
  const send = (method, params = {}, needsResult = false) =>
    new Promise((resolve, reject) => {
      const id = ++next;
      pending.set(id, { resolve, reject, needsResult });
      socket.send(JSON.stringify({ id, method, params }));
    });
  return { opened, send, close: () => socket.close() };
}

/**
 * Self time by function and by source file, as shares of all samples. Positions are mapped to the
 * original sources with the bundle's source map; a native function (SQLite exec, WebSocket send)
 * is named with the JS function that called it.
 */
export function summarise(profile, lookup = () => undefined, top = 12) {
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const parent = new Map();
  for (const n of profile.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
  const where = (frame) =>
    frame.url ? (lookup(frame.lineNumber, frame.columnNumber) ?? `${frame.url}:${frame.lineNumber + 1}`) : undefined;
  const label = (id) => {
    const { functionName, url } = byId.get(id).callFrame;
    const name = functionName || "(anonymous)";
    if (url) return { fn: `${name} ${where(byId.get(id).callFrame)}`, file: where(byId.get(id).callFrame).replace(/:\d+$/, "") };
    const caller = parent.get(id) && byId.get(parent.get(id)).callFrame;
    if (caller?.url) {
      const at = where(caller);
      return { fn: `${name} (native) <- ${caller.functionName || "(anonymous)"} ${at}`, file: `(native) <- ${at.replace(/:\d+$/, "")}` };
    }
    return { fn: name, file: name };
  };
  const counts = new Map();
  for (const id of profile.samples) counts.set(id, (counts.get(id) ?? 0) + 1);
  const total = profile.samples.length;
  const functions = new Map();
  const files = new Map();
  for (const [id, count] of counts) {
    const { fn, file } = label(id);
    functions.set(fn, (functions.get(fn) ?? 0) + count);
    files.set(file, (files.get(file) ?? 0) + count);
  }
  const rank = (map) =>
    [...map.entries()]
      .sort((a, b) => b[1] - a[1])
      .slice(0, top)
      .map(([name, count]) => ({ name, share: +(count / total).toFixed(4) }));
  return { samples: total, functions: rank(functions), files: rank(files) };
}

/** Starts profiling the Worker's isolate; `stop()` returns the summary and writes the profile to `path` if given. */
export async function startProfile(inspectorPort, { intervalUs = 200 } = {}) {
  const inspector = connect(await inspectorUrl(inspectorPort));
  await inspector.opened;
  await inspector.send("Profiler.enable");
  await inspector.send("Profiler.setSamplingInterval", { interval: intervalUs });
  await inspector.send("Profiler.start");
  return {
    /** `bundleMap`: the path of the Worker bundle's source map, to name original source lines. */
    async stop(path, bundleMap) {
      const { profile } = await inspector.send("Profiler.stop", {}, true);
      inspector.close();
      if (path) writeFileSync(path, JSON.stringify(profile));
      const lookup = bundleMap && existsSync(bundleMap) ? sourceMap(JSON.parse(readFileSync(bundleMap, "utf8"))) : undefined;
      return summarise(profile, lookup);
    },
  };
}
