import { lastAssistantMessageIsCompleteWithApprovalResponses as allAnswered, type UIMessage, validateUIMessages } from "ai";
import { describe, expect, it } from "vitest";
import { settled, stockChat, textOf, toolParts } from "../approvals/support";
import { getSession, newSessionId } from "../support/api";
import { captureLogs } from "../support/capture-logs";

// TOOL_APPROVAL is `gated__*` in this project: every tool of the MCP server `gated` asks a person first,
// the same tools under `demo` do not.
const lastOf = (chat: { messages: UIMessage[] }) => chat.messages.at(-1)!;

describe("MCP tools and approval, with the stock Chat of ai 7", () => {
  it("an MCP tool matched by a pattern waits for approval; approved, it runs on the server and Claude continues", async () => {
    captureLogs(["mcp_server_unavailable"]);
    const id = newSessionId();
    const chat = await stockChat(id, { sendAutomaticallyWhen: allAnswered });
    await chat.sendMessage({ text: 'add them fake:tool tool=gated__add args={"a":20,"b":22}' });
    const [asked] = toolParts(lastOf(chat));
    expect(asked).toMatchObject({ type: "tool-gated__add", state: "approval-requested", input: { a: 20, b: 22 } });
    expect((await getSession(id)).body.pendingTools).toMatchObject([{ kind: "approval", toolName: "gated__add" }]);

    await chat.addToolApprovalResponse({ id: asked!.approval!.id, approved: true });
    await settled(chat, () => toolParts(lastOf(chat))[0]?.state === "output-available");
    expect(chat.error).toBeUndefined();
    expect(toolParts(lastOf(chat))[0]).toMatchObject({ state: "output-available", output: { text: "20 + 22 = 42" } });
    expect(textOf(lastOf(chat))).toContain("Tool gated__add returned");
    const view = (await getSession(id)).body;
    expect(view.messages).toEqual(chat.messages);
    await validateUIMessages({ messages: view.messages });
  });

  it("the same tool under a server the pattern does not match runs at once", async () => {
    captureLogs(["mcp_server_unavailable"]);
    const chat = await stockChat(newSessionId());
    await chat.sendMessage({ text: 'fake:tool tool=demo__add args={"a":1,"b":2}' });
    expect(toolParts(lastOf(chat))[0]).toMatchObject({ state: "output-available", output: { text: "1 + 2 = 3" } });
  });
});
