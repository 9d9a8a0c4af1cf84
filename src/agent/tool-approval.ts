/**
 * Whether a tool's calls wait for a person's approval. TOOL_APPROVAL lists names or patterns with `*`
 * (`github__*` for every tool of the MCP server `github`, `*__delete_*`); unset, each tool's own
 * default applies (MCP tools have none: they run unless listed).
 */
export function needsApproval(name: string, patterns: readonly string[] | undefined, toolDefault: boolean): boolean {
  if (patterns === undefined) return toolDefault;
  return patterns.some((pattern) => matches(pattern, name));
}

function matches(pattern: string, name: string): boolean {
  if (!pattern.includes("*")) return pattern === name;
  const source = pattern
    .split("*")
    .map((piece) => piece.replace(/[.*+?^${}()|[\]\\]/g, "\\$&"))
    .join(".*");
  return new RegExp(`^${source}$`).test(name);
}
