// Scenario sizes: defaults fit the 10-minute budget on a 2-core machine; every size can be set by
// a flag or an environment variable (flag wins). `--quick` is a smoke run of every scenario.
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";

const list = (value) =>
  String(value)
    .split(",")
    .map(Number)
    .filter((n) => n > 0);

/** name: [flag, env var, default, quick default, parse] */
const OPTIONS = {
  followers: ["followers", "BENCH_FOLLOWERS", "500,100,10,1", "50,10,1", list],
  fanoutTokens: ["fanout-tokens", "BENCH_FANOUT_TOKENS", 2000, 400, Number],
  fanoutRate: ["fanout-rate", "BENCH_FANOUT_RATE", 200, 200, Number],
  rawEvents: ["raw-events", "BENCH_RAW_EVENTS", 400, 100, Number],
  throughputTokens: ["throughput-tokens", "BENCH_THROUGHPUT_TOKENS", 10_000, 2_000, Number],
  throughputReps: ["throughput-reps", "BENCH_THROUGHPUT_REPS", 3, 1, Number],
  sessions: ["sessions", "BENCH_SESSIONS", "10,100", "10", list],
  sessionTokens: ["session-tokens", "BENCH_SESSION_TOKENS", "1000,200", "200", list],
  pacedTokens: ["paced-tokens", "BENCH_PACED_TOKENS", 600, 200, Number],
  pacedRate: ["paced-rate", "BENCH_PACED_RATE", 100, 100, Number],
  pacedReps: ["paced-reps", "BENCH_PACED_REPS", 3, 1, Number],
  coldReps: ["cold-reps", "BENCH_COLD_REPS", 5, 2, Number],
  resumeTokens: ["resume-tokens", "BENCH_RESUME_TOKENS", 10_000, 2_000, Number],
  resumeAt: ["resume-at", "BENCH_RESUME_AT", 5_000, 1_000, Number],
  resumeReps: ["resume-reps", "BENCH_RESUME_REPS", 3, 1, Number],
  flushIntervals: [
    "flush-intervals",
    "BENCH_FLUSH_INTERVALS",
    "0,20",
    "0",
    (v) =>
      String(v)
        .split(",")
        .filter((x) => x !== "")
        .map(Number),
  ],
  diagnosticFollowers: ["diagnostic-followers", "BENCH_DIAGNOSTIC_FOLLOWERS", 100, 50, Number],
  transports: ["transports", "BENCH_TRANSPORTS", "sse,ws", "sse,ws", (v) => String(v).split(",")],
  only: [
    "only",
    "BENCH_ONLY",
    "fanout,throughput,durability,resume,flush-sweep,diagnostics",
    "fanout,throughput,durability,resume,flush-sweep,diagnostics",
    (v) => String(v).split(","),
  ],
  maxSeconds: ["max-seconds", "BENCH_MAX_SECONDS", 900, 300, Number],
  out: ["out", "BENCH_OUT", "bench/results.json", join(tmpdir(), "edgechat-bench-results.quick.json"), String],
};

export const USAGE = `npm run bench [-- --quick] [--<option>=<value> ...]

Options (or the environment variable in brackets):
${Object.entries(OPTIONS)
  .map(([, [flag, env, def, quick]]) => `  --${flag.padEnd(18)} [${env}] default ${def}, --quick ${quick}`)
  .join("\n")}
  --app-dir            [BENCH_APP_DIR] the project wrangler runs (default: this repository)
  --in-place           [BENCH_IN_PLACE=1] run wrangler in the project itself, not in a snapshot of it
With --only or --app-dir and no --out, results go to ${join(tmpdir(), "edgechat-bench-results.partial.json")}.`;

export function readConfig(argv = process.argv.slice(2), env = process.env) {
  const options = { quick: { type: "boolean" }, help: { type: "boolean" }, "app-dir": { type: "string" }, "in-place": { type: "boolean" } };
  for (const [flag] of Object.values(OPTIONS)) options[flag] = { type: "string" };
  const { values } = parseArgs({ args: argv, options });
  const quick = Boolean(values.quick || env.BENCH_QUICK === "1");
  const config = {
    quick,
    help: Boolean(values.help),
    appDir: values["app-dir"] ?? env.BENCH_APP_DIR,
    inPlace: Boolean(values["in-place"] || env.BENCH_IN_PLACE === "1"),
  };
  for (const [name, [flag, envName, def, quickDef, parse]] of Object.entries(OPTIONS)) {
    config[name] = parse(values[flag] ?? env[envName] ?? (quick ? quickDef : def));
  }
  if (config.sessionTokens.length < config.sessions.length) {
    config.sessionTokens = config.sessions.map((_, i) => config.sessionTokens[i] ?? config.sessionTokens.at(-1));
  }
  if (config.resumeAt >= config.resumeTokens) throw new Error("--resume-at must be below --resume-tokens");
  // bench/results.json is the full run that BENCHMARKS.md reports: a run of some scenarios (or of some
  // other sizes) must not replace it unless asked to with --out.
  const partial = (values.only ?? env.BENCH_ONLY) !== undefined || (values["app-dir"] ?? env.BENCH_APP_DIR) !== undefined;
  if (partial && (values.out ?? env.BENCH_OUT) === undefined) config.out = join(tmpdir(), "edgechat-bench-results.partial.json");
  return config;
}
