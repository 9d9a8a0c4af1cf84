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
  lagReps: ["lag-reps", "BENCH_LAG_REPS", 3, 1, Number],
  rawEvents: ["raw-events", "BENCH_RAW_EVENTS", 400, 100, Number],
  throughputTokens: ["throughput-tokens", "BENCH_THROUGHPUT_TOKENS", 10_000, 2_000, Number],
  throughputReps: ["throughput-reps", "BENCH_THROUGHPUT_REPS", 3, 1, Number],
  sessions: ["sessions", "BENCH_SESSIONS", "10,50,100", "10", list],
  sessionTokens: ["session-tokens", "BENCH_SESSION_TOKENS", "1000,400,200", "200", list],
  sessionReps: ["session-reps", "BENCH_SESSION_REPS", 3, 1, Number],
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
    "",
    "",
    (v) =>
      String(v)
        .split(",")
        .filter((x) => x !== "")
        .map(Number),
  ],
  latencyTokens: ["latency-tokens", "BENCH_LATENCY_TOKENS", 1000, 200, Number],
  latencyRates: ["latency-rates", "BENCH_LATENCY_RATES", "200,100", "200", list],
  latencyFollowers: ["latency-followers", "BENCH_LATENCY_FOLLOWERS", 100, 10, Number],
  latencyReps: ["latency-reps", "BENCH_LATENCY_REPS", 2, 1, Number],
  burst: ["burst", "BENCH_BURST", 4, 4, Number],
  firstDeltaReps: ["first-delta-reps", "BENCH_FIRST_DELTA_REPS", 5, 2, Number],
  firstDeltaTokens: ["first-delta-tokens", "BENCH_FIRST_DELTA_TOKENS", 2000, 200, Number],
  policies: ["policies", "BENCH_POLICIES", "1,2,3,4,6,8", "1,4", list],
  bigTurnTokens: ["big-turn-tokens", "BENCH_BIG_TURN_TOKENS", 40_000, 4_000, Number],
  bigTurnFollowers: ["big-turn-followers", "BENCH_BIG_TURN_FOLLOWERS", 100, 10, Number],
  keptTokens: ["kept-tokens", "BENCH_KEPT_TOKENS", 2000, 200, Number],
  keptTurns: ["kept-turns", "BENCH_KEPT_TURNS", 5, 2, Number],
  diagnosticFollowers: ["diagnostic-followers", "BENCH_DIAGNOSTIC_FOLLOWERS", 100, 50, Number],
  transports: ["transports", "BENCH_TRANSPORTS", "sse,ws", "sse,ws", (v) => String(v).split(",")],
  only: [
    "only",
    "BENCH_ONLY",
    "fanout,throughput,durability,resume,latency,big-turn,peer,files,flush-sweep,diagnostics",
    "fanout,throughput,durability,resume,latency,big-turn,peer,files,flush-sweep,diagnostics",
    (v) => String(v).split(","),
  ],
  maxSeconds: ["max-seconds", "BENCH_MAX_SECONDS", 1800, 600, Number],
  out: ["out", "BENCH_OUT", "bench/results.json", join(tmpdir(), "edgechat-bench-results.quick.json"), String],
};

export const USAGE = `npm run bench [-- --quick] [--<option>=<value> ...]

Options (or the environment variable in brackets):
${Object.entries(OPTIONS)
  .map(([, [flag, env, def, quick]]) => `  --${flag.padEnd(18)} [${env}] default ${def}, --quick ${quick}`)
  .join("\n")}
  --app-dir            [BENCH_APP_DIR] the project wrangler runs (default: this repository)
  --in-place           [BENCH_IN_PLACE=1] run wrangler in the project itself, not in a snapshot of it
  --before-dir         [BENCH_BEFORE_DIR] another checkout (e.g. the code before a change, from
                       \`git worktree add\` or \`git archive\`) measured in the same run by the fan-out
                       (x100), throughput (sessions), latency and big-turn scenarios, next to this one
With --only or --app-dir and no --out, results go to ${join(tmpdir(), "edgechat-bench-results.partial.json")}.`;

export function readConfig(argv = process.argv.slice(2), env = process.env) {
  const options = {
    quick: { type: "boolean" },
    help: { type: "boolean" },
    "app-dir": { type: "string" },
    "before-dir": { type: "string" },
    "in-place": { type: "boolean" },
  };
  for (const [flag] of Object.values(OPTIONS)) options[flag] = { type: "string" };
  const { values } = parseArgs({ args: argv, options });
  const quick = Boolean(values.quick || env.BENCH_QUICK === "1");
  const config = {
    quick,
    help: Boolean(values.help),
    appDir: values["app-dir"] ?? env.BENCH_APP_DIR,
    beforeDir: values["before-dir"] ?? env.BENCH_BEFORE_DIR,
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
