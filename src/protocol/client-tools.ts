import { z } from "zod";
import { describeIssues } from "./client-message";
import { fail, type Result } from "./error-code";

/** tools one request may declare to run in the browser */
export const MAX_CLIENT_TOOLS = 16;
/** bytes of all client tool declarations of a request as JSON: they are stored with the turn and sent to Claude every step */
export const MAX_CLIENT_TOOLS_BYTES = 32 * 1024;
/** bytes of one client tool's output as JSON: it goes into the message row and into every later prompt */
export const MAX_CLIENT_OUTPUT_BYTES = 64 * 1024;

/** Claude's rule for tool names: the name is also the `tool-<name>` part type the client renders. */
const toolNameSchema = z.string().regex(/^[a-zA-Z0-9_-]{1,64}$/, "Tool names are 1-64 characters of A-Z, a-z, 0-9, '_' and '-'.");

/** A tool that runs in the browser, as a request declares it (`body.clientTools`). */
export const clientToolSchema = z.object({
  name: toolNameSchema,
  description: z.string().max(1024).default(""),
  /** JSON Schema of the input, as Claude's `input_schema` takes it: an object schema. */
  inputSchema: z.looseObject({ type: z.literal("object", { error: "inputSchema must be a JSON Schema with type 'object'." }) }),
});
export type ClientTool = z.infer<typeof clientToolSchema>;

export const clientToolsSchema = z.array(clientToolSchema).max(MAX_CLIENT_TOOLS, `At most ${MAX_CLIENT_TOOLS} client tools.`);

/**
 * Reads a request's client tool declarations: shape, count, total size and unique names. Whether a
 * name shadows a server tool is the session's rule (it knows which tools are enabled).
 */
export function readClientTools(value: unknown): Result<{ tools: ClientTool[] }> {
  if (value === undefined || value === null) return { ok: true, tools: [] };
  const parsed = clientToolsSchema.safeParse(value);
  if (!parsed.success) return fail("invalid_request", `clientTools: ${describeIssues(parsed.error)}`);
  if (new TextEncoder().encode(JSON.stringify(parsed.data)).byteLength > MAX_CLIENT_TOOLS_BYTES) {
    return fail("body_too_large", `clientTools may have at most ${MAX_CLIENT_TOOLS_BYTES} bytes as JSON.`);
  }
  const names = new Set<string>();
  for (const tool of parsed.data) {
    if (names.has(tool.name)) return fail("invalid_request", `clientTools: "${tool.name}" is declared twice.`);
    names.add(tool.name);
  }
  return { ok: true, tools: parsed.data };
}
