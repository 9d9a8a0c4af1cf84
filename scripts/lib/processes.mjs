// Local processes, for the scripts that run the service (bench, e2e, crash test): free ports, and
// the process tree under wrangler read from /proc (Linux).
import { readdirSync, readFileSync } from "node:fs";
import { createServer } from "node:net";

/** A port that was free a moment ago (the kernel's pick for port 0). @returns {Promise<number>} */
export function freePort() {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const address = server.address();
      server.close(() => (typeof address === "object" && address ? resolve(address.port) : reject(new Error("no free port"))));
    });
  });
}

/** @param {number | string} pid @returns {string[]} the fields of /proc/<pid>/stat after the command name (state, ppid, ...) */
export function procStat(pid) {
  const raw = readFileSync(`/proc/${pid}/stat`, "utf8");
  // The command name is in parentheses and may contain spaces: split after the last ')'.
  return raw.slice(raw.lastIndexOf(")") + 2).split(" ");
}

/** Every live descendant of `root` (not `root` itself, no zombies), from the parent links in /proc. @param {number} root */
export function descendants(root) {
  /** @type {Map<number, number>} pid -> ppid */
  const parents = new Map();
  for (const entry of readdirSync("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const fields = procStat(entry);
      if (fields[0] !== "Z") parents.set(Number(entry), Number(fields[1]));
    } catch {
      // The process went away while we looked.
    }
  }
  const out = [];
  const frontier = [root];
  while (frontier.length > 0) {
    const parent = frontier.pop();
    for (const [pid, ppid] of parents) {
      if (ppid === parent) {
        out.push(pid);
        frontier.push(pid);
      }
    }
  }
  return out;
}

/** Whether any live process is in process group `pgid` (its id can only be reused once none is). @param {number} pgid */
export function groupAlive(pgid) {
  for (const entry of readdirSync("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const fields = procStat(entry);
      if (fields[0] !== "Z" && Number(fields[2]) === pgid) return true;
    } catch {
      // The process went away while we looked.
    }
  }
  return false;
}

/** The process's command line, or "" once it is gone. @param {number} pid */
export function cmdline(pid) {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, "utf8").split("\0").join(" ").trim();
  } catch {
    return "";
  }
}
