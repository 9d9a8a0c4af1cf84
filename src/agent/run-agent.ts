import type Anthropic from "@anthropic-ai/sdk";
import type { CacheControlEphemeral, MessageParam, TextBlockParam, ToolUnion } from "@anthropic-ai/sdk/resources/messages/messages";
import { type FinishReason, generateId, type UIMessageChunk } from "ai";
import type { ClientTool } from "../protocol/client-tools";
import { addUsage, NO_USAGE, type TokenUsage } from "../protocol/token-usage";
import { AgentFailure, toAgentFailure } from "./agent-failure";
import { filesBetaOptions } from "./anthropic-files";
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
  /** `adaptive`: Claude decides when and how much to think; `budget`: at most that many tokens per step */
  thinking: { type: "off" } | { type: "adaptive" } | { type: "budget"; budgetTokens: number };
  effort?: "low" | "medium" | "high" | "xhigh" | "max" | undefined;
  /** lifetime of the prompt-cache breakpoints */
  cacheTtl: "5m" | "1h";
  /** Tool input streams as Claude writes it (`eager_input_streaming`), not in one piece at the end. */
  fineGrainedToolStreaming: boolean;
  /** Claude's own tools (web search, web fetch) as configured */
  serverTools: readonly ToolUnion[];
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
  /** Usage an earlier run of this turn already put in the message's metadata. */
  usageBefore?: TokenUsage;
}

export interface AgentResult {
  finishReason: FinishReason;
  usage: TokenUsage;
  /** The last step's calls wait for a person's approval or a browser tool's output. */
  waiting: boolean;
  /** Claude declined to go on (stop reason `refusal`). */
  refused?: boolean;
  /**
   * The answer filled the model's context window (stop reason `model_context_window_exceeded`): what
   * this run added to the prompt, and the steps it used, so the caller can compact and continue.
   */
  contextExceeded?: { turnMessages: MessageParam[]; steps: number };
}

/** Where a run picks up a turn that an earlier run of the same turn began. */
export interface AgentResume {
  /** Messages the earlier run added after the prompt (its steps and tool results). */
  messages: readonly MessageParam[];
  /** Steps already used: numbering continues (part ids stay unique) and the step limit counts them. */
  firstStep: number;
}

/** Sent (never stored) after an answer cut off by the full context window, once older turns are summarised. */
const CONTEXT_CONTINUE_NOTE =
  "[Your answer was cut off because the conversation filled the context window. Older turns have been summarised. Continue your answer from where it stopped, without repeating it.]";

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
  resume?: AgentResume,
): Promise<AgentResult> {
  const { system, messages, tools: toolParams } = buildPrompt(settings, tools, run, context, files);
  const promptLength = messages.length;
  if (resume) {
    messages.push(...resume.messages);
    if (messages.at(-1)?.role === "assistant") messages.push({ role: "user", content: [{ type: "text", text: CONTEXT_CONTINUE_NOTE }] });
  }
  const clientToolNames = new Set(run.clientTools.map((tool) => tool.name));
  const citedUrls = new Set<string>();
  let usage: TokenUsage = NO_USAGE;
  // The usage of earlier runs of this turn is in the message already; the metadata adds this run's to it.
  const usageBefore = run.usageBefore ?? NO_USAGE;

  for (let step = resume?.firstStep ?? 0; step < settings.maxSteps; step++) {
    const mapper = await streamStep(client, settings, { system, messages, tools: toolParams }, run, step, citedUrls);
    usage = addUsage(usage, mapper.usage);
    run.emit({ type: "finish-step" });
    run.emit({ type: "message-metadata", messageMetadata: { model: settings.model, usage: addUsage(usageBefore, usage) } });

    if (mapper.stopReason === "pause_turn") {
      // A server tool's long turn paused: sending the content back as it is lets Claude carry on.
      messages.push({ role: "assistant", content: mapper.assistantContent() });
      continue;
    }
    if (mapper.stopReason === "refusal") return { finishReason: "content-filter", usage, waiting: false, refused: true };
    if (mapper.stopReason === "model_context_window_exceeded") {
      messages.push({ role: "assistant", content: mapper.assistantContent() });
      return {
        finishReason: "length",
        usage,
        waiting: false,
        contextExceeded: { turnMessages: messages.slice(promptLength), steps: step + 1 },
      };
    }
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

/**
 * The request's fixed parts: the system prompt, the history as Claude's messages (with this turn's
 * prompt-cache breakpoints) and the tools (server, MCP, browser, then Claude's own).
 */
export function buildPrompt(
  settings: AgentSettings,
  tools: ReadonlyMap<string, Tool>,
  run: Pick<AgentRun, "clientTools">,
  context: ModelContext,
  files: ContextFiles,
): { system: TextBlockParam[]; messages: MessageParam[]; tools: ToolUnion[] } {
  const messages: MessageParam[] = toAnthropicMessages(
    context.messages.map((m) => m.message),
    context.summary,
    files,
  );
  if (context.continuing && messages.at(-1)?.role === "assistant") {
    // A trailing assistant message would be taken as a prefill; say plainly what happened instead.
    messages.push({ role: "user", content: [{ type: "text", text: CONTINUE_NOTE }] });
  }
  const cacheControl = cacheControlOf(settings.cacheTtl);
  markCacheBreakpoint(messages, cacheControl);
  const system: TextBlockParam[] = [{ type: "text", text: settings.systemPrompt, cache_control: cacheControl }];
  const toolParams: ToolUnion[] = [
    ...toolDefinitions(tools, run.clientTools, { cacheControl, eagerInputStreaming: settings.fineGrainedToolStreaming }),
    ...settings.serverTools,
  ];
  return { system, messages, tools: toolParams };
}

/** A 5-minute breakpoint is the API's default and is sent without a ttl, as before TTLs existed. */
function cacheControlOf(ttl: "5m" | "1h"): CacheControlEphemeral {
  return ttl === "1h" ? { type: "ephemeral", ttl: "1h" } : { type: "ephemeral" };
}

async function streamStep(
  client: Anthropic,
  settings: AgentSettings,
  request: { system: TextBlockParam[]; messages: MessageParam[]; tools: ToolUnion[] },
  run: AgentRun,
  step: number,
  citedUrls: Set<string>,
): Promise<AnthropicStepMapper> {
  const mapper = new AnthropicStepMapper(`${step}-`, citedUrls);
  // One controller per model call: aborted by the turn's signal or by the stall watchdog.
  const controller = new AbortController();
  const onAbort = () => controller.abort(run.signal.reason);
  run.signal.addEventListener("abort", onAbort, { once: true });
  let stalled = false;
  let watchdog: ReturnType<typeof setTimeout> | undefined;
  let lastEventAt = Date.now();
  // One timer per stall interval, not one per event: an event only notes its time, and a timer that
  // fires before the stream has been quiet long enough waits out the rest. Re-arming a timer on every
  // event was 6-8% of the isolate's samples with 50 sessions streaming at full speed.
  const armWatchdog = (ms: number) => {
    watchdog = setTimeout(() => {
      const quiet = Date.now() - lastEventAt;
      if (quiet < settings.stallTimeoutMs) return armWatchdog(settings.stallTimeoutMs - quiet);
      stalled = true;
      controller.abort(new Error("stalled"));
    }, ms);
  };
  const feedWatchdog = () => {
    lastEventAt = Date.now();
  };
  try {
    armWatchdog(settings.stallTimeoutMs);
    const thinking = settings.thinking;
    const stream = await client.messages.create(
      {
        model: settings.model,
        // A thinking budget comes on top of the answer's own tokens; adaptive thinking shares max_tokens.
        max_tokens: thinking.type === "budget" ? settings.maxOutputTokens + thinking.budgetTokens : settings.maxOutputTokens,
        system: request.system,
        messages: request.messages,
        ...(request.tools.length > 0 ? { tools: request.tools } : {}),
        ...(thinking.type === "budget" ? { thinking: { type: "enabled", budget_tokens: thinking.budgetTokens } } : {}),
        ...(thinking.type === "adaptive" ? { thinking: { type: "adaptive" } } : {}),
        ...(settings.effort ? { output_config: { effort: settings.effort } } : {}),
        stream: true,
      },
      // Images and PDFs named by Files API id need its beta; a request without them is sent as before.
      { signal: controller.signal, ...filesBetaOptions(request.messages) },
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
function markCacheBreakpoint(messages: MessageParam[], cacheControl: CacheControlEphemeral): void {
  const mark = (message: MessageParam | undefined) => {
    if (!message || !Array.isArray(message.content)) return;
    const last = message.content.at(-1);
    if (last && last.type !== "thinking" && last.type !== "redacted_thinking") {
      (last as { cache_control?: CacheControlEphemeral }).cache_control = cacheControl;
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
