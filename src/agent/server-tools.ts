import type { WebFetchTool20260318, WebSearchTool20260318 } from "@anthropic-ai/sdk/resources/messages/messages";
import type { Config } from "../config";

/** Names of Claude's own tools this service can turn on; Claude runs them, the stream only shows them. */
export const SERVER_TOOL_NAMES = ["web_search", "web_fetch"] as const;
export type ServerToolName = (typeof SERVER_TOOL_NAMES)[number];

export function isServerToolName(name: string): name is ServerToolName {
  return (SERVER_TOOL_NAMES as readonly string[]).includes(name);
}

/**
 * Claude's web search and web fetch, as configured (the SDK's current versions of each, 2026-03-18).
 * Web search is billed per search on top of tokens; web fetch only costs the fetched content's tokens.
 */
export function serverTools(config: Pick<Config, "webSearch" | "webFetch">): (WebSearchTool20260318 | WebFetchTool20260318)[] {
  const tools: (WebSearchTool20260318 | WebFetchTool20260318)[] = [];
  const domains = (tool: { allowedDomains?: string[] | undefined; blockedDomains?: string[] | undefined }) => ({
    ...(tool.allowedDomains ? { allowed_domains: tool.allowedDomains } : {}),
    ...(tool.blockedDomains ? { blocked_domains: tool.blockedDomains } : {}),
  });
  if (config.webSearch.enabled) {
    tools.push({ type: "web_search_20260318", name: "web_search", max_uses: config.webSearch.maxUses, ...domains(config.webSearch) });
  }
  if (config.webFetch.enabled) {
    tools.push({
      type: "web_fetch_20260318",
      name: "web_fetch",
      max_uses: config.webFetch.maxUses,
      ...domains(config.webFetch),
      ...(config.webFetch.maxContentTokens ? { max_content_tokens: config.webFetch.maxContentTokens } : {}),
      // Claude cites fetched pages the way it cites search results.
      citations: { enabled: true },
    });
  }
  return tools;
}

/** Prefix of the error text of a server tool's failed result; the code after it is the API's `error_code`. */
const ERROR_PREFIX = "Claude's tool failed: ";

/** The error text of a server tool result that is an error object, or undefined for a result. */
export function serverToolErrorText(content: unknown): string | undefined {
  if (typeof content !== "object" || content === null || Array.isArray(content)) return undefined;
  const { type, error_code } = content as { type?: unknown; error_code?: unknown };
  if (typeof type !== "string" || !type.endsWith("_error")) return undefined;
  return `${ERROR_PREFIX}${typeof error_code === "string" ? error_code : "unavailable"}`;
}

/** The API error code inside an error text made by serverToolErrorText (for sending the result back). */
export function serverToolErrorCode(errorText: string): string {
  return errorText.startsWith(ERROR_PREFIX) ? errorText.slice(ERROR_PREFIX.length) : "unavailable";
}
