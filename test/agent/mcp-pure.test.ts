import Anthropic from "@anthropic-ai/sdk";
import { describe, expect, it } from "vitest";
import { contextBudget, FALLBACK_WINDOW_TOKENS, modelWindow } from "../../src/agent/context-window";
import { toMcpOutcome } from "../../src/agent/mcp/mcp-call-result";
import { readMcpServers } from "../../src/agent/mcp/mcp-server-config";
import { needsApproval } from "../../src/agent/tool-approval";

describe("MCP results as tool outcomes", () => {
  it.each([
    [{ content: [{ type: "text", text: "hi" }] }, { ok: true, output: { text: "hi" } }],
    [
      { content: [{ type: "text", text: "3" }], structuredContent: { sum: 3 } },
      { ok: true, output: { text: "3", structuredContent: { sum: 3 } } },
    ],
    [
      { content: [{ type: "text", text: "bad" }], isError: true },
      { ok: false, errorText: "bad" },
    ],
    [
      { content: [], isError: true },
      { ok: false, errorText: "The MCP tool reported an error." },
    ],
    [{ content: [{ type: "resource", resource: { uri: "file:///a.txt", text: "inside" } }] }, { ok: true, output: { text: "inside" } }],
    [
      { content: [{ type: "resource_link", uri: "https://x/y", name: "y" }] },
      { ok: true, output: { text: "[resource: https://x/y (y)]" } },
    ],
  ])("%j", (result, outcome) => {
    expect(toMcpOutcome(result as never)).toEqual(outcome);
  });

  it("an image is a placeholder that says what it was", () => {
    const outcome = toMcpOutcome({ content: [{ type: "image", data: "AAAA", mimeType: "image/png" }] });
    expect(outcome).toEqual({
      ok: true,
      output: {
        text: "",
        omitted: [
          {
            type: "image",
            mediaType: "image/png",
            bytes: 3,
            note: "[image omitted: image/png, 3 bytes; this service does not show MCP images yet]",
          },
        ],
      },
    });
  });
});

describe("MCP_SERVERS", () => {
  const secrets: Record<string, string> = { GH: "t0ken" };
  it("header values take secrets by name; a missing one is reported, not sent", () => {
    const raw = JSON.stringify([
      // biome-ignore lint/suspicious/noTemplateCurlyInString: MCP_SERVERS' own `${SECRET}` syntax
      { name: "github", url: "https://mcp.example/mcp", headers: { authorization: "Bearer ${GH}" } },
      // biome-ignore lint/suspicious/noTemplateCurlyInString: MCP_SERVERS' own `${SECRET}` syntax
      { name: "other", url: "https://other.example/mcp", headers: { "x-key": "${NOPE}" } },
    ]);
    expect(readMcpServers(raw, (n) => secrets[n])).toEqual([
      { name: "github", url: "https://mcp.example/mcp", headers: { authorization: "Bearer t0ken" }, missingSecrets: [] },
      { name: "other", url: "https://other.example/mcp", headers: { "x-key": "" }, missingSecrets: ["NOPE"] },
    ]);
  });

  it.each([
    ["not json", /not valid JSON/],
    [JSON.stringify([{ name: "a__b", url: "https://x/" }]), /single '_'/],
    [JSON.stringify([{ name: "a", url: "ftp://x/" }]), /url|URL/],
    [
      JSON.stringify([
        { name: "a", url: "https://x/" },
        { name: "a", url: "https://y/" },
      ]),
      /unique/,
    ],
  ])("refuses %s", (raw, message) => {
    expect(() => readMcpServers(raw, () => undefined)).toThrow(message);
  });

  it("unset or empty is no servers", () => {
    expect(readMcpServers(undefined, () => undefined)).toEqual([]);
    expect(readMcpServers(" ", () => undefined)).toEqual([]);
  });
});

describe("TOOL_APPROVAL patterns", () => {
  it.each([
    ["github__create_issue", ["github__*"], true],
    ["gitlab__create_issue", ["github__*"], false],
    ["fs__delete_file", ["*__delete_*"], true],
    ["fetch_url", ["fetch_url"], true],
    ["fetch_url2", ["fetch_url"], false],
    ["a.b", ["a*b"], true],
    ["axb", ["a.b"], false],
    ["calculator", [], false],
  ])("%s with %j: %s", (name, patterns, expected) => {
    expect(needsApproval(name, patterns, !expected)).toBe(expected);
  });

  it("unset, the tool's default applies", () => {
    expect(needsApproval("fetch_url", undefined, true)).toBe(true);
    expect(needsApproval("demo__add", undefined, false)).toBe(false);
  });
});

describe("the model's context window", () => {
  const client = new Anthropic({ apiKey: "test", baseURL: "http://anthropic.fake", maxRetries: 0 });
  it("comes from the Models API (the fake's fake-window-N has N), and caps the budget with CONTEXT_BUDGET_TOKENS", async () => {
    expect(await modelWindow(client, "fake-window-9000")).toEqual({ tokens: 9000, known: true });
    expect(contextBudget(9000, undefined)).toBe(6750);
    expect(contextBudget(9000, 5000)).toBe(5000);
    expect(contextBudget(200_000, 1_000_000)).toBe(150_000);
  });

  it("falls back to the standard window when the API cannot say", async () => {
    const unreachable = new Anthropic({ apiKey: "bad-key", baseURL: "http://anthropic.fake", maxRetries: 0 });
    expect(await modelWindow(unreachable, "another-model")).toEqual({ tokens: FALLBACK_WINDOW_TOKENS, known: false });
  });
});
