import type { CallToolResult } from "@modelcontextprotocol/sdk/types.js";

/** A content block of an MCP result that the tool output cannot carry as text, described instead. */
export interface OmittedContent {
  type: "image" | "audio" | "resource";
  mediaType?: string;
  /** bytes of the decoded content, when it came inline */
  bytes?: number;
  uri?: string;
  note: string;
}

export interface McpToolOutput {
  /** The result's text blocks, joined: what Claude reads first. */
  text: string;
  structuredContent?: Record<string, unknown>;
  /** Images, audio and binary resources are not stored yet: each leaves a placeholder saying what it was. */
  omitted?: OmittedContent[];
}

export type McpOutcome = { ok: true; output: McpToolOutput } | { ok: false; errorText: string };

/**
 * Maps an MCP `tools/call` result to our tool outcome: `isError` is the tool's own failure (an
 * `output-error` with its text); otherwise text and structured content are the output, and each
 * image, audio clip or binary resource becomes a clear placeholder (not yet wired to the file store).
 */
export function toMcpOutcome(result: CallToolResult): McpOutcome {
  const texts: string[] = [];
  const omitted: OmittedContent[] = [];
  for (const block of result.content ?? []) {
    switch (block.type) {
      case "text":
        texts.push(block.text);
        break;
      case "image":
      case "audio":
        omitted.push({
          type: block.type,
          mediaType: block.mimeType,
          bytes: base64Bytes(block.data),
          note: `[${block.type} omitted: ${block.mimeType}, ${base64Bytes(block.data)} bytes; this service does not show MCP ${block.type}s yet]`,
        });
        break;
      case "resource":
        if ("text" in block.resource && typeof block.resource.text === "string") texts.push(block.resource.text);
        else
          omitted.push({
            type: "resource",
            uri: block.resource.uri,
            ...(block.resource.mimeType ? { mediaType: block.resource.mimeType } : {}),
            note: `[binary resource omitted: ${block.resource.uri}]`,
          });
        break;
      case "resource_link":
        texts.push(`[resource: ${block.uri}${block.name ? ` (${block.name})` : ""}]`);
        break;
    }
  }
  const text = texts.join("\n");
  if (result.isError === true) return { ok: false, errorText: text.trim() === "" ? "The MCP tool reported an error." : text };
  return {
    ok: true,
    output: {
      text,
      ...(result.structuredContent ? { structuredContent: result.structuredContent } : {}),
      ...(omitted.length > 0 ? { omitted } : {}),
    },
  };
}

function base64Bytes(data: string): number {
  const padding = data.endsWith("==") ? 2 : data.endsWith("=") ? 1 : 0;
  return Math.max(0, Math.floor((data.length * 3) / 4) - padding);
}
