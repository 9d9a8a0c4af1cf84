import { z } from "zod";

/** One remote MCP server a deployment connects to (MCP_SERVERS), its secrets already resolved. */
export interface McpServerConfig {
  /** Prefix of its tools' names as Claude sees them: `<name>__<tool>`. */
  name: string;
  /** The Streamable HTTP endpoint. */
  url: string;
  headers: Record<string, string>;
  /** Secrets its headers name that the deployment lacks: the server is then left out, and said so. */
  missingSecrets: string[];
}

/**
 * A server's name: it prefixes tool names, which Claude limits to `[a-zA-Z0-9_-]{1,128}`, and `__`
 * separates it from the tool's own name, so the name may not contain `__` itself.
 */
const SERVER_NAME = /^[a-zA-Z0-9-]+(?:_[a-zA-Z0-9-]+)*$/;
/** characters of a server name: the tool's own name needs room in Claude's 128 */
const MAX_SERVER_NAME_CHARS = 32;
/** servers one deployment lists; each is listed at the start of a turn */
const MAX_SERVERS = 16;
/** `${NAME}` in a header value: the value of the Worker's secret (or var) NAME. */
const SECRET_REFERENCE = /\$\{([A-Za-z_][A-Za-z0-9_]*)\}/g;

const serverSchema = z.object({
  name: z.string().max(MAX_SERVER_NAME_CHARS).regex(SERVER_NAME, "letters, digits, '-' and single '_'"),
  url: z.url({ protocol: /^https?$/ }),
  headers: z.record(z.string(), z.string()).optional().default({}),
});

export const mcpServersSchema = z
  .array(serverSchema)
  .max(MAX_SERVERS)
  .refine((servers) => new Set(servers.map((s) => s.name)).size === servers.length, "server names must be unique");

/**
 * Reads MCP_SERVERS: a JSON array of `{ name, url, headers? }`. Header values may name secrets as
 * `${SECRET}` (e.g. `"Authorization": "Bearer ${GITHUB_MCP_TOKEN}"`), so the token itself never sits in a
 * var or in the repo. Malformed JSON or a bad entry throws: a deploy bug, caught at the first request.
 */
export function readMcpServers(raw: string | undefined, secret: (name: string) => string | undefined): McpServerConfig[] {
  if (raw === undefined || raw.trim() === "") return [];
  let json: unknown;
  try {
    json = JSON.parse(raw);
  } catch {
    throw new Error("MCP_SERVERS is not valid JSON");
  }
  return mcpServersSchema.parse(json).map((server) => {
    const missingSecrets: string[] = [];
    const headers: Record<string, string> = {};
    for (const [header, value] of Object.entries(server.headers)) {
      headers[header] = value.replace(SECRET_REFERENCE, (_all, name: string) => {
        const found = secret(name);
        if (found === undefined) missingSecrets.push(name);
        return found ?? "";
      });
    }
    return { name: server.name, url: server.url, headers, missingSecrets };
  });
}
