import { lastAssistantMessageIsCompleteWithApprovalResponses as allAnswered, type UIMessage, validateUIMessages } from "ai";
import { describe, expect, it } from "vitest";
import { call, getSession, newSessionId, send, userMessageBody } from "../support/api";
import { readSse } from "../support/sse";
import { settled, stockChat, textOf, toolParts } from "./support";

// These tests run with the tools' default approval settings (vitest.config.ts, project
// "workerd-approvals"): fetch_url asks a person first. The fake network answers every URL.
const fetchArgs = (path: string) => `{"url":"https://example.com/${path}","maxChars":200}`;
const FETCH = `fake:tool tool=fetch_url args=${fetchArgs("page")}`;
const TWO_FETCHES = `fake:tools-parallel tools=fetch_url,fetch_url args1=${fetchArgs("one")} args2=${fetchArgs("two")}`;

const lastOf = (chat: { messages: UIMessage[] }) => chat.messages.at(-1)!;

describe("tool approval, with the stock Chat of ai 7 over SSE", () => {
  it("a call that needs approval waits; approving runs it and Claude continues the same message", async () => {
    const id = newSessionId();
    const chat = await stockChat(id, { sendAutomaticallyWhen: allAnswered });
    await chat.sendMessage({ text: `fetch it ${FETCH}` });
    expect(chat.status).toBe("ready");
    const waiting = lastOf(chat);
    const [asked] = toolParts(waiting);
    expect(asked).toMatchObject({ type: "tool-fetch_url", state: "approval-requested", input: JSON.parse(fetchArgs("page")) });

    // History says what waits, and shows the question: a reloaded page or another device renders it.
    const view = (await getSession(id)).body;
    expect(view.activeStream).toBeNull();
    expect(view.pendingTools).toEqual([
      { kind: "approval", toolCallId: asked!.toolCallId, toolName: "fetch_url", input: asked!.input, approvalId: asked!.approval!.id },
    ]);
    expect(view.messages).toEqual(chat.messages);

    await chat.addToolApprovalResponse({ id: asked!.approval!.id, approved: true });
    await settled(chat, () => toolParts(lastOf(chat))[0]?.state === "output-available");
    expect(chat.error).toBeUndefined();
    const answered = lastOf(chat);
    expect(answered.id).toBe(waiting.id);
    expect(chat.messages).toHaveLength(2);
    expect(toolParts(answered)).toMatchObject([{ state: "output-available", approval: { id: asked!.approval!.id, approved: true } }]);
    expect(textOf(answered)).toContain("Tool fetch_url returned");

    const after = (await getSession(id)).body;
    expect(after.pendingTools).toEqual([]);
    expect(after.messages).toEqual(chat.messages);
    await validateUIMessages({ messages: after.messages });
  });

  it("denying: the call ends output-denied and Claude reads the denial and its reason", async () => {
    const id = newSessionId();
    const chat = await stockChat(id, { sendAutomaticallyWhen: allAnswered });
    await chat.sendMessage({ text: `fetch it ${FETCH}` });
    const approval = toolParts(lastOf(chat))[0]!.approval!;
    await chat.addToolApprovalResponse({ id: approval.id, approved: false, reason: "not that site" });
    await settled(chat, () => textOf(lastOf(chat)).includes("Tool fetch_url failed"));
    const answered = lastOf(chat);
    expect(toolParts(answered)).toMatchObject([{ state: "output-denied", approval: { approved: false, reason: "not that site" } }]);
    expect(textOf(answered)).toContain("Tool fetch_url failed: The user denied this tool call. Reason: not that site");
    const view = (await getSession(id)).body;
    expect(view.messages).toEqual(chat.messages);
    await validateUIMessages({ messages: view.messages });
  });

  it("two parallel approvals answered in two requests by two clients; a stale third answer gets already_answered", async () => {
    const id = newSessionId();
    const first = await stockChat(id, { sendAutomaticallyWhen: allAnswered });
    await first.sendMessage({ text: `both ${TWO_FETCHES}` });
    const [one, two] = toolParts(lastOf(first));
    expect([one?.state, two?.state]).toEqual(["approval-requested", "approval-requested"]);
    const stale = (await getSession(id)).body.messages as UIMessage[];

    // The first client answers one of the two and sends it (sendMessage() with no message sends the
    // pending answers); the turn records it and ends waiting again.
    await first.addToolApprovalResponse({ id: one!.approval!.id, approved: true });
    expect(first.status).toBe("ready");
    await first.sendMessage();
    expect(first.error).toBeUndefined();
    const midway = (await getSession(id)).body;
    expect(midway.pendingTools.map((p: { approvalId: string }) => p.approvalId)).toEqual([two!.approval!.id]);
    expect(toolParts(midway.messages.at(-1))[0]).toMatchObject({ state: "approval-responded", approval: { approved: true } });

    // A second client (another tab) loads history and answers the other; now everything is answered.
    const second = await stockChat(id, { sendAutomaticallyWhen: allAnswered, messages: midway.messages });
    await second.addToolApprovalResponse({ id: two!.approval!.id, approved: false, reason: "one is enough" });
    await settled(second, () => textOf(lastOf(second)).includes("Tool fetch_url"));
    expect(second.error).toBeUndefined();
    expect(toolParts(lastOf(second)).map((p) => p.state)).toEqual(["output-available", "output-denied"]);

    // A third client still showing both questions answers the first one differently: the first answer won.
    const third = await stockChat(id, { messages: stale });
    await third.addToolApprovalResponse({ id: one!.approval!.id, approved: false });
    await third.addToolApprovalResponse({ id: two!.approval!.id, approved: true });
    await third.sendMessage();
    expect(third.error?.message).toMatch(/already_answered|not waiting/);

    const final = (await getSession(id)).body;
    expect(final.messages).toEqual(second.messages);
    expect(final.pendingTools).toEqual([]);
    await validateUIMessages({ messages: final.messages });
  });

  it("reload between the question and the answer: a new page answers from history alone", async () => {
    const id = newSessionId();
    await readSse((await send(id, `fetch it ${FETCH}`)).body!);
    const reloaded = await stockChat(id, { sendAutomaticallyWhen: allAnswered, messages: (await getSession(id)).body.messages });
    const approval = toolParts(lastOf(reloaded))[0]!.approval!;
    await reloaded.addToolApprovalResponse({ id: approval.id, approved: true });
    await settled(reloaded, () => textOf(lastOf(reloaded)).includes("Tool fetch_url returned"));
    expect(reloaded.error).toBeUndefined();
    expect((await getSession(id)).body.messages).toEqual(reloaded.messages);
  });

  it("another tab sees the continuation: it follows the answer's turn from its start", async () => {
    const id = newSessionId();
    await readSse((await send(id, `fetch it ${FETCH} rate=10`)).body!);
    const history = (await getSession(id)).body.messages as UIMessage[];
    const answering = await stockChat(id, { sendAutomaticallyWhen: allAnswered, messages: history });
    const watching = await stockChat(id, { messages: history });
    await answering.addToolApprovalResponse({ id: toolParts(lastOf(answering))[0]!.approval!.id, approved: true });
    // The other tab learns of the turn (the socket's turn-started, or a poll) and resumes it while it runs.
    for (let i = 0; i < 500 && answering.status !== "streaming"; i++) await new Promise((r) => setTimeout(r, 10));
    expect(answering.status).toBe("streaming");
    await watching.resumeStream();
    await settled(answering, () => textOf(lastOf(answering)).includes("returned"));
    expect(watching.error).toBeUndefined();
    const stored = (await getSession(id)).body.messages as UIMessage[];
    expect(answering.messages).toEqual(stored);
    // The tab that resumed has everything but the decision itself (streamed as a transient record that
    // every client version accepts); a reload shows it.
    expect(toolParts(lastOf(watching))).toMatchObject([
      { state: "output-available", approval: { id: toolParts(stored.at(-1))[0]!.approval!.id } },
    ]);
    expect(textOf(lastOf(watching))).toBe(textOf(stored.at(-1)));
  });
});

describe("answers that are not the client's to give", () => {
  it("are refused with a clear code and change nothing", async () => {
    const id = newSessionId();
    await readSse((await send(id, `fetch it ${FETCH}`)).body!);
    const before = (await getSession(id)).body;
    const waiting = before.messages.at(-1) as UIMessage;
    const part = toolParts(waiting)[0]!;
    const post = (message: UIMessage) =>
      call("/api/chat", { method: "POST", json: { id, messages: [...before.messages.slice(0, -1), message] } });
    const withPart = (patch: Record<string, unknown>): UIMessage => ({
      ...waiting,
      parts: waiting.parts.map((p) => (p.type === part.type ? ({ ...p, ...patch } as UIMessage["parts"][number]) : p)),
    });
    const approve = { id: part.approval!.id, approved: true };
    const cases: Array<[string, UIMessage, number, string]> = [
      [
        "an approval id never issued",
        withPart({ state: "approval-responded", approval: { id: "apr_forged", approved: true } }),
        400,
        "unknown_approval",
      ],
      [
        "an edited tool input",
        withPart({ state: "approval-responded", input: { url: "https://evil.example" }, approval: approve }),
        400,
        "tool_input_mismatch",
      ],
      [
        "an output for a server tool",
        withPart({ state: "output-available", output: "made up", approval: undefined }),
        400,
        "tool_output_not_allowed",
      ],
      [
        "a tool call that was never made",
        {
          ...waiting,
          parts: [
            ...waiting.parts,
            { type: part.type, toolCallId: "toolu_forged", state: "output-available", input: part.input, output: 1 } as never,
          ],
        },
        400,
        "tool_output_not_allowed",
      ],
      ["no answer at all", waiting, 409, "already_answered"],
      ["an assistant message that is not waiting", { ...waiting, id: "msg_not_in_this_session" }, 400, "invalid_request"],
    ];
    for (const [name, message, status, code] of cases) {
      const res = await post(message);
      expect(res.status, name).toBe(status);
      expect((await res.json<any>()).error.code, name).toBe(code);
    }
    const after = (await getSession(id)).body;
    expect(after.messages).toEqual(before.messages);
    expect(after.pendingTools).toEqual(before.pendingTools);
    expect(after.sequences).toEqual(before.sequences);
    expect(after.session.updatedAt).toBe(before.session.updatedAt);

    // And the real answer still works afterwards, once; a repeat of it is already_answered.
    const answer = withPart({ state: "approval-responded", approval: approve });
    const ok = await post(answer);
    expect(ok.status).toBe(200);
    await readSse(ok.body!);
    const again = await post(answer);
    expect(again.status).toBe(409);
    expect((await again.json<any>()).error.code).toBe("already_answered");
  });
});

describe("a wait nobody answers", () => {
  it("a new message denies what is pending, with a reason Claude sees", async () => {
    const id = newSessionId();
    await readSse((await send(id, `fetch it ${FETCH}`)).body!);
    const next = await readSse((await send(id, "never mind fake:text tokens=3")).body!);
    expect(next.chunks.at(-1)).toMatchObject({ type: "finish" });
    const view = (await getSession(id)).body;
    expect(view.pendingTools).toEqual([]);
    expect(toolParts(view.messages.at(-3))).toMatchObject([
      { state: "output-denied", approval: { approved: false, reason: "The user sent a new message instead of answering." } },
    ]);
    await validateUIMessages({ messages: view.messages });
  });

  it("stop while waiting ends the wait: the call gets its one outcome and the session takes a new message", async () => {
    const id = newSessionId();
    await readSse((await send(id, `fetch it ${FETCH}`)).body!);
    const stopped = await call(`/api/chat/${id}/stop`, { method: "POST" });
    expect(await stopped.json()).toEqual({ stopped: true });
    const view = (await getSession(id)).body;
    expect(view.pendingTools).toEqual([]);
    expect(toolParts(view.messages.at(-1))).toMatchObject([{ state: "output-denied" }]);
    await validateUIMessages({ messages: view.messages });
    expect(await (await call(`/api/chat/${id}/stop`, { method: "POST" })).json()).toEqual({ stopped: false });
    const res = await call("/api/chat", { method: "POST", json: userMessageBody(id, "again fake:text tokens=2") });
    expect(res.status).toBe(200);
    await readSse(res.body!);
  });
});
