import type Anthropic from "@anthropic-ai/sdk";
import type { MessageParam, TextBlockParam, ToolUnion } from "@anthropic-ai/sdk/resources/messages/messages";
import { type FinishReason, generateId, type UIMessageChunk } from "ai";
import type { ClientTool } from "../protocol/client-tools";
import { addUsage, NO_USAGE, type TokenUsage } from "../protocol/token-usage";
import { AgentFailure, toAgentFailure } from "./agent-failure";
import { AnthropicStepMapper } from "./anthropic-step-mapper";
import type { ContextFiles, ModelContext } from "./model-context";
import { runToolCalls } from "./run-tool-calls";
import { toAnthropicMessages } from "./to-anthropic-messages";
import type { Tool } from "./tool";
import { toolDefinitions } from "./tool-definitions";

/** Sent (never stored) when a turn cut off by a restart is continued in the same assistant message. */
const CONTINUE_NOTE =
  "[Your previous answer was interrupted by a server restart. Continue it from where it stopped, without repeating what you already said.]";

export interface AgentSettings {
  model: string;
  systemPrompt: string;
  maxOutputTokens: number;
  /** model calls per turn before the loop stops with finishReason `tool-calls` */
  maxSteps: number;
  /** tokens of extended thinking per step; 0 turns thinking off */
  thinkingBudget: number;
  /** ms without any event from the model stream before it is aborted as stalled */
  stallTimeoutMs: number;
  /** ms any one tool call may run, whatever the tool allows itself */
  toolTimeoutCapMs: number;
  /** Server tools whose calls wait for a person's approval before they run. */
  needsApproval: ReadonlySet<string>;
}

export interface AgentRun {
  sessionId: string;
  /** Aborted when the turn ends for any reason. */
  signal: AbortSignal;
  emit(chunk: UIMessageChunk): void;
  /** Tools the client declared to run in the browser: offered to Claude; a call to one makes the turn wait. */
  clientTools: readonly ClientTool[];
}

export interface AgentResult {
  finishReason: FinishReason;
  usage: TokenUsage;
  /** The last step's calls wait for a person's approval or a browser tool's output. */
  waiting: boolean;
}

/**
 * The agent loop: stream a step from Claude, mapping events to chunks as they arrive; run the step's
 * tool calls concurrently; feed the results back; repeat until Claude ends its turn or the step
 * limit is hit. Bounded (max steps), abortable (one signal for the model call and every tool), and
 * tool failures are data for the model, never exceptions out of the loop. Anything else that goes
 * wrong is thrown as an AgentFailure; the turn closes itself around it.
 */
export async function runAgent(
  client: Anthropic,
  settings: AgentSettings,
  tools: ReadonlyMap<string, Tool>,
  run: AgentRun,
  context: ModelContext,
  files: ContextFiles = new Map(),
): Promise<AgentResult> {
  const messages: MessageParam[] = toAnthropicMessages(
    context.messages.map((m) => m.message),
    context.summary,
    files,
  );
  if (context.continuing && messages.at(-1)?.role === "assistant") {
    // A trailing assistant message would be taken as a prefill; say plainly what happened instead.
    messages.push({ role: "user", content: [{ type: "text", text: CONTINUE_NOTE }] });
  }
  markCacheBreakpoint(messages);
  const system: TextBlockParam[] = [{ type: "text", text: settings.systemPrompt, cache_control: { type: "ephemeral" } }];
  const toolParams: ToolUnion[] = toolDefinitions(tools, run.clientTools);
  const clientToolNames = new Set(run.clientTools.map((tool) => tool.name));
  let usage: TokenUsage = NO_USAGE;

  for (let step = 0; step < settings.maxSteps; step++) {
    const mapper = await streamStep(client, settings, { system, messages, tools: toolParams }, run, step);
    usage = addUsage(usage, mapper.usage);
    run.emit({ type: "finish-step" });
    run.emit({ type: "message-metadata", messageMetadata: { model: settings.model, usage: { ...usage } } });

    const calls = mapper.toolCalls;
    if (mapper.stopReason !== "tool_use" || calls.length === 0) {
      return { finishReason: finishReasonOf(mapper.stopReason), usage, waiting: false };
    }
    messages.push({ role: "assistant", content: mapper.assistantContent() });
    // Calls that wait: those of browser tools, and those a person must approve first. The step's other
    // calls run now; the turn then ends waiting, durably, until every waiting call is answered.
    const waiting = calls.filter((c) => c.inputError === undefined && (clientToolNames.has(c.name) || settings.needsApproval.has(c.name)));
    for (const call of waiting) {
      if (!clientToolNames.has(call.name))
        run.emit({ type: "tool-approval-request", approvalId: `apr_${generateId()}`, toolCallId: call.id });
    }
    const results = await runToolCalls(
      calls.filter((call) => !waiting.includes(call)),
      tools,
      { sessionId: run.sessionId, signal: run.signal, emit: run.emit, timeoutCapMs: settings.toolTimeoutCapMs },
    );
    if (run.signal.aborted) throw run.signal.reason;
    if (waiting.length > 0) return { finishReason: "tool-calls", usage, waiting: true };
    messages.push({ role: "user", content: results });
  }
  return { finishReason: "tool-calls", usage, waiting: false };
}

async function streamStep(
  client: Anthropic,
  settings: AgentSettings,
  request: { system: TextBlockParam[]; messages: MessageParam[]; tools: ToolUnion[] },
  run: AgentRun,
  step: number,
): Promise<AnthropicStepMapper> {
  const mapper = new AnthropicStepMapper(`${step}-`);
  // One controller per model call: aborted by the turn's signal or by the stall watchdog.
  const controller = new AbortController();
  const onAbort = () => controller.abort(run.signal.reason);
  run.signal.addEventListener("abort", onAbort, { once: true });
  let stalled = false;
  let watchdog: ReturnType<typeof setTimeout> | undefined;
  const feedWatchdog = () => {
    if (watchdog !== undefined) clearTimeout(watchdog);
    watchdog = setTimeout(() => {
      stalled = true;
      controller.abort(new Error("stalled"));
    }, settings.stallTimeoutMs);
  };
  try {
    feedWatchdog();
    const thinking = settings.thinkingBudget > 0;
    const stream = await client.messages.create(
      {
        model: settings.model,
        max_tokens: thinking ? settings.maxOutputTokens + settings.thinkingBudget : settings.maxOutputTokens,
        system: request.system,
        messages: request.messages,
        ...(request.tools.length > 0 ? { tools: request.tools } : {}),
        ...(thinking ? { thinking: { type: "enabled", budget_tokens: settings.thinkingBudget } } : {}),
        stream: true,
      },
      { signal: controller.signal },
    );
    // Only now: a request the API refused (or a retry that never got through) leaves no empty step.
    run.emit({ type: "start-step" });
    for await (const event of stream) {
      feedWatchdog();
      for (const chunk of mapper.map(event)) run.emit(chunk);
    }
    if (!mapper.completed) {
      throw new AgentFailure("upstream_error", "The model's response ended unexpectedly.", "stream ended before message_stop");
    }
    return mapper;
  } catch (error) {
    if (run.signal.aborted) throw run.signal.reason;
    if (stalled) {
      throw new AgentFailure("upstream_stalled", "The model stopped responding.", `no stream event for ${settings.stallTimeoutMs} ms`);
    }
    throw toAgentFailure(error);
  } finally {
    if (watchdog !== undefined) clearTimeout(watchdog);
    run.signal.removeEventListener("abort", onAbort);
  }
}

/**
 * Marks the end of the earlier turns, so the next request reads that prefix from Claude's cache; and
 * the end of this turn's prompt when it attaches a file, so the turn's later steps read the file from
 * the cache too instead of paying for it again (with the system prompt and tools: four breakpoints,
 * the API's maximum).
 */
function markCacheBreakpoint(messages: MessageParam[]): void {
  const mark = (message: MessageParam | undefined) => {
    if (!message || !Array.isArray(message.content)) return;
    const last = message.content.at(-1);
    if (last && last.type !== "thinking" && last.type !== "redacted_thinking") {
      (last as { cache_control?: { type: "ephemeral" } }).cache_control = { type: "ephemeral" };
    }
  };
  mark(messages.at(-2));
  const prompt = messages.at(-1);
  if (prompt?.role === "user" && Array.isArray(prompt.content) && prompt.content.some((b) => b.type === "image" || b.type === "document")) {
    mark(prompt);
  }
}

function finishReasonOf(stopReason: string | null): FinishReason {
  switch (stopReason) {
    case "end_turn":
    case "stop_sequence":
      return "stop";
    case "max_tokens":
      return "length";
    case "refusal":
      return "content-filter";
    case "tool_use":
      return "tool-calls";
    default:
      return "other";
  }
}
