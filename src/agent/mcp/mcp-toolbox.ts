import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StreamableHTTPClientTransport } from "@modelcontextprotocol/sdk/client/streamableHttp.js";
import type { Tool as McpToolInfo } from "@modelcontextprotocol/sdk/types.js";
import { CfWorkerJsonSchemaValidator } from "@modelcontextprotocol/sdk/validation/cfworker";
import { z } from "zod";
import { defineTool, type Tool } from "../tool";
import { toMcpOutcome } from "./mcp-call-result";
import type { McpServerConfig } from "./mcp-server-config";

/** ms a server's tool list is reused before it is listed again (a server may add or change tools) */
export const MCP_LIST_TTL_MS = 5 * 60_000;
/** ms connecting and listing one server may take at the start of a turn; past it the server is left out */
const MCP_LIST_TIMEOUT_MS = 10_000;
/** ms one MCP tool call may run (TOOL_TIMEOUT_MS caps it further) */
const MCP_CALL_TIMEOUT_MS = 5 * 60_000;
/** tools one server may offer; the rest are left out (each is part of every prompt) */
const MAX_TOOLS_PER_SERVER = 64;
/** pages of tools/list read at most, against a server that never stops paginating */
const MAX_LIST_PAGES = 8;
/** Claude's rule for tool names */
const TOOL_NAME = /^[a-zA-Z0-9_-]{1,128}$/;

export interface McpServerStatus {
  name: string;
  status: "available" | "unavailable";
  /** Names as Claude sees them (`<server>__<tool>`); empty when unavailable. */
  tools: string[];
  /** Why it is unavailable (no secrets, no provider text beyond the error's message). */
  error?: string;
}

export interface McpToolset {
  tools: Tool[];
  servers: McpServerStatus[];
}

type Log = (event: string, detail: Record<string, unknown>) => void;

/**
 * The deployment's MCP servers, as tools. Lists each server's tools (cached for MCP_LIST_TTL_MS) and
 * turns each into a Tool named `<server>__<tool>` that calls the server with the official SDK client
 * over Streamable HTTP. A server that cannot be listed is left out of that listing (logged, and said
 * in the statuses); a call to a server that fails is that call's error, never the turn's.
 *
 * Connections live for one turn at most (`release`): after 2026-10-01 pending I/O keeps a Durable
 * Object alive, and a client may hold a server-sent-events GET open, which would keep the session
 * object running with nobody there.
 */
export class McpToolbox {
  private readonly listings = new Map<string, { tools: Tool[]; listedAt: number }>();
  private readonly clients = new Map<string, Promise<Client>>();

  constructor(
    private readonly servers: readonly McpServerConfig[],
    private readonly log: Log,
    private readonly now: () => number = Date.now,
  ) {}

  /** The configured server names: a browser tool may not take a name under their prefixes. */
  get serverNames(): readonly string[] {
    return this.servers.map((server) => server.name);
  }

  /** Every reachable server's tools, listed in parallel; never rejects. */
  async list(signal?: AbortSignal): Promise<McpToolset> {
    const results = await Promise.all(this.servers.map((server) => this.listServer(server, signal)));
    return {
      tools: results.flatMap((result) => result.tools),
      servers: results.map((result) => result.status),
    };
  }

  /** Closes the connections this turn opened (their listings stay cached). */
  async release(): Promise<void> {
    const clients = [...this.clients.values()];
    this.clients.clear();
    await Promise.all(clients.map((client) => client.then((c) => c.close()).catch(() => undefined))); // a failed connect has nothing to close
  }

  private async listServer(server: McpServerConfig, signal?: AbortSignal): Promise<{ tools: Tool[]; status: McpServerStatus }> {
    const unavailable = (error: string) => ({ tools: [], status: { name: server.name, status: "unavailable" as const, tools: [], error } });
    if (server.missingSecrets.length > 0) return unavailable(`missing secret ${server.missingSecrets.join(", ")}`);
    const cached = this.listings.get(server.name);
    if (cached && this.now() - cached.listedAt < MCP_LIST_TTL_MS) return this.available(server, cached.tools);
    try {
      const client = await this.client(server);
      const infos: McpToolInfo[] = [];
      let cursor: string | undefined;
      for (let page = 0; page < MAX_LIST_PAGES; page++) {
        const result = await client.listTools(cursor === undefined ? {} : { cursor }, {
          timeout: MCP_LIST_TIMEOUT_MS,
          ...(signal ? { signal } : {}),
        });
        infos.push(...result.tools);
        cursor = result.nextCursor;
        if (cursor === undefined || infos.length >= MAX_TOOLS_PER_SERVER) break;
      }
      const tools = infos.slice(0, MAX_TOOLS_PER_SERVER).flatMap((info) => this.toTool(server, info));
      this.listings.set(server.name, { tools, listedAt: this.now() });
      return this.available(server, tools);
    } catch (error) {
      this.forget(server.name);
      const message = errorMessage(error);
      this.log("mcp_server_unavailable", { server: server.name, detail: message });
      return unavailable(`could not list tools: ${message}`);
    }
  }

  private available(server: McpServerConfig, tools: Tool[]) {
    return { tools, status: { name: server.name, status: "available" as const, tools: tools.map((t) => t.name) } };
  }

  private toTool(server: McpServerConfig, info: McpToolInfo): Tool[] {
    const name = `${server.name}__${info.name}`;
    if (!TOOL_NAME.test(name)) {
      this.log("mcp_tool_skipped", { server: server.name, tool: info.name, reason: "name Claude does not accept" });
      return [];
    }
    const { $schema: _ignored, ...schema } = info.inputSchema as Record<string, unknown>;
    return [
      defineTool<Record<string, unknown>>({
        name,
        description: info.description ?? info.title ?? `${info.name} (MCP server ${server.name})`,
        // The server validates against its own schema and answers a bad input with an error result.
        inputSchema: z.record(z.string(), z.unknown()),
        inputJsonSchema: schema,
        timeoutMs: MCP_CALL_TIMEOUT_MS,
        execute: async (input, context) => {
          let result: Awaited<ReturnType<Client["callTool"]>>;
          try {
            const client = await this.client(server);
            result = await client.callTool({ name: info.name, arguments: input }, undefined, {
              signal: context.signal,
              timeout: MCP_CALL_TIMEOUT_MS,
              onprogress: (progress) =>
                context.progress(
                  "progress",
                  {
                    toolCallId: context.toolCallId,
                    step: progress.progress,
                    ...(progress.total === undefined ? {} : { steps: progress.total }),
                    label: progress.message ?? info.name,
                  },
                  context.toolCallId,
                ),
            });
          } catch (error) {
            if (context.signal.aborted) throw error;
            // The next call reconnects; the listing stays until it is stale.
            this.forget(server.name, { keepListing: true });
            this.log("mcp_call_failed", { server: server.name, tool: info.name, detail: errorMessage(error) });
            throw new Error(`MCP server "${server.name}" did not answer the call.`);
          }
          const outcome = toMcpOutcome(result as Parameters<typeof toMcpOutcome>[0]);
          if (!outcome.ok) throw new Error(outcome.errorText);
          return outcome.output;
        },
      }),
    ];
  }

  private client(server: McpServerConfig): Promise<Client> {
    let client = this.clients.get(server.name);
    if (!client) {
      client = connect(server);
      this.clients.set(server.name, client);
      client.catch(() => this.clients.delete(server.name)); // the caller sees the failure; the next one retries
    }
    return client;
  }

  private forget(name: string, options: { keepListing?: boolean } = {}): void {
    const client = this.clients.get(name);
    this.clients.delete(name);
    client?.then((c) => c.close()).catch(() => undefined); // closing a broken connection may fail too
    if (!options.keepListing) this.listings.delete(name);
  }
}

async function connect(server: McpServerConfig): Promise<Client> {
  // ajv (the SDK's default validator) compiles schemas with `new Function`, which Workers forbid.
  const client = new Client({ name: "edgechat", version: "1.0.0" }, { jsonSchemaValidator: new CfWorkerJsonSchemaValidator() });
  const transport = new StreamableHTTPClientTransport(new URL(server.url), { requestInit: { headers: server.headers } });
  await client.connect(transport, { timeout: MCP_LIST_TIMEOUT_MS });
  return client;
}

function errorMessage(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
