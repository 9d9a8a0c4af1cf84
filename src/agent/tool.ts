import type { z } from "zod";

/** What a tool may do besides returning its result. */
export interface ToolContext {
  /** Aborted when the turn is stopped or fails; a tool that outlives it has its result discarded. */
  readonly signal: AbortSignal;
  readonly session: { readonly id: string };
  readonly toolCallId: string;
  /**
   * Reports progress to every follower as a `data-<name>` chunk. With an `id`, later reports replace
   * the earlier one in the message instead of piling up.
   */
  progress(name: string, data: unknown, id?: string): void;
}

export interface Tool<Input = unknown> {
  readonly name: string;
  readonly description: string;
  /** Validates the model's input before `execute`; its JSON Schema is what Claude sees. */
  readonly inputSchema: z.ZodType<Input>;
  /** The JSON Schema Claude sees, when it does not come from `inputSchema` (an MCP server's own schema). */
  readonly inputJsonSchema?: Record<string, unknown>;
  /** ms before the call ends with a timeout error */
  readonly timeoutMs: number;
  /**
   * Whether a person must approve each call before it runs (the default; TOOL_APPROVAL overrides it).
   * The turn then waits, durably, for the answer.
   */
  readonly needsApproval?: boolean;
  execute(input: Input, context: ToolContext): Promise<unknown>;
}

/** Keeps the input type of each tool while letting a registry hold tools of any input. */
export function defineTool<Input>(tool: Tool<Input>): Tool<unknown> {
  return tool as unknown as Tool<unknown>;
}
