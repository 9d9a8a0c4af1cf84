import {
  parseJsonEventStream as parseJsonEventStream6,
  readUIMessageStream as readUIMessageStream6,
  type UIMessage as UIMessage6,
  uiMessageChunkSchema as uiMessageChunkSchema6,
} from "ai6";
import { describe, expect, it } from "vitest";
import { getSession, newSessionId, send } from "../support/api";
import { captureLogs } from "../support/capture-logs";
import { assembleWithSdk, readSse } from "../support/sse";
import { expectConsistentTurn, textOf, toolParts } from "../support/turn-checks";

// WEB_SEARCH and WEB_FETCH are on in this project (vitest.config.ts, workerd-mcp); the fake speaks
// Claude's server tool blocks in the real wire format (fake:web-search, fake:web-fetch).
async function turn(text: string, id = newSessionId()) {
  const res = await send(id, text);
  expect(res.status).toBe(200);
  const read = await readSse(res.body!);
  return { id, chunks: read.chunks };
}

/** ai 6's client: it rejects chunk types and fields it does not know, so it checks every new chunk. */
async function assembleWithAi6(body: ReadableStream<Uint8Array>): Promise<UIMessage6 | undefined> {
  const parsed = parseJsonEventStream6({ stream: body, schema: uiMessageChunkSchema6 }).pipeThrough(
    new TransformStream({
      transform(result, controller) {
        if (!result.success) throw result.error;
        controller.enqueue(result.value);
      },
    }),
  );
  let last: UIMessage6 | undefined;
  for await (const message of readUIMessageStream6({ stream: parsed })) last = message;
  return last;
}

describe("Claude's server tools", () => {
  it("web search: the call and its result stream as a provider-executed tool part, citations as source-url parts", async () => {
    captureLogs(["mcp_server_unavailable"]);
    const { id, chunks } = await turn("What is new? fake:web-search results=2");
    expect(chunks.find((c) => c.type === "tool-input-start")).toMatchObject({ toolName: "web_search", providerExecuted: true });
    expect(chunks.find((c) => c.type === "tool-input-available")).toMatchObject({
      toolName: "web_search",
      input: { query: "What is new?" },
      providerExecuted: true,
    });
    const output = chunks.find((c) => c.type === "tool-output-available") as { output: any; providerExecuted?: boolean };
    expect(output.providerExecuted).toBe(true);
    expect(output.output.map((r: any) => r.url)).toEqual(["https://example.com/page-1", "https://example.com/page-2"]);
    const sources = chunks.filter((c) => c.type === "source-url");
    expect(sources).toMatchObject([
      { url: "https://example.com/page-1", title: "Example page 1" },
      { url: "https://example.com/page-2", title: "Example page 2" },
    ]);
    const message = await expectConsistentTurn(id, chunks);
    expect(textOf(message)).toContain("Page 1 says so. Page 2 says so.");
    expect(message.parts.filter((p) => p.type === "source-url")).toHaveLength(2);
    expect((message.metadata as any).usage).toMatchObject({ webSearchRequests: 1, webFetchRequests: 0 });
    expect((await getSession(id)).body.session.usage.webSearchRequests).toBe(1);

    // Claude gets the search back from history on the next turn, and the session goes on.
    const next = await turn("thanks fake:text tokens=3", id);
    await expectConsistentTurn(id, next.chunks);
  });

  it("pause_turn is continued transparently: the paused content goes back and the answer comes in the next step", async () => {
    captureLogs(["mcp_server_unavailable"]);
    const { id, chunks } = await turn("Search long fake:web-search pause=1");
    expect(chunks.filter((c) => c.type === "start-step")).toHaveLength(2);
    expect(chunks.at(-1)).toEqual({ type: "finish", finishReason: "stop" });
    const message = await expectConsistentTurn(id, chunks);
    expect(toolParts(message)).toMatchObject([{ type: "tool-web_search", state: "output-available", providerExecuted: true }]);
    expect(textOf(message)).toContain("Page 2 says so.");
  });

  it("stock clients of ai 7 and ai 6 render a web search and a web fetch (every chunk passes their schemas)", async () => {
    captureLogs(["mcp_server_unavailable"]);
    for (const text of ["fake:web-search", "fake:web-fetch url=https://example.com/a", "fake:web-search error=max_uses_exceeded"]) {
      const id = newSessionId();
      const [seven, six] = (await send(id, text)).body!.tee();
      const [a7, a6] = await Promise.all([assembleWithSdk(seven), assembleWithAi6(six)]);
      const stored = (await getSession(id)).body.messages.at(-1);
      expect(a7.message).toEqual(stored);
      expect(a6).toEqual(stored);
    }
  });

  it("web fetch: the result is the tool output; a failed fetch is the call's output-error with the API's code", async () => {
    captureLogs(["mcp_server_unavailable"]);
    const ok = await turn("fake:web-fetch url=https://example.com/a");
    const message = await expectConsistentTurn(ok.id, ok.chunks);
    expect(toolParts(message)[0]).toMatchObject({
      type: "tool-web_fetch",
      state: "output-available",
      output: { type: "web_fetch_result", url: "https://example.com/a" },
    });
    expect((message.metadata as any).usage.webFetchRequests).toBe(1);

    const failed = await turn("fake:web-fetch error=url_not_accessible");
    const error = failed.chunks.find((c) => c.type === "tool-output-error") as { errorText: string; providerExecuted?: boolean };
    expect(error).toMatchObject({ errorText: "Claude's tool failed: url_not_accessible", providerExecuted: true });
    await expectConsistentTurn(failed.id, failed.chunks);
  });
});

describe("stop reasons", () => {
  it("refusal ends the turn with the coded outcome model_refused, the partial text kept", async () => {
    const logs = captureLogs(["mcp_server_unavailable", "turn_failed"]);
    const { id, chunks } = await turn("fake:refusal");
    expect(chunks.find((c) => c.type === "error")).toEqual({ type: "error", errorText: "Claude declined to continue with this request." });
    const message = await expectConsistentTurn(id, chunks);
    expect(textOf(message)).toBe("I can't help with that.");
    expect((message.metadata as any).outcome).toEqual({
      status: "failed",
      errorCode: "model_refused",
      errorText: "Claude declined to continue with this request.",
    });
    expect(logs.events(id).find((e) => e.event === "turn_failed")).toMatchObject({ code: "model_refused" });
  });

  it("model_context_window_exceeded: older turns are summarised and the answer continues in the same message", async () => {
    captureLogs(["mcp_server_unavailable"]);
    const id = newSessionId();
    await turn(`first ${"long ".repeat(400)}fake:text tokens=5`, id);
    await turn(`second ${"long ".repeat(400)}fake:text tokens=5`, id);
    const { chunks } = await turn("third fake:context-full tokens=3", id);
    expect(chunks.find((c) => c.type === "data-compaction")).toBeDefined();
    expect(chunks.find((c) => c.type === "error")).toBeUndefined();
    expect(chunks.at(-1)).toEqual({ type: "finish", finishReason: "stop" });
    const message = await expectConsistentTurn(id, chunks);
    // The cut answer, then the continuation Claude wrote after the summary (the fake echoes its prompt).
    expect(textOf(message)).toMatch(/^Echo: third\. word2 word3Echo: \[Your answer was cut off/);
  });
});
