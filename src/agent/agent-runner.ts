import Anthropic from "@anthropic-ai/sdk";
import type { Config } from "../config";
import type { TurnEnd } from "../session/turn";
import { toAgentFailure } from "./agent-failure";
import { generateTitle } from "./generate-title";
import { type AgentRun, runAgent } from "./run-agent";
import { enabledTools } from "./tools/registry";

export interface AgentRunner {
  /** Runs the agent for one turn and says how the turn ends. Never rejects. */
  run(run: AgentRun): Promise<TurnEnd>;
  /** A short session title from the first user message, or null on any failure. Never rejects. */
  title(firstMessage: string): Promise<string | null>;
}

/**
 * The production agent: the real Anthropic SDK against `ANTHROPIC_BASE_URL` (the real API, or the
 * fake upstream in tests and keyless local runs; the code path is the same).
 */
export function createAgentRunner(config: Config): AgentRunner {
  const client = new Anthropic({
    apiKey: config.anthropicApiKey ?? "missing",
    ...(config.anthropicBaseUrl ? { baseURL: config.anthropicBaseUrl } : {}),
    // 429, 529 and 5xx are retried by the SDK with exponential backoff, honouring retry-after.
    maxRetries: config.upstreamMaxRetries,
  });
  const tools = enabledTools(config.tools);
  const settings = {
    model: config.model,
    systemPrompt: config.systemPrompt,
    maxOutputTokens: config.maxOutputTokens,
    maxSteps: config.maxSteps,
    thinkingBudget: config.thinkingBudget,
    stallTimeoutMs: config.stallTimeoutMs,
    toolTimeoutCapMs: config.toolTimeoutCapMs,
  };
  return {
    title: (firstMessage) => generateTitle(client, config.titleModel, firstMessage),
    async run(run) {
      try {
        const result = await runAgent(client, settings, tools, run);
        return { kind: "finished", finishReason: result.finishReason };
      } catch (error) {
        // The turn was stopped or ended by someone else; it has closed itself, and this is the unwind.
        if (run.signal.aborted) return { kind: "cancelled" };
        const failure = toAgentFailure(error);
        if (failure.detail !== undefined)
          console.log(
            JSON.stringify({ event: "agent_failure", session: run.sessionId, code: failure.code, detail: String(failure.detail) }),
          );
        return { kind: "failed", code: failure.code, errorText: failure.errorText };
      }
    },
  };
}
