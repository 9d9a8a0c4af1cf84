// Process accounting from /proc (Linux): the workerd processes under wrangler, their CPU time and RSS.
import { execFileSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { performance } from "node:perf_hooks";
import { cmdline, descendants, procStat as stat } from "../scripts/lib/processes.mjs";

export { cmdline, descendants };

/** Clock ticks per second for /proc/<pid>/stat (utime, stime). */
export const CLK_TCK = Number(execFileSync("getconf", ["CLK_TCK"], { encoding: "utf8" }).trim()) || 100;

/** CPU seconds (user + system) the process has used so far. */
export function cpuSeconds(pid) {
  const fields = stat(pid);
  return (Number(fields[11]) + Number(fields[12])) / CLK_TCK; // fields 14 and 15: utime, stime
}

/** Resident set size in bytes (VmRSS). */
export function rssBytes(pid) {
  const match = /^VmRSS:\s+(\d+) kB/m.exec(readFileSync(`/proc/${pid}/status`, "utf8"));
  return match ? Number(match[1]) * 1024 : 0;
}

/**
 * The workerd processes wrangler started: `worker` runs the Worker and its Durable Objects, `proxy`
 * is wrangler's entry proxy that listens on the dev port and forwards every request to it.
 */
export function findWorkerd(wranglerPid, port) {
  const all = descendants(wranglerPid).filter((pid) => /\bworkerd serve\b/.test(cmdline(pid)));
  const proxy = all.find((pid) => new RegExp(`--socket-addr=entry=[^ ]*:${port}( |$)`).test(cmdline(pid)));
  const worker = all.filter((pid) => pid !== proxy);
  if (worker.length !== 1)
    throw new Error(`expected one Worker workerd under wrangler (pid ${wranglerPid}), found ${all.length} workerd: ${all.join(", ")}`);
  return { worker: worker[0], proxy };
}

/** Busy and total jiffies of the whole machine (all CPUs), from the first line of /proc/stat. */
export function machineJiffies() {
  const f = readFileSync("/proc/stat", "utf8").split("\n")[0].trim().split(/\s+/).slice(1).map(Number);
  const total = f.reduce((a, b) => a + b, 0);
  const idle = f[3] + f[4]; // idle + iowait
  return { busy: total - idle, total };
}

/** A snapshot of CPU seconds and RSS of the given processes, of this process, and of the machine. */
export function sample(pids) {
  const usage = process.cpuUsage();
  const out = {
    at: performance.now(),
    bench: { cpu: (usage.user + usage.system) / 1e6, rss: process.memoryUsage.rss() },
    machine: machineJiffies(),
  };
  for (const [name, pid] of Object.entries(pids)) {
    if (typeof pid !== "number") continue;
    out[name] = { cpu: cpuSeconds(pid), rss: rssBytes(pid) };
  }
  return out;
}

/**
 * CPU used between two samples: seconds per process (`worker`, `proxy`, `bench` = this process,
 * which also serves the fake upstream) and the machine's busy share of all its CPUs.
 */
export function cpuBetween(before, after) {
  const out = {};
  for (const name of Object.keys(after)) if (after[name].cpu !== undefined) out[name] = after[name].cpu - before[name].cpu;
  out.machineBusy = (after.machine.busy - before.machine.busy) / (after.machine.total - before.machine.total);
  return out;
}
