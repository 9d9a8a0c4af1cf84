import { cloudflareTest } from "@cloudflare/vitest-plugin";
import { buildSync } from "esbuild";
import { defineConfig } from "vitest/config";

/**
 * The demo MCP server (demo-mcp/) imports the MCP SDK's server side; an auxiliary worker is neither
 * transpiled nor resolved against node_modules, so it runs from one bundle, built here (in ~100 ms)
 * before miniflare starts.
 */
const DEMO_MCP_BUNDLE = "node_modules/.cache/edgechat/demo-mcp-server.js";
buildSync({
  entryPoints: ["demo-mcp/demo-mcp-server.js"],
  bundle: true,
  format: "esm",
  platform: "browser",
  outfile: DEMO_MCP_BUNDLE,
  logLevel: "error",
});

/**
 * The MCP servers of the `workerd-mcp` project's deployment (test/workerd-setup/network.js routes their hosts):
 * the demo server with a token from a secret, the same server again under a name whose tools need
 * approval, one that is down and one whose calls fail.
 */
// biome-ignore lint/suspicious/noTemplateCurlyInString: MCP_SERVERS' own `${SECRET}` syntax, resolved by the Worker
const TOKEN_HEADER = { authorization: "Bearer ${DEMO_MCP_TOKEN}" };
const TEST_MCP_SERVERS = JSON.stringify([
  { name: "demo", url: "http://mcp.fake/mcp", headers: TOKEN_HEADER },
  { name: "gated", url: "http://mcp-gated.fake/mcp", headers: TOKEN_HEADER },
  { name: "down", url: "http://mcp-down.fake/mcp" },
  { name: "flaky", url: "http://mcp-flaky.fake/mcp", headers: TOKEN_HEADER },
]);
/** The demo server's token in tests: a secret of the Worker, checked by the server. */
const TEST_MCP_TOKEN = "demo-mcp-test-token";

/**
 * Tests of pure modules (no `cloudflare:*` import, no call into the Worker) run in plain Node: they
 * skip workerd's start and module import, which costs more than most of them take to run. Every
 * other test file runs in workerd. In both projects the only fake is the model provider's network
 * edge: every outbound fetch goes to `fake-anthropic/`, which speaks Anthropic's real streaming
 * wire format.
 */
const NODE_TESTS = [
  "test/message-assembler.test.ts",
  "test/read-congestion.test.ts",
  "test/turn-stream.test.ts",
  "test/fake-anthropic.test.ts",
  "test/tools/*.test.ts",
  "test/page-*.test.ts",
  "test/agent/*.test.ts",
];

/** The Worker's and the tests' runtime imports from node_modules, prebundled for workerd (see `deps` below). */
const WORKER_DEPENDENCIES = [
  "ai",
  "ai/internal",
  "zod",
  "hono",
  "hono/client",
  "hono/jwt",
  "@anthropic-ai/sdk",
  "drizzle-orm",
  "drizzle-orm/durable-sqlite",
  "drizzle-orm/durable-sqlite/migrator",
  "drizzle-orm/sqlite-core",
  "@hono/zod-openapi",
  "entities",
  "ai6",
  "@modelcontextprotocol/sdk/client/index.js",
  "@modelcontextprotocol/sdk/client/streamableHttp.js",
  "@modelcontextprotocol/sdk/validation/cfworker",
];

/**
 * Console lines not printed in a test run: the events the Worker logs on every ordinary turn, and
 * what the Anthropic SDK prints before it throws on a stream event that is not JSON (only the fake's
 * `malformed` scenario sends one; the SDK binds `console.error` once per process, so a test's spy
 * cannot take these). Failures are not here: a test that provokes one captures and checks it
 * (test/support/capture-logs.ts), so any other still shows.
 */
const QUIET_LINES = [
  /^\{"event":"(turn_started|turn_stopped|turn_waiting|wait_closed|head_switched|send_retried|message_queued|queued_cancelled|chunks_pruned)"/,
  /^Could not parse message into JSON:/,
  /^From chunk:/,
];

/** ms; the first test of a workerd worker also pays the Worker's module import */
const TEST_TIMEOUT_MS = 30_000;

/**
 * A workerd project. `toolApproval` is its Worker's TOOL_APPROVAL: the main project lets every tool run
 * (its tests call fetch_url freely); test/approvals/ runs with each tool's own default, so fetch_url
 * asks a person first, as in a deployment.
 */
function workerdProject(
  name: string,
  files: { include: string[]; exclude: string[] },
  toolApproval?: string,
  extraBindings: Record<string, string> = {},
) {
  return {
    plugins: [
      cloudflareTest({
        wrangler: { configPath: "./wrangler.toml" },
        miniflare: {
          bindings: {
            AUTH_SECRET: "test-auth-secret-0123456789abcdef",
            ANTHROPIC_API_KEY: "test-anthropic-key",
            ANTHROPIC_BASE_URL: "http://anthropic.fake",
            // Short heartbeats so tests can see them without waiting 15 s; production uses the default.
            HEARTBEAT_INTERVAL_MS: "300",
            // A silent model is a stall after 2 s here (90 s in production); tools get at most 2.5 s,
            // so the stall and tool-timeout paths are tested with the real tools and upstream.
            STALL_TIMEOUT_MS: "2000",
            TOOL_TIMEOUT_MS: "2500",
            // A small context budget so compaction is exercised by a few long turns.
            CONTEXT_BUDGET_TOKENS: "6000",
            // A socket's output allowance (32 MiB in production): a few thousand frames, so tests pass it
            // with a few replays, while one whole long test turn fits.
            SOCKET_OUTPUT_LIMIT_BYTES: "4194304",
            ...(toolApproval ? { TOOL_APPROVAL: toolApproval } : {}),
            ...extraBindings,
          },
          outboundService: "network",
          workers: [
            {
              name: "network",
              modules: [{ type: "ESModule" as const, path: "./test/workerd-setup/network.js" }],
              serviceBindings: { ANTHROPIC: "fake-anthropic", DEMO_MCP: "demo-mcp" },
              compatibilityDate: "2026-11-01",
            },
            {
              name: "demo-mcp",
              modules: [{ type: "ESModule" as const, path: `./${DEMO_MCP_BUNDLE}` }],
              bindings: { DEMO_MCP_TOKEN: TEST_MCP_TOKEN },
              compatibilityDate: "2026-11-01",
              compatibilityFlags: ["nodejs_compat"],
            },
            {
              name: "fake-anthropic",
              // Every module of the fake, its entry first: an auxiliary worker gets only the modules listed here.
              modulesRoot: "./fake-anthropic",
              modules: [
                "fake-anthropic.js",
                "directive.js",
                "describe-files.js",
                "fake-api-error.js",
                "files-api.js",
                "input-usage.js",
                "message-frames.js",
                "page.js",
                "random-id.js",
                "remember.js",
                "scenarios.js",
                "sse-response.js",
              ].map((file) => ({ type: "ESModule" as const, path: `./fake-anthropic/${file}` })),
              compatibilityDate: "2026-11-01",
            },
          ],
        },
      }),
    ],
    // The tests run a local build, like `npm run dev` (see src/http/local-build.ts); a test that needs
    // the deployed behaviour builds that app with createApp({ localBuild: false }).
    define: { __EDGECHAT_LOCAL_BUILD__: "true" },
    test: {
      name,
      ...files,
      // One workerd per worker for all the files it runs, not one per file: each start re-imports
      // every module, and the import cost more than most files take to run. Storage is then shared
      // between files too, which the tests allow: each uses its own session ids and users.
      isolate: false,
      // The plugin inlines every dependency, so without this workerd fetches each of their
      // hundreds of modules from Vite one by one. Prebundled, each package is a file or two. A
      // package missing here still works, unbundled.
      deps: { optimizer: { ssr: { enabled: true, include: WORKER_DEPENDENCIES } } },
      globalSetup: ["test/workerd-setup/hide-deliberate-fault-logs.mjs"],
      testTimeout: TEST_TIMEOUT_MS,
      hookTimeout: TEST_TIMEOUT_MS,
    },
  };
}

export default defineConfig({
  test: {
    // Test files at once, in both projects (vitest wants one number for projects that run together).
    // The default on 2 cores is 1; the workerd tests spend most of their time waiting on the fake
    // upstream's pacing and on timeouts, so a second worker nearly halves the wall time. A third was
    // faster again (18 s against 25 s), but on 2 shared cores it leaves less room for the real timers
    // that the stall, heartbeat and tool-timeout tests run on.
    maxWorkers: 2,
    onConsoleLog: (line) => !QUIET_LINES.some((pattern) => pattern.test(line)),
    projects: [
      {
        test: {
          name: "node",
          include: NODE_TESTS,
          environment: "node",
          globalSetup: ["test/node-setup/start-fake-upstream.mjs"],
          setupFiles: ["test/node-setup/route-fetch-to-fake.ts"],
          testTimeout: TEST_TIMEOUT_MS,
          hookTimeout: TEST_TIMEOUT_MS,
        },
      },
      workerdProject(
        "workerd",
        { include: ["test/**/*.test.ts"], exclude: [...NODE_TESTS, "test/approvals/**", "test/mcp/**", "test/files-api/**"] },
        "none",
      ),
      workerdProject("workerd-approvals", { include: ["test/approvals/**/*.test.ts"], exclude: [] }),
      // MCP servers and Claude's server tools on: every turn of this project lists four MCP servers.
      workerdProject("workerd-mcp", { include: ["test/mcp/**/*.test.ts"], exclude: [] }, "gated__*", {
        MCP_SERVERS: TEST_MCP_SERVERS,
        DEMO_MCP_TOKEN: TEST_MCP_TOKEN,
        WEB_SEARCH: "on",
        WEB_FETCH: "on",
      }),
      // Images and PDFs go to the model by Files API id (uploaded once per user and content).
      workerdProject("workerd-files-api", { include: ["test/files-api/**/*.test.ts"], exclude: [] }, "none", {
        ANTHROPIC_FILES_API: "on",
      }),
    ],
  },
});
