import Anthropic from "@anthropic-ai/sdk";
import type { UIMessageChunk } from "ai";
import type { Config } from "../config";
import { parseFileRef } from "../protocol/file-parts";
import { toAgentFailure } from "./agent-failure";
import type { ToolCall } from "./anthropic-step-mapper";
import { compactContext } from "./compact-context";
import { generateTitle } from "./generate-title";
import { type ContextFiles, type ContextStore, estimateTokens, type ModelContext } from "./model-context";
import { type AgentRun, runAgent } from "./run-agent";
import { runToolCalls } from "./run-tool-calls";
import type { Tool } from "./tool";
import { toolDefinitions } from "./tool-definitions";
import { enabledTools } from "./tools/registry";
import type { TurnEnd } from "./turn-end";

export interface AgentRunner {
  /**
   * Runs the agent for one turn and says how the turn ends. Never rejects. `approvedCalls`: calls a
   * person approved while the message waited; they run before the model is called again.
   */
  run(run: AgentRun & { context: ContextStore; approvedCalls?: readonly ToolCall[] }): Promise<TurnEnd>;
  /** A short session title from the first user message, or null when the model gave none; rejects when the call fails. */
  title(firstMessage: string): Promise<string | null>;
  /** The names of the server tools a turn can call. */
  readonly toolNames: ReadonlySet<string>;
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
    needsApproval: new Set(
      [...tools.values()]
        .filter((tool) => (config.toolApproval ? config.toolApproval.includes(tool.name) : tool.needsApproval === true))
        .map((t) => t.name),
    ),
  };
  return {
    toolNames: new Set(tools.keys()),
    title: (firstMessage) => generateTitle(client, config.titleModel, firstMessage),
    async run(run) {
      // Compacting records a summary and tells followers (a transient data chunk); it is not model output.
      const compact = async (context: ModelContext, budget: number) => {
        const { context: next, summarised } = await compactContext(client, config.model, context, budget);
        const last = summarised.at(-1);
        if (last && next.summary) {
          run.context.saveSummary({ throughSeq: last.seq, summary: next.summary });
          run.emit({ type: "data-compaction", data: { summarisedMessages: summarised.length }, transient: true });
        }
        return next;
      };
      let streamed = false;
      const agentRun = {
        ...run,
        emit: (chunk: UIMessageChunk) => {
          streamed = true;
          run.emit(chunk);
        },
      };
      try {
        if (run.approvedCalls && run.approvedCalls.length > 0) {
          // Their outcomes go into the message first, so the context below shows Claude every result.
          await runToolCalls(run.approvedCalls, tools, {
            sessionId: run.sessionId,
            signal: run.signal,
            emit: agentRun.emit,
            timeoutCapMs: config.toolTimeoutCapMs,
          });
          if (run.signal.aborted) throw run.signal.reason;
        }
        let context = run.context.load();
        if (estimateContext(context, settings.systemPrompt, tools) > config.contextBudgetTokens) {
          context = await compact(context, config.contextBudgetTokens);
        }
        const files = await loadContextFiles(context, run.context.loadFile);
        let result: Awaited<ReturnType<typeof runAgent>>;
        try {
          result = await runAgent(client, settings, tools, agentRun, context, files);
        } catch (error) {
          // The estimate was off and the API refused the prompt before anything streamed: compact
          // harder and try once more, instead of failing the turn with a context-length error.
          if (streamed || run.signal.aborted || toAgentFailure(error).code !== "context_too_long") throw error;
          context = await compact(context, config.contextBudgetTokens / 4);
          result = await runAgent(client, settings, tools, agentRun, context, files);
        }
        return result.waiting ? { kind: "waiting" } : { kind: "finished", finishReason: result.finishReason };
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

/** The bytes of every file the context's messages attach, fetched in parallel. */
async function loadContextFiles(context: ModelContext, loadFile: ContextStore["loadFile"]): Promise<ContextFiles> {
  const shas = new Set<string>();
  for (const { message } of context.messages) {
    for (const part of message.parts) {
      const sha = part.type === "file" ? parseFileRef(part.url) : undefined;
      if (sha) shas.add(sha);
    }
  }
  const files = new Map<string, Uint8Array>();
  if (!loadFile) return files;
  await Promise.all(
    [...shas].map(async (sha) => {
      const bytes = await loadFile(sha);
      if (bytes) files.set(sha, bytes);
    }),
  );
  return files;
}

function estimateContext(context: ModelContext, systemPrompt: string, tools: ReadonlyMap<string, Tool>): number {
  return (
    estimateTokens(systemPrompt) +
    estimateTokens(toolDefinitions(tools)) +
    estimateTokens(context.summary ?? "") +
    context.messages.reduce((sum, m) => sum + estimateTokens(m.message.parts), 0)
  );
}
