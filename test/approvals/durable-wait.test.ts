import { runDurableObjectAlarm, runInDurableObject } from "cloudflare:test";
import { lastAssistantMessageIsCompleteWithApprovalResponses as allAnswered, type UIMessage, validateUIMessages } from "ai";
import { lastAssistantMessageIsCompleteWithApprovalResponses as allAnswered6 } from "ai6";
import { describe, expect, it } from "vitest";
import { call, getSession, newSessionId, send } from "../support/api";
import { captureLogs } from "../support/capture-logs";
import { stockChat6 } from "../support/chat-client6";
import { sessionObject } from "../support/session-object";
import { TestSocket } from "../support/socket";
import { assembleChunks, readSse } from "../support/sse";
import { settled, stockChat, textOf, toolParts } from "./support";

const FETCH = 'fake:tool tool=fetch_url args={"url":"https://example.com/page","maxChars":200}';
const lastOf = (chat: { messages: UIMessage[] }) => chat.messages.at(-1)!;

/** A message without the decisions on its approvals: the part a stream replay carries only as a transient record. */
function withoutDecisions(message: UIMessage): UIMessage {
  return {
    ...message,
    parts: message.parts.map((p) => {
      const part = p as { approval?: { id: string } };
      return part.approval ? ({ ...p, approval: { id: part.approval.id } } as typeof p) : p;
    }),
  };
}

/** The waiting message as a client answers it: its fetch_url call approved. */
function withApproval(waiting: UIMessage, approvalId: string): UIMessage {
  return {
    ...waiting,
    parts: waiting.parts.map((p) =>
      p.type === "tool-fetch_url" ? ({ ...p, state: "approval-responded", approval: { id: approvalId, approved: true } } as never) : p,
    ),
  };
}

/** A crash of exactly this object: memory gone, in-flight work dropped, storage kept. */
async function crash(id: string) {
  await runInDurableObject(sessionObject(id), (_instance, state) => state.abort("simulated crash")).catch(() => undefined);
}

describe("a wait survives crashes", () => {
  it("crash while waiting: the question is still there, and the answer continues the message", async () => {
    const id = newSessionId();
    await readSse((await send(id, `fetch it ${FETCH}`)).body!);
    await crash(id);
    const view = (await getSession(id)).body;
    expect(view.pendingTools).toMatchObject([{ kind: "approval", toolName: "fetch_url" }]);
    const chat = await stockChat(id, { messages: view.messages, sendAutomaticallyWhen: allAnswered });
    await chat.addToolApprovalResponse({ id: view.pendingTools[0].approvalId, approved: true });
    await settled(chat, () => textOf(lastOf(chat)).includes("Tool fetch_url returned"));
    expect(chat.error).toBeUndefined();
    expect((await getSession(id)).body.messages).toEqual(chat.messages);
  });

  it("crash mid-continuation: it recovers like any turn, and a full replay rebuilds the whole message", async () => {
    const logs = captureLogs(["turn_continued"]);
    const id = newSessionId();
    await readSse((await send(id, `fetch it ${FETCH} rate=30`)).body!);
    const view = (await getSession(id)).body;
    const waiting = view.messages.at(-1) as UIMessage;
    const approved = withApproval(waiting, view.pendingTools[0].approvalId);
    const res = await call("/api/chat", { method: "POST", json: { id, messages: [...view.messages.slice(0, -1), approved] } });
    // Read until the continuation's text streams, then crash the object under it.
    const reader = res.body!.pipeThrough(new TextDecoderStream()).getReader();
    let seen = "";
    while (!seen.includes('"text-delta"')) seen += (await reader.read()).value ?? "";
    await reader.cancel();
    await crash(id);

    // The recovered turn goes on to its end; a full replay (a reload) rebuilds the message from its first turn.
    const replay = await readSse((await call(`/api/chat/${id}/stream`)).body!);
    expect(replay.chunks[0]).toEqual({ type: "start", messageId: waiting.id });
    expect(replay.chunks.at(-1)?.type).toBe("finish");
    expect(replay.chunks.filter((c) => c.type === "tool-approval-request")).toHaveLength(1);
    expect(replay.chunks.filter((c) => c.type === "data-tool-approval")).toHaveLength(1);
    // One outcome for the call, whatever the crash cut: its result, or the interruption.
    expect(replay.chunks.filter((c) => c.type === "tool-output-available" || c.type === "tool-output-error")).toHaveLength(1);
    const after = (await getSession(id)).body;
    expect(after.activeStream).toBeNull();
    const stored = after.messages.at(-1) as UIMessage;
    expect(stored.id).toBe(waiting.id);
    const assembled = (await assembleChunks(replay.chunks))!;
    // What a client rebuilds from the stream is the stored message, less the decision (a transient record).
    expect(withoutDecisions(assembled)).toEqual(withoutDecisions(stored));
    expect(toolParts(stored)[0]?.approval).toMatchObject({ approved: true });
    await validateUIMessages({ messages: after.messages });
    // The continuation (turn 1), not the first turn, was the one recovered.
    expect(logs.events(id)).toMatchObject([{ event: "turn_continued", turn: 1, recoveries: 1 }]);
  });
});

describe("a wait with an expiry (TOOL_WAIT_TIMEOUT_MS)", () => {
  it("is closed by the alarm when nobody answers: the call is denied with the reason, and Claude will read it", async () => {
    const id = newSessionId();
    await readSse((await send(id, `fetch it ${FETCH}`)).body!);
    // This deployment's setting, as the object reads it (the test project's Worker waits forever).
    await runInDurableObject(sessionObject(id), (instance) => {
      (instance as unknown as { config: { toolWaitTimeoutMs: number } }).config.toolWaitTimeoutMs = 60_000;
    });
    // Not yet due: the alarm leaves the wait alone.
    expect(await runDurableObjectAlarm(sessionObject(id))).toBe(true);
    expect((await getSession(id)).body.pendingTools).toHaveLength(1);
    // A minute later (the wait moved back rather than waited for), the alarm closes it.
    await runInDurableObject(sessionObject(id), (instance) => {
      const turns = (instance as unknown as { turns: { waiting: { since: number } } }).turns;
      turns.waiting.since -= 61_000;
    });
    await runDurableObjectAlarm(sessionObject(id));
    const view = (await getSession(id)).body;
    expect(view.pendingTools).toEqual([]);
    expect(toolParts(view.messages.at(-1))).toMatchObject([
      { state: "output-denied", approval: { approved: false, reason: "No answer came within 1 minute." } },
    ]);
    await validateUIMessages({ messages: view.messages });
  });
});

describe("every tab and transport sees the same wait", () => {
  it("a socket answers; another socket hears turn-started and resumes the whole message", async () => {
    const id = newSessionId();
    await readSse((await send(id, `fetch it ${FETCH} rate=10`)).body!);
    const view = (await getSession(id)).body;
    const waiting = view.messages.at(-1) as UIMessage;
    const watcher = await TestSocket.open(id);
    const answerer = await TestSocket.open(id);
    const approved = withApproval(waiting, view.pendingTools[0].approvalId);
    answerer.send({
      type: "send",
      requestId: "answer",
      id,
      trigger: "submit-message",
      messageId: waiting.id,
      messages: [...view.messages.slice(0, -1), approved],
      headers: {},
      body: {},
      metadata: undefined,
    });
    await watcher.until((frames) => frames.some((f) => f.type === "turn-started"));
    watcher.send({ type: "resume", requestId: "watch", id, headers: {}, body: {}, metadata: undefined });
    const answerFrames = await answerer.untilRequestEnds("answer");
    const watchFrames = await watcher.untilRequestEnds("watch");
    const chunks = (frames: { type: string; sequence?: number; chunk?: { type: string } }[]) => frames.filter((f) => f.type === "chunk");
    // The answering request streams the continuation from its own start; the resume replays the whole message.
    expect(chunks(answerFrames).map((f) => f.sequence)).toEqual(chunks(answerFrames).map((_, i) => i));
    expect(chunks(watchFrames).map((f) => f.sequence)).toEqual(chunks(watchFrames).map((_, i) => i));
    expect(chunks(watchFrames)[0]!.chunk).toEqual({ type: "start", messageId: waiting.id });
    expect(chunks(watchFrames).some((f) => f.chunk?.type === "tool-approval-request")).toBe(true);
    expect(chunks(watchFrames).some((f) => f.chunk?.type === "data-tool-approval")).toBe(true);
    const final = (await getSession(id)).body;
    expect(toolParts(final.messages.at(-1))).toMatchObject([{ state: "output-available" }]);
  });
});

describe("the stock Chat of ai 6", () => {
  it("approves over SSE, and continues the same message", async () => {
    const id = newSessionId();
    const chat = await stockChat6(id, { sendAutomaticallyWhen: allAnswered6 });
    await chat.sendMessage({ text: `fetch it ${FETCH}` });
    const part = toolParts(chat.messages.at(-1) as UIMessage)[0]!;
    expect(part.state).toBe("approval-requested");
    await chat.addToolApprovalResponse({ id: part.approval!.id, approved: true });
    await settled(chat, () => textOf(chat.messages.at(-1) as UIMessage).includes("Tool fetch_url returned"));
    expect(chat.error).toBeUndefined();
    expect((await getSession(id)).body.messages).toEqual(chat.messages);
  });
});
