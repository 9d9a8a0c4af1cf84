import Anthropic from "@anthropic-ai/sdk";
import type { Config } from "../config";

/**
 * The real Anthropic SDK against `ANTHROPIC_BASE_URL` (the real API, or the fake upstream in tests and
 * keyless local runs; the code path is the same). One place, so the session's turns and the user
 * index's Files API deletes talk to the same API the same way.
 */
export function createAnthropicClient(config: Pick<Config, "anthropicApiKey" | "anthropicBaseUrl" | "upstreamMaxRetries">): Anthropic {
  return new Anthropic({
    apiKey: config.anthropicApiKey ?? "missing",
    ...(config.anthropicBaseUrl ? { baseURL: config.anthropicBaseUrl } : {}),
    // 429, 529 and 5xx are retried by the SDK with exponential backoff, honouring retry-after.
    maxRetries: config.upstreamMaxRetries,
  });
}
