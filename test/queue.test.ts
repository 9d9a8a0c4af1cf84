import { runInDurableObject } from "cloudflare:test";
import { type UIMessage, validateUIMessages } from "ai";
import { describe, expect, it } from "vitest";
import { call, getSession, newSessionId, send, userMessageBody } from "./support/api";
import { captureLogs } from "./support/capture-logs";
import { sessionObject } from "./support/session-object";
import { TestSocket } from "./support/socket";
import { readSse } from "./support/sse";

const queued = (id: string, text: string) => ({ ...userMessageBody(id, text), onBusy: "queue" });
const userTexts = (messages: UIMessage[]) =>
  messages.filter((m) => m.role === "user").map((m) => m.parts.flatMap((p) => (p.type === "text" ? [p.text] : [])).join(""));

describe("a send while a turn runs", () => {
  it("is refused by default and stores nothing", async () => {
    const id = newSessionId();
    const running = await send(id, "long fake:text tokens=60 rate=60");
    const refused = await call("/api/chat", { method: "POST", json: userMessageBody(id, "too soon") });
    expect(refused.status).toBe(409);
    expect((await refused.json<any>()).error.code).toBe("stream_already_active");
    await readSse(running.body!);
    const view = (await getSession(id)).body;
    expect(view.messages).toHaveLength(2);
    expect(view.queued).toEqual([]);
  });

  it("with onBusy: queue, is stored as queued (history shows it), runs when the turn ends, and its stream follows that turn", async () => {
    const id = newSessionId();
    const running = await send(id, "long fake:text tokens=40 rate=40");
    const body = queued(id, "next one fake:text tokens=3");
    const socket = await TestSocket.open(id);
    const second = await call("/api/chat", { method: "POST", json: body });
    expect(second.status).toBe(200);
    const view = (await getSession(id)).body;
    expect(view.queued.map((m: UIMessage) => m.id)).toEqual([body.messages[0]!.id]);
    await socket.until((frames) => frames.some((f) => f.type === "queue-changed"));

    const [first, next] = await Promise.all([readSse(running.body!), readSse(second.body!)]);
    expect(first.chunks.at(-1)).toMatchObject({ type: "finish" });
    expect(next.chunks[0]).toMatchObject({ type: "start" });
    expect(next.chunks.at(-1)).toMatchObject({ type: "finish" });
    const after = (await getSession(id)).body;
    expect(after.queued).toEqual([]);
    expect(userTexts(after.messages)).toEqual(["long fake:text tokens=40 rate=40", "next one fake:text tokens=3"]);
    expect(after.sequences).toEqual([0, 1, 2, 3]);
    await validateUIMessages({ messages: after.messages });
  });

  it("a queued message survives a crash: it runs after the interrupted turn is continued and ends", async () => {
    const logs = captureLogs(["turn_continued"]);
    const id = newSessionId();
    const running = await send(id, 'crashy fake:slow-tool tool=wait args={"seconds":1}');
    const reading = readSse(running.body!).catch(() => undefined);
    const res = await call(`/api/sessions/${id}/messages`, {
      method: "POST",
      json: { text: "after the crash fake:text tokens=2", onBusy: "queue" },
    });
    expect(res.status).toBe(202);
    expect(await res.json()).toMatchObject({ queued: true, cursor: null });
    await runInDurableObject(sessionObject(id), (_i, state) => state.abort("simulated crash")).catch(() => undefined);
    await reading;
    // The object starts again on the next request: the turn is continued, then the queue runs.
    for (let i = 0; i < 300; i++) {
      const view = (await getSession(id)).body;
      if (view.queued.length === 0 && view.activeStream === null && view.messages.length === 4) break;
      await new Promise((r) => setTimeout(r, 20));
    }
    const view = (await getSession(id)).body;
    expect(userTexts(view.messages)).toEqual(['crashy fake:slow-tool tool=wait args={"seconds":1}', "after the crash fake:text tokens=2"]);
    expect(view.queued).toEqual([]);
    expect(logs.events(id)).toMatchObject([{ event: "turn_continued", turn: 0, recoveries: 1 }]);
  });

  it("a cancelled queued message never runs, and its waiting request learns why", async () => {
    const id = newSessionId();
    const running = await send(id, "long fake:text tokens=40 rate=40");
    const body = queued(id, "never mind fake:text tokens=2");
    const waiting = await call("/api/chat", { method: "POST", json: body });
    const cancel = await call(`/api/sessions/${id}/queue/${body.messages[0]!.id}`, { method: "DELETE" });
    expect(await cancel.json()).toEqual({ cancelled: true });
    const told = await readSse(waiting.body!);
    expect(told.chunks).toEqual([{ type: "error", errorText: "queued_cancelled: The queued message was cancelled before it ran." }]);
    await readSse(running.body!);
    const view = (await getSession(id)).body;
    expect(view.queued).toEqual([]);
    expect(view.messages).toHaveLength(2);
    const again = await call(`/api/sessions/${id}/queue/${body.messages[0]!.id}`, { method: "DELETE" });
    expect(again.status).toBe(404);
  });
});
