import { DefaultChatTransport, type UIMessage, validateUIMessages } from "ai";
import { describe, expect, it } from "vitest";
import { call, getSession, newSessionId, ORIGIN, send, tokenFor, userMessageBody, workerFetch } from "./support/api";
import { TestChat } from "./support/chat-client";
import { stockChat6 } from "./support/chat-client6";
import { TestSocket } from "./support/socket";
import { readSse } from "./support/sse";

async function stockChat(id: string, messages?: UIMessage[]) {
  const token = await tokenFor("alice");
  return new TestChat({
    id,
    transport: new DefaultChatTransport({ api: `${ORIGIN}/api/chat`, headers: { authorization: `Bearer ${token}` }, fetch: workerFetch }),
    ...(messages ? { messages } : {}),
  });
}

const textOf = (m: UIMessage | undefined) => (m?.parts ?? []).flatMap((p) => (p.type === "text" ? [p.text] : [])).join("");
const texts = (messages: UIMessage[]) => messages.map((m) => `${m.role}: ${textOf(m).split(" ").slice(0, 2).join(" ")}`);

/** History, checked as every history must be: valid for the AI SDK, sequences unique and never reused. */
async function history(id: string) {
  const { body } = await getSession(id);
  await validateUIMessages({ messages: body.messages });
  expect(new Set(body.sequences).size).toBe(body.sequences.length);
  expect(new Set(body.messages.map((m: UIMessage) => m.id)).size).toBe(body.messages.length);
  return body as {
    messages: UIMessage[];
    sequences: number[];
    siblings: ({ index: number; count: number; seqs: number[] } | null)[];
    headSeq: number;
  };
}

async function switchTo(id: string, seq: number) {
  return call(`/api/sessions/${id}/head`, { method: "PUT", json: { seq } });
}

describe("branches, driven by the stock Chat of ai 7", () => {
  it("edit the last message: a new branch; the old one stays; the model saw only the new branch", async () => {
    const id = newSessionId();
    const chat = await stockChat(id);
    await chat.sendMessage({ text: "first question fake:text tokens=2" });
    await chat.sendMessage({ text: "second question fake:text tokens=2" });
    const original = chat.messages[2]!;
    await chat.sendMessage({ text: "second, edited fake:context", messageId: original.id });
    expect(chat.error).toBeUndefined();

    const view = await history(id);
    expect(view.messages).toEqual(chat.messages);
    expect(texts(view.messages)).toEqual([
      "user: first question",
      "assistant: Echo: first",
      "user: second, edited",
      "assistant: user: first",
    ]);
    // The edited message keeps its id, as the client has it, and is the second of two versions.
    expect(view.messages[2]!.id).toBe(original.id);
    expect(view.siblings[2]).toMatchObject({ index: 1, count: 2 });
    expect(view.siblings.filter((s) => s !== null)).toHaveLength(1);
    // What Claude was sent: this branch only (the old second question is not in it).
    expect(textOf(view.messages[3]).split("\n")).toEqual([
      "user: first question fake:text tokens=2",
      "assistant: Echo: first question. word2",
      "user: second, edited fake:context",
    ]);
    // Sequences are dense over the whole log (6 messages), and never reused.
    expect(view.sequences).toEqual([0, 1, 4, 5]);
  });

  it("edit an earlier message, switch back and forth, reload: the same active path", async () => {
    const id = newSessionId();
    const chat = await stockChat(id);
    await chat.sendMessage({ text: "alpha fake:text tokens=2" });
    await chat.sendMessage({ text: "beta fake:text tokens=2" });
    const before = await history(id);
    await chat.sendMessage({ text: "alpha prime fake:context", messageId: chat.messages[0]!.id });
    const edited = await history(id);
    expect(texts(edited.messages)).toEqual(["user: alpha prime", "assistant: user: alpha"]);
    expect(textOf(edited.messages[1])).toBe("user: alpha prime fake:context");
    expect(edited.siblings[0]).toMatchObject({ index: 1, count: 2, seqs: [0, 4] });

    // Back to the first version: its branch comes back as it was left, beta and its answer included.
    expect((await switchTo(id, 0)).status).toBe(200);
    expect(await history(id)).toMatchObject({ messages: before.messages, sequences: before.sequences });
    // And forth again.
    expect((await switchTo(id, 4)).status).toBe(200);
    const again = await history(id);
    expect(again.messages).toEqual(edited.messages);

    // A page reloaded now shows that path, and goes on from it.
    const reloaded = await stockChat(id, again.messages);
    await reloaded.sendMessage({ text: "gamma fake:context" });
    expect(
      textOf(reloaded.messages.at(-1))
        .split("\n")
        .map((l) => l.split(" ").slice(0, 3).join(" ")),
    ).toEqual(["user: alpha prime", "assistant: user: alpha", "user: gamma fake:context"]);
    expect((await history(id)).messages).toEqual(reloaded.messages);
  });

  it("regenerate twice: three sibling answers; switching between them; the context never holds the others", async () => {
    const id = newSessionId();
    const chat = await stockChat(id);
    await chat.sendMessage({ text: "one fake:text tokens=2" });
    await chat.sendMessage({ text: "two fake:text tokens=3" });
    await chat.regenerate();
    await chat.regenerate();
    expect(chat.error).toBeUndefined();
    const view = await history(id);
    expect(view.messages).toEqual(chat.messages);
    expect(view.siblings[3]).toMatchObject({ index: 2, count: 3 });
    const [first, , third] = view.siblings[3]!.seqs;
    expect((await switchTo(id, first!)).status).toBe(200);
    expect((await history(id)).siblings[3]).toMatchObject({ index: 0, count: 3 });
    expect((await switchTo(id, third!)).status).toBe(200);
    const back = await history(id);
    expect(back.messages).toEqual(view.messages);
    // Next turn: the context is the active path, one answer per question.
    await chat.sendMessage({ text: "three fake:context" });
    expect(textOf(chat.messages.at(-1)).split("\n")).toHaveLength(5);
  });

  it("a switch is refused while a turn runs; every socket of the session hears of a switch", async () => {
    const id = newSessionId();
    await readSse((await send(id, "one fake:text tokens=2")).body!);
    await readSse(
      (await call("/api/chat", { method: "POST", json: { ...userMessageBody(id, "x"), trigger: "regenerate-message" } })).body!,
    );
    const socket = await TestSocket.open(id);
    const running = await send(id, "slow fake:text tokens=200 rate=50");
    const refused = await switchTo(id, 1);
    expect(refused.status).toBe(409);
    expect((await refused.json<any>()).error.code).toBe("stream_already_active");
    await call(`/api/chat/${id}/stop`, { method: "POST" });
    await readSse(running.body!);
    expect((await switchTo(id, 1)).status).toBe(200);
    await socket.until((frames) => frames.some((f) => f.type === "head-changed"));
    expect(socket.frames.find((f) => f.type === "head-changed")).toEqual({ type: "head-changed", requestId: "session", headSeq: 1 });
    const bad = await switchTo(id, 999);
    expect((await bad.json<any>()).error.code).toBe("invalid_request");
  });
});

describe("safe retries", () => {
  it("re-sending the message of the running turn streams that turn from its start; no second turn", async () => {
    const id = newSessionId();
    const body = userMessageBody(id, "retry me fake:text tokens=40 rate=40");
    const first = await call("/api/chat", { method: "POST", json: body });
    const retried = await call("/api/chat", { method: "POST", json: body });
    expect(retried.status).toBe(200);
    const [a, b] = await Promise.all([readSse(first.body!), readSse(retried.body!)]);
    expect(b.chunks).toEqual(a.chunks);
    // After the turn: the same again, from the log.
    const after = await readSse((await call("/api/chat", { method: "POST", json: body })).body!);
    expect(after.chunks).toEqual(a.chunks);
    const view = await history(id);
    expect(view.messages).toHaveLength(2);
    expect(view.sequences).toEqual([0, 1]);
    // The same id with other content is still a conflict, and writes nothing.
    const changed = await call("/api/chat", {
      method: "POST",
      json: { ...body, messages: [{ ...body.messages[0], parts: [{ type: "text", text: "other" }] }] },
    });
    expect(changed.status).toBe(409);
    expect((await changed.json<any>()).error.code).toBe("message_exists");
    expect((await history(id)).sequences).toEqual([0, 1]);
  });
});

describe("turns started without a browser", () => {
  it("POST /api/sessions/:id/messages answers 202 at once; the turn runs on its own and anyone can follow it", async () => {
    const id = newSessionId();
    const message = { id: "u-from-a-webhook", role: "user", parts: [{ type: "text", text: "from a webhook fake:text tokens=20 rate=40" }] };
    const res = await call(`/api/sessions/${id}/messages`, { method: "POST", json: { message } });
    expect(res.status).toBe(202);
    const accepted = await res.json<{ messageId: string; cursor: number | null }>();
    // The session's first turn has no chunk before it: null, follow it without a cursor.
    expect(accepted.cursor).toBeNull();
    const followed = await readSse((await call(`/api/chat/${id}/stream`)).body!);
    expect(followed.chunks[0]).toEqual({ type: "start", messageId: accepted.messageId });
    expect(followed.chunks.at(-1)).toMatchObject({ type: "finish" });
    // A re-send (the webhook fired twice) is the same turn.
    const again = await call(`/api/sessions/${id}/messages`, { method: "POST", json: { message } });
    expect(await again.json()).toEqual(accepted);
    const view = await history(id);
    expect(view.messages.map((m) => m.id).slice(0, 2)).toEqual(["u-from-a-webhook", accepted.messageId]);
    // A later turn's cursor is the last chunk before it: following from there gives the whole turn.
    const later = await call(`/api/sessions/${id}/messages`, { method: "POST", json: { text: "plain text fake:text tokens=2" } });
    expect(later.status).toBe(202);
    const second = await later.json<{ messageId: string; cursor: number | null }>();
    expect(second.cursor).toBe(followed.ids.at(-1));
    const next = await readSse((await call(`/api/chat/${id}/stream?cursor=${second.cursor}`)).body!);
    expect(next.chunks[0]).toEqual({ type: "start", messageId: second.messageId });
    expect(next.chunks.at(-1)).toMatchObject({ type: "finish" });
    // Bad input is refused like anywhere else.
    const empty = await call(`/api/sessions/${newSessionId()}/messages`, { method: "POST", json: { text: "  " } });
    expect((await empty.json<any>()).error.code).toBe("invalid_request");
  });
});

describe("branches with the stock Chat of ai 6", () => {
  it("edits the last message and regenerates", async () => {
    const id = newSessionId();
    const chat = await stockChat6(id);
    await chat.sendMessage({ text: "six fake:text tokens=2" });
    await chat.sendMessage({ text: "six edited fake:text tokens=2", messageId: chat.messages[0]!.id });
    await chat.regenerate();
    expect(chat.error).toBeUndefined();
    const view = await history(id);
    expect(view.messages).toEqual(chat.messages);
    expect(view.siblings[0]).toMatchObject({ index: 1, count: 2 });
    expect(view.siblings[1]).toMatchObject({ index: 1, count: 2 });
  });
});
