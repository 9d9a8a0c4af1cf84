// The fake Anthropic upstream in a process of its own, with the upstream tap beside it. The files
// scenario needs this: the fake parses each model request whole, and a request carrying a 20 MB PDF
// is 27 MB of JSON, so in the bench's own process it would hold up the clients whose arrival times
// the bench is measuring, and the fake's writes whose times it compares them with. Here, a delta's
// write time is taken where it is written, and the bench's clients keep their own thread.
//
//   parent -> child: { type: "tagged", id, tag }   child -> parent: { type: "ready", url }
//                                                    { type: "tagged", id, stream }
// Times are epoch ms (performance.timeOrigin + now), comparable across the two processes.
import { fork } from "node:child_process";
import { performance } from "node:perf_hooks";
import { fileURLToPath } from "node:url";
import { startFakeAnthropic } from "../fake-anthropic/serve.mjs";
import { startUpstreamTap } from "./upstream-tap.mjs";

const READY_TIMEOUT_MS = 10_000;

/** Starts the child; `tagged(tag)` answers the tapped stream that quotes `tag` (deltas in epoch ms). */
export async function startUpstreamProcess() {
  const child = fork(fileURLToPath(import.meta.url), ["--child"], { stdio: ["ignore", "inherit", "inherit", "ipc"] });
  const waiting = new Map();
  let next = 0;
  child.on("message", (msg) => {
    if (msg.type !== "tagged") return;
    waiting.get(msg.id)?.(msg.stream);
    waiting.delete(msg.id);
  });
  const url = await new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error("the upstream process did not start")), READY_TIMEOUT_MS);
    child.once("message", (msg) => {
      clearTimeout(timer);
      resolve(msg.url);
    });
    child.once("exit", (code) => reject(new Error(`the upstream process exited (${code})`)));
  });
  return {
    url,
    pid: child.pid,
    tagged: (tag) =>
      new Promise((resolve) => {
        const id = next++;
        waiting.set(id, resolve);
        child.send({ type: "tagged", id, tag });
      }),
    close: async () => {
      if (child.exitCode !== null) return;
      const exited = new Promise((resolve) => child.once("exit", resolve));
      child.kill("SIGTERM");
      await exited;
    },
  };
}

/** Epoch ms of the parent's or the child's performance.now() reading. */
export const epochMs = (t) => performance.timeOrigin + t;

if (process.argv.includes("--child")) {
  const tap = startUpstreamTap();
  const fake = await startFakeAnthropic({ port: 0, tokensPerSecond: 0 });
  process.on("message", (msg) => {
    if (msg.type !== "tagged") return;
    const entry = tap.streamTagged(msg.tag);
    process.send({ type: "tagged", id: msg.id, stream: entry && { deltas: entry.deltas.map(epochMs), chars: entry.chars } });
  });
  process.on("SIGTERM", () => fake.close().finally(() => process.exit(0)));
  process.send({ type: "ready", url: fake.url });
}
