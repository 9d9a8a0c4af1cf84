import type { UIMessageChunk } from "ai";
import { z } from "zod";
import type { Config } from "../config";
import { toAgentFailure } from "./agent-failure";
import { createAnthropicClient } from "./anthropic-client";
import { AnthropicFiles, unknownFileIds } from "./anthropic-files";
import type { ToolCall } from "./anthropic-step-mapper";
import { compactContext } from "./compact-context";
import { type FileDelivery, loadContextFiles } from "./context-files";
import { contextBudget, countPromptTokens, modelWindow } from "./context-window";
import { FileBodies } from "./file-bodies";
import { generateTitle } from "./generate-title";
import { McpToolbox, type McpToolset } from "./mcp/mcp-toolbox";
import { type ContextFiles, type ContextStore, estimateTokens, type ModelContext, type StoredFiles } from "./model-context";
import { type AgentResult, type AgentRun, type AgentSettings, buildPrompt, runAgent } from "./run-agent";
import { runToolCalls } from "./run-tool-calls";
import { serverTools } from "./server-tools";
import type { Tool } from "./tool";
import { needsApproval } from "./tool-approval";
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
  /**
   * The names a browser tool may not take: the server tools', and any name under a configured MCP
   * server's prefix (`<server>__`), whether or not that server is up now.
   */
  readonly toolNames: ReadonlySet<string>;
  /** What a turn can call now: built-in and MCP tools (with each MCP server's state) and Claude's own tools. */
  listTools(): Promise<ToolListing>;
}

export interface ToolListing {
  tools: { name: string; description: string; source: "built-in" | "mcp" | "claude"; needsApproval: boolean; inputSchema?: unknown }[];
  mcpServers: McpToolset["servers"];
}

/** A set of names whose `has` also answers for every name under the given prefixes. */
class ReservedNames extends Set<string> {
  constructor(
    names: Iterable<string>,
    private readonly prefixes: readonly string[],
  ) {
    super(names);
  }
  override has(name: string): boolean {
    return super.has(name) || this.prefixes.some((prefix) => name.startsWith(prefix));
  }
}

type Log = (event: string, detail: Record<string, unknown>) => void;

const logJson: Log = (event, detail) => console.log(JSON.stringify({ event, ...detail }));

/**
 * The production agent: the real Anthropic SDK against `ANTHROPIC_BASE_URL` (the real API, or the
 * fake upstream in tests and keyless local runs; the code path is the same).
 */
export function createAgentRunner(config: Config, log: Log = logJson): AgentRunner {
  const anthropic = createAnthropicClient(config);
  const anthropicFiles = config.filesApi ? new AnthropicFiles(anthropic) : undefined;
  const builtIn = enabledTools(config.tools);
  const mcp = new McpToolbox(config.mcpServers, log);
  const claudeTools = serverTools(config);
  const settingsFor = (tools: ReadonlyMap<string, Tool>): AgentSettings => ({
    model: config.model,
    systemPrompt: config.systemPrompt,
    maxOutputTokens: config.maxOutputTokens,
    maxSteps: config.maxSteps,
    thinking:
      config.thinking === "adaptive"
        ? { type: "adaptive" }
        : config.thinking === "budget" && config.thinkingBudget > 0
          ? { type: "budget", budgetTokens: config.thinkingBudget }
          : { type: "off" },
    effort: config.effort,
    cacheTtl: config.cacheTtl,
    fineGrainedToolStreaming: config.fineGrainedToolStreaming,
    serverTools: claudeTools,
    stallTimeoutMs: config.stallTimeoutMs,
    toolTimeoutCapMs: config.toolTimeoutCapMs,
    needsApproval: new Set(
      [...tools.values()].filter((tool) => needsApproval(tool.name, config.toolApproval, tool.needsApproval === true)).map((t) => t.name),
    ),
  });
  /** The built-in tools and every reachable MCP server's, for one turn. */
  const turnTools = async (signal?: AbortSignal) => {
    const listed = await mcp.list(signal);
    const tools = new Map(builtIn);
    for (const tool of listed.tools) if (!tools.has(tool.name)) tools.set(tool.name, tool);
    return { tools, servers: listed.servers };
  };
  return {
    toolNames: new ReservedNames(
      [...builtIn.keys(), ...claudeTools.map((tool) => tool.name)],
      mcp.serverNames.map((name) => `${name}__`),
    ),
    title: (firstMessage) => generateTitle(anthropic, config.titleModel, firstMessage),
    async listTools() {
      try {
        const { tools, servers } = await turnTools();
        const settings = settingsFor(tools);
        return {
          tools: [
            ...[...tools.values()].map((tool) => ({
              name: tool.name,
              description: tool.description,
              source: builtIn.has(tool.name) ? ("built-in" as const) : ("mcp" as const),
              needsApproval: settings.needsApproval.has(tool.name),
              inputSchema: tool.inputJsonSchema ?? z.toJSONSchema(tool.inputSchema, { io: "input" }),
            })),
            ...claudeTools.map((tool) => ({
              name: tool.name,
              description:
                tool.name === "web_search" ? "Claude's web search (runs at Anthropic)" : "Claude's web fetch (runs at Anthropic)",
              source: "claude" as const,
              needsApproval: false,
            })),
          ],
          mcpServers: servers,
        };
      } finally {
        await mcp.release();
      }
    },
    async run(run) {
      // Compacting records a summary and tells followers (a transient data chunk); it is not model output.
      const compact = async (context: ModelContext, budget: number) => {
        const { context: next, summarised } = await compactContext(anthropic, config.model, context, budget);
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
        const { tools } = await turnTools(run.signal);
        const settings = settingsFor(tools);
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
        // This turn's requests stream the bytes of the files they carry from storage (file-bodies.ts).
        const bodies = new FileBodies(run.context.files ?? NO_FILES);
        const client = anthropic.withOptions({ fetch: bodies.fetch });
        const delivery: FileDelivery = { files: anthropicFiles, bodies, sessionId: run.sessionId, signal: run.signal, log };
        let context = run.context.load();
        let files = await loadContextFiles(context, run.context, delivery);
        const window = await modelWindow(anthropic, config.model);
        if (!window.known) log("model_window_unknown", { session: run.sessionId, model: config.model });
        const budget = contextBudget(window.tokens, config.contextBudgetTokens);
        const counted = await countPromptTokens(
          client,
          { model: config.model, ...buildPrompt(settings, tools, run, context, files) },
          budget,
        );
        // Counting failed: the estimate decides, and the API's own refusal is the backstop below.
        if ((counted ?? estimateContext(context, settings.systemPrompt, tools)) > budget) {
          context = await compact(context, budget);
          files = await loadContextFiles(context, run.context, delivery);
        }
        let result: AgentResult;
        try {
          result = await runAgent(client, settings, tools, agentRun, context, files);
        } catch (error) {
          if (streamed || run.signal.aborted) throw error;
          const lost = await forgetLostFiles(error, files, run.context);
          if (lost > 0) {
            // An upload the API no longer has (deleted or expired upstream): its id is forgotten, the
            // file uploaded again, and the request sent once more, so the turn still succeeds.
            log("anthropic_file_reuploaded", { session: run.sessionId, files: lost });
            files = await loadContextFiles(context, run.context, delivery);
            result = await runAgent(client, settings, tools, agentRun, context, files);
          } else {
            // The count was off and the API refused the prompt before anything streamed: compact
            // harder and try once more, instead of failing the turn with a context-length error.
            if (toAgentFailure(error).code !== "context_too_long") throw error;
            context = await compact(context, budget / 4);
            result = await runAgent(client, settings, tools, agentRun, context, files);
          }
        }
        if (result.contextExceeded) {
          // The answer filled the window mid-way: summarise the older turns and let Claude go on with
          // this one, once. Nothing older to summarise, or a second overflow, ends the turn coded.
          const smaller = await compact(context, budget / 4);
          if (smaller === context) return contextFull();
          const { turnMessages, steps } = result.contextExceeded;
          result = await runAgent(client, settings, tools, { ...agentRun, usageBefore: result.usage }, smaller, files, {
            messages: turnMessages,
            firstStep: steps,
          });
          if (result.contextExceeded) return contextFull();
        }
        if (result.refused) {
          return { kind: "failed", code: "model_refused", errorText: "Claude declined to continue with this request." };
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
      } finally {
        await mcp.release();
      }
    },
  };
}

function contextFull(): TurnEnd {
  return {
    kind: "failed",
    code: "context_too_long",
    errorText: "The answer filled the model's context window and could not be continued.",
  };
}

/** Forgets the ids a refused request named as unknown; answers how many there were. */
async function forgetLostFiles(error: unknown, files: ContextFiles, context: ContextStore): Promise<number> {
  if (!context.fileIds) return 0;
  const sent = new Map<string, string>();
  for (const [sha, file] of files) if ("fileId" in file) sent.set(file.fileId, sha);
  const lost = unknownFileIds(error, sent.keys());
  const ids = context.fileIds;
  await Promise.all(lost.map((fileId) => ids.forget(sent.get(fileId)!, fileId)));
  return lost.length;
}

function estimateContext(context: ModelContext, systemPrompt: string, tools: ReadonlyMap<string, Tool>): number {
  return (
    estimateTokens(systemPrompt) +
    estimateTokens(toolDefinitions(tools)) +
    estimateTokens(context.summary ?? "") +
    context.messages.reduce((sum, m) => sum + estimateTokens(m.message.parts), 0)
  );
}

/** A context with no file store (the bench's baseline): every attached file reads as gone. */
const NO_FILES: StoredFiles = { size: async () => undefined, stream: async () => undefined };
