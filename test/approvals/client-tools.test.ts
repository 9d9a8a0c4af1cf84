import { lastAssistantMessageIsCompleteWithToolCalls as allOutputs, type UIMessage, validateUIMessages } from "ai";
import { describe, expect, it } from "vitest";
import { call, getSession, newSessionId } from "../support/api";
import { readSse } from "../support/sse";
import { settled, stockChat, textOf, toolParts } from "./support";

/** A tool that runs in the browser, declared the way an application passes it to DefaultChatTransport({ body }). */
const TIME_ZONE = {
  name: "browser_time_zone",
  description: "The user's time zone, from their browser.",
  inputSchema: { type: "object", properties: { format: { type: "string" } } },
};
const ASK_TIME_ZONE = 'fake:tool tool=browser_time_zone args={"format":"iana"}';

const lastOf = (chat: { messages: UIMessage[] }) => chat.messages.at(-1)!;

describe("client-side tools, with the stock Chat of ai 7", () => {
  for (const transport of ["sse", "ws"] as const) {
    it(`over ${transport}: Claude calls a declared browser tool; onToolCall answers it; the same message continues`, async () => {
      const id = newSessionId();
      const calls: unknown[] = [];
      const chat = await stockChat(id, {
        transport,
        body: { clientTools: [TIME_ZONE] },
        sendAutomaticallyWhen: allOutputs,
        onToolCall: ({ toolCall }) => {
          calls.push(toolCall.input);
          void chat.addToolOutput({
            tool: "browser_time_zone" as never,
            toolCallId: toolCall.toolCallId,
            output: { timeZone: "Europe/Lisbon" } as never,
          });
        },
      });
      await chat.sendMessage({ text: `where am I ${ASK_TIME_ZONE}` });
      await settled(chat, () => textOf(lastOf(chat)).includes("Tool browser_time_zone returned"));
      expect(chat.error).toBeUndefined();
      expect(calls).toEqual([{ format: "iana" }]);
      expect(chat.messages).toHaveLength(2);
      expect(toolParts(lastOf(chat))).toMatchObject([
        { type: "tool-browser_time_zone", state: "output-available", output: { timeZone: "Europe/Lisbon" } },
      ]);
      expect(textOf(lastOf(chat))).toContain('Tool browser_time_zone returned: {"timeZone":"Europe/Lisbon"}');
      const view = (await getSession(id)).body;
      expect(view.messages).toEqual(chat.messages);
      expect(view.pendingTools).toEqual([]);
      await validateUIMessages({ messages: view.messages });
      chat.close();
    });
  }

  it("the call waits durably: history shows it input-available; a reloaded page answers it with the declaration stored with the turn", async () => {
    const id = newSessionId();
    const first = await readSse(
      (await call("/api/chat", { method: "POST", json: { ...newMessage(id, `where am I ${ASK_TIME_ZONE}`), clientTools: [TIME_ZONE] } }))
        .body!,
    );
    expect(first.chunks.map((c) => c.type)).toContain("tool-input-available");
    expect(first.chunks.at(-1)).toEqual({ type: "finish", finishReason: "tool-calls" });
    const view = (await getSession(id)).body;
    const [pending] = view.pendingTools;
    expect(pending).toMatchObject({ kind: "client", toolName: "browser_time_zone", input: { format: "iana" } });
    expect(toolParts(view.messages.at(-1))).toMatchObject([{ state: "input-available", toolCallId: pending.toolCallId }]);

    // The reloaded page declares no tools this time: the answer continues with the set stored with the turn.
    const reloaded = await stockChat(id, { messages: view.messages, sendAutomaticallyWhen: allOutputs });
    await reloaded.addToolOutput({ tool: "browser_time_zone" as never, toolCallId: pending.toolCallId, output: "UTC" as never });
    await settled(reloaded, () => textOf(lastOf(reloaded)).includes("Tool browser_time_zone returned: UTC"));
    expect(reloaded.error).toBeUndefined();
    expect((await getSession(id)).body.messages).toEqual(reloaded.messages);
  });

  it("a browser tool's error is its outcome, and Claude reads it", async () => {
    const id = newSessionId();
    const chat = await stockChat(id, {
      body: { clientTools: [TIME_ZONE] },
      sendAutomaticallyWhen: allOutputs,
      onToolCall: ({ toolCall }) => {
        void chat.addToolOutput({
          state: "output-error",
          tool: "browser_time_zone" as never,
          toolCallId: toolCall.toolCallId,
          errorText: "permission denied",
        });
      },
    });
    await chat.sendMessage({ text: `where am I ${ASK_TIME_ZONE}` });
    await settled(chat, () => textOf(lastOf(chat)).includes("Tool browser_time_zone failed"));
    expect(toolParts(lastOf(chat))).toMatchObject([{ state: "output-error", errorText: "permission denied" }]);
    expect(textOf(lastOf(chat))).toContain("Tool browser_time_zone failed: permission denied");
    expect((await getSession(id)).body.messages).toEqual(chat.messages);
  });

  it("outputs that are not the client's to give are refused and change nothing", async () => {
    const id = newSessionId();
    await readSse(
      (await call("/api/chat", { method: "POST", json: { ...newMessage(id, `where am I ${ASK_TIME_ZONE}`), clientTools: [TIME_ZONE] } }))
        .body!,
    );
    const before = (await getSession(id)).body;
    const waiting = before.messages.at(-1) as UIMessage;
    const part = toolParts(waiting)[0]!;
    const answer = (patch: Record<string, unknown>) =>
      call("/api/chat", {
        method: "POST",
        json: {
          id,
          messages: [
            ...before.messages.slice(0, -1),
            { ...waiting, parts: waiting.parts.map((p) => (p.type === part.type ? { ...p, ...patch } : p)) },
          ],
        },
      });
    const tooBig = await answer({ state: "output-available", output: "x".repeat(70 * 1024) });
    expect(tooBig.status).toBe(413);
    expect((await tooBig.json<any>()).error.code).toBe("message_too_large");
    const edited = await answer({ state: "output-available", input: { format: "posix" }, output: "UTC" });
    expect((await edited.json<any>()).error.code).toBe("tool_input_mismatch");
    expect((await getSession(id)).body).toEqual(before);

    // Once answered, the output cannot be changed or given again.
    const ok = await answer({ state: "output-available", output: "UTC" });
    await readSse(ok.body!);
    const repeat = await answer({ state: "output-available", output: "Europe/Paris" });
    expect(repeat.status).toBe(409);
    expect((await repeat.json<any>()).error.code).toBe("already_answered");
  });

  it("declarations are bounded and cannot shadow a server tool; a refused one writes nothing", async () => {
    const id = newSessionId();
    const post = (clientTools: unknown) =>
      call("/api/chat", { method: "POST", json: { ...newMessage(id, "hi fake:text tokens=2"), clientTools } });
    const cases: Array<[string, unknown, number, string]> = [
      ["a server tool's name", [{ ...TIME_ZONE, name: "calculator" }], 400, "invalid_request"],
      ["a bad name", [{ ...TIME_ZONE, name: "has spaces" }], 400, "invalid_request"],
      ["a schema that is not an object", [{ ...TIME_ZONE, inputSchema: { type: "string" } }], 400, "invalid_request"],
      ["the same name twice", [TIME_ZONE, TIME_ZONE], 400, "invalid_request"],
      ["17 tools", Array.from({ length: 17 }, (_, i) => ({ ...TIME_ZONE, name: `tool_${i}` })), 400, "invalid_request"],
      ["40 KB of schemas", [{ ...TIME_ZONE, inputSchema: { type: "object", description: "d".repeat(40 * 1024) } }], 413, "body_too_large"],
      ["not a list", { name: "x" }, 400, "invalid_request"],
    ];
    for (const [name, clientTools, status, code] of cases) {
      const res = await post(clientTools);
      expect(res.status, name).toBe(status);
      expect((await res.json<any>()).error.code, name).toBe(code);
    }
    expect((await getSession(id)).status).toBe(404);
  });
});

function newMessage(id: string, text: string) {
  return {
    id,
    trigger: "submit-message",
    messages: [{ id: `u-${crypto.randomUUID().slice(0, 8)}`, role: "user", parts: [{ type: "text", text }] }],
  };
}
