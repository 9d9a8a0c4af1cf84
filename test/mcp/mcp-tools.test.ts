import { describe, expect, it } from "vitest";
import { call, newSessionId, send } from "../support/api";
import { captureLogs } from "../support/capture-logs";
import { readSse } from "../support/sse";
import { expectConsistentTurn, textOf, toolParts } from "../support/turn-checks";

/**
 * MCP servers from configuration (vitest.config.ts, project workerd-mcp): `demo` and `gated` are the
 * repo's demo MCP server (demo-mcp/), reached with a token from a secret; `down` answers 503 to
 * everything; `flaky` lists its tools but fails every call. TOOL_APPROVAL is `gated__*`.
 */
async function turn(text: string, id = newSessionId()) {
  const res = await send(id, text);
  expect(res.status).toBe(200);
  const read = await readSse(res.body!);
  return { id, chunks: read.chunks };
}

describe("MCP tools", () => {
  it("an MCP tool and a built-in tool run in parallel: each gets one outcome, the MCP result's text and structured content reach Claude", async () => {
    const logs = captureLogs(["mcp_server_unavailable"]);
    const { id, chunks } = await turn('fake:tools-parallel tools=demo__add,calculator args1={"a":2,"b":40} args2={"expression":"6*7"}');
    const outputs = chunks.filter((c) => c.type === "tool-output-available") as { toolCallId: string; output: unknown }[];
    expect(outputs).toHaveLength(2);
    const inputs = chunks.filter((c) => c.type === "tool-input-available") as { toolCallId: string; toolName: string }[];
    const mcpCall = inputs.find((c) => c.toolName === "demo__add")!;
    expect(outputs.find((o) => o.toolCallId === mcpCall.toolCallId)?.output).toEqual({
      text: "2 + 40 = 42",
      structuredContent: { sum: 42 },
    });
    const message = await expectConsistentTurn(id, chunks);
    expect(textOf(message)).toContain('Tool demo__add returned: {"text":"2 + 40 = 42","structuredContent":{"sum":42}}');
    expect(textOf(message)).toContain("Tool calculator returned:");
    // The server that is down was left out of the turn, and said so in the log.
    expect(logs.events().some((e) => e.server === "down")).toBe(true);
  });

  it("progress notifications of an MCP tool stream as one data-progress part; the result follows", async () => {
    captureLogs(["mcp_server_unavailable"]);
    const { id, chunks } = await turn('fake:tool tool=demo__count args={"to":3,"delayMs":10}');
    const progress = chunks.filter((c) => c.type === "data-progress") as { data: { step: number; steps: number; label: string } }[];
    expect(progress.map((p) => p.data.step)).toEqual([1, 2, 3]);
    expect(progress[2]!.data).toMatchObject({ steps: 3, label: "Counted 3 of 3" });
    const message = await expectConsistentTurn(id, chunks);
    expect(message.parts.filter((p) => p.type === "data-progress")).toHaveLength(1);
    expect(toolParts(message)[0]).toMatchObject({ state: "output-available", output: { text: "Counted to 3." } });
  });

  it("an isError result is the call's output-error; an image becomes a placeholder", async () => {
    captureLogs(["mcp_server_unavailable"]);
    const failed = await turn('fake:tool tool=demo__fail args={"reason":"no-luck"}');
    const error = failed.chunks.find((c) => c.type === "tool-output-error") as { errorText: string };
    expect(error.errorText).toBe("demo__fail failed: It failed: no-luck");
    await expectConsistentTurn(failed.id, failed.chunks);

    const picture = await turn("fake:tool tool=demo__picture");
    const output = (picture.chunks.find((c) => c.type === "tool-output-available") as { output: any }).output;
    expect(output.text).toBe("A 1x1 transparent pixel.");
    expect(output.omitted).toEqual([expect.objectContaining({ type: "image", mediaType: "image/png", bytes: 70 })]);
    expect(output.omitted[0].note).toMatch(/^\[image omitted: image\/png, 70 bytes/);
    await expectConsistentTurn(picture.id, picture.chunks);
  });

  it("a server down when tools are listed is left out; its tool is unknown to the turn, which goes on", async () => {
    const logs = captureLogs(["mcp_server_unavailable"]);
    const { id, chunks } = await turn("fake:tool tool=down__anything");
    const error = chunks.find((c) => c.type === "tool-output-error") as { errorText: string };
    expect(error.errorText).toBe('Unknown tool "down__anything".');
    expect(chunks.at(-1)).toEqual({ type: "finish", finishReason: "stop" });
    await expectConsistentTurn(id, chunks);
    expect(logs.events().find((e) => e.server === "down")).toMatchObject({ event: "mcp_server_unavailable" });
  });

  it("a server down at call time: that call ends output-error, the turn finishes", async () => {
    const logs = captureLogs(["mcp_server_unavailable", "mcp_call_failed"]);
    const { id, chunks } = await turn('fake:tools-parallel tools=flaky__add,demo__add args1={"a":1,"b":1} args2={"a":2,"b":2}');
    const error = chunks.find((c) => c.type === "tool-output-error") as { errorText: string };
    expect(error.errorText).toBe('flaky__add failed: MCP server "flaky" did not answer the call.');
    expect(chunks.filter((c) => c.type === "tool-output-available")).toHaveLength(1);
    expect(chunks.at(-1)).toEqual({ type: "finish", finishReason: "stop" });
    await expectConsistentTurn(id, chunks);
    expect(logs.events().find((e) => e.event === "mcp_call_failed")).toMatchObject({ server: "flaky", tool: "add" });
  });

  it("GET /api/tools lists built-in, MCP and Claude's tools, with each server's state and approval", async () => {
    captureLogs(["mcp_server_unavailable"]);
    const res = await call("/api/tools");
    expect(res.status).toBe(200);
    const body = (await res.json()) as any;
    const byName = new Map(body.tools.map((t: any) => [t.name, t]));
    expect(byName.get("calculator")).toMatchObject({ source: "built-in" });
    expect(byName.get("demo__add")).toMatchObject({
      source: "mcp",
      needsApproval: false,
      inputSchema: { type: "object", required: ["a", "b"] },
    });
    expect(byName.get("gated__add")).toMatchObject({ source: "mcp", needsApproval: true });
    expect(byName.get("web_search")).toMatchObject({ source: "claude" });
    expect(byName.has("down__add")).toBe(false);
    const servers = new Map(body.mcpServers.map((s: any) => [s.name, s]));
    expect(servers.get("demo")).toMatchObject({ status: "available", tools: ["demo__add", "demo__count", "demo__fail", "demo__picture"] });
    expect(servers.get("down")).toMatchObject({ status: "unavailable", tools: [] });
    expect((servers.get("down") as any).error).toMatch(/^could not list tools/);
  });
});
