import { cloudflareTest } from "@cloudflare/vitest-plugin";
import { defineConfig } from "vitest/config";

/**
 * Every test runs in real workerd. The only fake is the model provider's network edge: all outbound
 * fetches of the Worker and its Durable Objects go to `fake-anthropic/fake-anthropic.js`, which speaks
 * Anthropic's real streaming wire format.
 */
/**
 * A workerd project. `toolApproval` is the TOOL_APPROVAL var of its Worker: the default project lets
 * every tool run (tests call fetch_url freely); test/approvals/ runs with each tool's own default, so
 * fetch_url asks a person first, as in a deployment.
 */
function workerdProject(name: string, files: { include?: string[]; exclude?: string[] }, toolApproval?: string) {
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
          },
          outboundService: "fake-anthropic",
          workers: [
            {
              name: "fake-anthropic",
              // Every module of the fake, its entry first: an auxiliary worker gets only the modules listed here.
              modulesRoot: "./fake-anthropic",
              modules: [
                "fake-anthropic.js",
                "directive.js",
                "describe-files.js",
                "fake-api-error.js",
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
    test: { name, testTimeout: 30_000, hookTimeout: 30_000, ...files },
  };
}

export default defineConfig({
  test: {
    projects: [
      workerdProject("workerd", { exclude: ["test/approvals/**", "**/node_modules/**"] }, "none"),
      workerdProject("workerd-approvals", { include: ["test/approvals/**/*.test.ts"] }),
    ],
  },
});
