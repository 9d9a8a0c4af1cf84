// Diagnostic runs that show what limits a result; none of their numbers is a table target: V8 CPU
// profiles of the Worker's isolate (the Worker and its Durable Objects) under the costly scenarios.
// Profiling slows the isolate down, so these runs are separate from the measured ones.
import { tmpdir } from "node:os";
import { join } from "node:path";
import { startProfile } from "./profile.mjs";

/** Runs `fn` under the profiler; the full profile goes to the temp directory (open it in Chrome DevTools). */
export async function profiled(svc, name, fn) {
  const profiler = await startProfile(svc.inspectorPort);
  const result = await fn();
  const path = join(tmpdir(), `edgechat-bench-${name}.cpuprofile`);
  const summary = await profiler.stop(path, svc.bundleMap());
  return { name, path, summary, result };
}

/** `runs`: [{ name, run }]; each run is profiled on its own. */
export async function profiles(svc, runs) {
  const out = [];
  for (const { name, run } of runs) out.push(await profiled(svc, name, run));
  return out;
}
