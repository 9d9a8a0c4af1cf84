// @ts-check
/**
 * Global setup of the `node` test project (runs once, in vitest's main process): serves the fake
 * Anthropic upstream on a free loopback port and gives its URL to the test files as
 * `inject("fakeUpstreamUrl")`, where `route-fetch-to-fake.ts` sends every outbound fetch to it. This
 * is the Node side of what `miniflare.outboundService` does for the workerd project.
 */
import { startFakeAnthropic } from "../../fake-anthropic/serve.mjs";

/** @param {import("vitest/node").TestProject} project */
export default async function startFakeUpstream(project) {
  // Unpaced, like the workerd project's fake, whatever FAKE_TOKENS_PER_SECOND the shell has.
  const fake = await startFakeAnthropic({ tokensPerSecond: 0 });
  project.provide("fakeUpstreamUrl", fake.url);
  return () => fake.close();
}
