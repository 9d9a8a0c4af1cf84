import type { CacheControlEphemeral, ToolUnion } from "@anthropic-ai/sdk/resources/messages/messages";
import { z } from "zod";
import type { ClientTool } from "../protocol/client-tools";
import type { Tool } from "./tool";

/**
 * The tools as Claude sees them: JSON Schema generated from each server tool's zod input schema, then
 * the browser tools the client declared, with the JSON Schema it sent.
 */
export function toolDefinitions(
  tools: ReadonlyMap<string, Tool>,
  clientTools: readonly ClientTool[] = [],
  options: { cacheControl?: CacheControlEphemeral; eagerInputStreaming?: boolean } = {},
): ToolUnion[] {
  // Fine-grained streaming: the input streams as Claude writes it instead of arriving whole at the end.
  const eager = options.eagerInputStreaming ? { eager_input_streaming: true } : {};
  const server = [...tools.values()].map((tool) => {
    const { $schema: _ignored, ...schema } =
      tool.inputJsonSchema ?? (z.toJSONSchema(tool.inputSchema, { io: "input" }) as Record<string, unknown>);
    return {
      name: tool.name,
      description: tool.description,
      input_schema: { ...schema, type: "object" as const },
      ...eager,
    };
  });
  const client = clientTools.map((tool) => ({
    name: tool.name,
    description: tool.description,
    input_schema: { ...tool.inputSchema, type: "object" as const },
    ...eager,
  }));
  const list: ToolUnion[] = [...server, ...client];
  const last = list.at(-1);
  // The tool list is stable across turns: caching it with the system prompt saves its tokens each turn.
  if (last) (last as { cache_control?: CacheControlEphemeral }).cache_control = options.cacheControl ?? { type: "ephemeral" };
  return list;
}
