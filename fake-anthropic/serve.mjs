// @ts-check
/**
 * Serves the fake Anthropic API from Node (22+) on 127.0.0.1, for `npm run dev` without an API key
 * and for benchmarks, through the streaming adapter in scripts/lib/serve-fetch.mjs.
 *
 *   node fake-anthropic/serve.mjs [--port 8788] [--rate <tokens per second>]
 *
 * `--rate` (or FAKE_TOKENS_PER_SECOND) paces deltas when a directive has no `rate=`; 0 = unpaced.
 */
import { pathToFileURL } from "node:url";
import { parseArgs } from "node:util";
import { serveFetch } from "../scripts/lib/serve-fetch.mjs";
import { handleAnthropicRequest } from "./fake-anthropic.js";

/**
 * @param {{ port?: number, tokensPerSecond?: number | string }} [options]
 * @returns {Promise<{ url: string, close: () => Promise<void> }>}
 */
export async function startFakeAnthropic({ port = 0, tokensPerSecond = process.env.FAKE_TOKENS_PER_SECOND } = {}) {
  const { origin, close } = await serveFetch((request) => handleAnthropicRequest(request, { tokensPerSecond }), {
    port,
    name: "fake-anthropic",
  });
  return { url: origin, close };
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const { values } = parseArgs({ options: { port: { type: "string", default: "8788" }, rate: { type: "string" } } });
  const { url, close } = await startFakeAnthropic({
    port: Number(values.port),
    ...(values.rate === undefined ? {} : { tokensPerSecond: values.rate }),
  });
  console.log(`fake-anthropic listening on ${url}`);
  const stop = () => {
    close().then(
      () => process.exit(0),
      (error) => {
        console.error(error);
        process.exit(1);
      },
    );
  };
  process.once("SIGINT", stop);
  process.once("SIGTERM", stop);
}
