import type { ToolResultBlockParam } from "@anthropic-ai/sdk/resources/messages/messages";
import type { UIMessageChunk } from "ai";
import type { ToolCall } from "./anthropic-step-mapper";
import type { Tool } from "./tool";

/** characters of a tool's serialised output kept for the model and the log; the rest is cut, visibly */
export const MAX_TOOL_OUTPUT_CHARS = 100_000;

interface ToolRunContext {
  sessionId: string;
  /** ms any call may run, whatever the tool allows itself */
  timeoutCapMs: number;
  signal: AbortSignal;
  emit(chunk: UIMessageChunk): void;
}

type Outcome = { ok: true; output: unknown } | { ok: false; errorText: string };

/**
 * Runs one step's tool calls concurrently. Each call's outcome is emitted the moment it settles
 * (`tool-output-available` or `tool-output-error`), independently of the others, and each call gets
 * exactly one: validation failures, throws and timeouts all become error outcomes, never exceptions.
 * Returns the tool results for Claude's next request, in call order.
 */
export async function runToolCalls(
  calls: readonly ToolCall[],
  tools: ReadonlyMap<string, Tool>,
  context: ToolRunContext,
): Promise<ToolResultBlockParam[]> {
  return Promise.all(
    calls.map(async (call): Promise<ToolResultBlockParam> => {
      if (call.inputError !== undefined) {
        // Already settled by `tool-input-error` while streaming: no second outcome.
        return { type: "tool_result", tool_use_id: call.id, content: call.inputError, is_error: true };
      }
      const outcome = await runOne(call, tools.get(call.name), context);
      if (outcome.ok) {
        context.emit({ type: "tool-output-available", toolCallId: call.id, output: outcome.output });
        return {
          type: "tool_result",
          tool_use_id: call.id,
          content: typeof outcome.output === "string" ? outcome.output : JSON.stringify(outcome.output),
        };
      }
      context.emit({ type: "tool-output-error", toolCallId: call.id, errorText: outcome.errorText });
      return { type: "tool_result", tool_use_id: call.id, content: outcome.errorText, is_error: true };
    }),
  );
}

async function runOne(call: ToolCall, tool: Tool | undefined, context: ToolRunContext): Promise<Outcome> {
  if (!tool) return { ok: false, errorText: `Unknown tool "${call.name}".` };
  const parsed = tool.inputSchema.safeParse(call.input);
  if (!parsed.success) {
    const issues = parsed.error.issues.map((i) => `${i.path.join(".") || "input"}: ${i.message}`).join("; ");
    return { ok: false, errorText: `Invalid input for ${tool.name}: ${issues}` };
  }
  const controller = new AbortController();
  const onAbort = () => controller.abort(context.signal.reason);
  context.signal.addEventListener("abort", onAbort, { once: true });
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeoutMs = Math.min(tool.timeoutMs, context.timeoutCapMs);
  const timeout = new Promise<Outcome>((resolve) => {
    timer = setTimeout(() => {
      controller.abort(new Error("timeout"));
      resolve({ ok: false, errorText: `${tool.name} timed out after ${timeoutMs / 1000} s.` });
    }, timeoutMs);
  });
  try {
    const execution = tool
      .execute(parsed.data, {
        signal: controller.signal,
        session: { id: context.sessionId },
        toolCallId: call.id,
        progress: (name, data, id) => context.emit({ type: `data-${name}`, data, ...(id === undefined ? {} : { id }) }),
      })
      .then(
        (output): Outcome => ({ ok: true, output: limitOutput(output) }),
        (error: unknown): Outcome => ({
          ok: false,
          errorText: `${tool.name} failed: ${error instanceof Error ? error.message : String(error)}`,
        }),
      );
    return await Promise.race([execution, timeout]);
  } finally {
    if (timer !== undefined) clearTimeout(timer);
    context.signal.removeEventListener("abort", onAbort);
  }
}

function limitOutput(output: unknown): unknown {
  const text = typeof output === "string" ? output : JSON.stringify(output ?? null);
  if (text.length <= MAX_TOOL_OUTPUT_CHARS) return output ?? null;
  return `${text.slice(0, MAX_TOOL_OUTPUT_CHARS)}\n[truncated: showing ${MAX_TOOL_OUTPUT_CHARS} of ${text.length} characters]`;
}
