import { evictDurableObject, runDurableObjectAlarm, runInDurableObject } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import type { ChatSession } from "../src/session/chat-session";
import { call, getSession, newSessionId, send } from "./support/api";
import { captureLogs } from "./support/capture-logs";
import { sessionObject } from "./support/session-object";
import { readSse } from "./support/sse";
import { expectConsistentTurn, textOf, toolParts } from "./support/turn-checks";

async function partialRead(res: Response, stopWhen: (types: string[]) => boolean) {
  const types: string[] = [];
  const reader = res.body!.pipeThrough(new TextDecoderStream()).getReader();
  let text = "";
  while (!stopWhen(types)) {
    const { value, done } = await reader.read();
    if (done) break;
    text += value;
    for (const match of value.matchAll(/"type":"([a-z-]+)"/g)) types.push(match[1]!);
  }
  await reader.cancel();
  return text;
}

/** The chunks a client saw before it dropped, parsed from raw SSE text cut at a frame boundary. */
function framesOf(text: string) {
  const frames = text.split("\n\n").filter((f) => f.startsWith("id: "));
  return frames.map((f) => ({ id: Number(f.split("\n")[0]!.slice(4)), chunk: JSON.parse(f.split("\n")[1]!.slice(6)) }));
}

/**
 * A crash of exactly this object: in-memory state is gone, in-flight work is dropped, storage stays.
 * (A deploy's restart ends the same way once its grace period is over.)
 */
async function crash(id: string) {
  await runInDurableObject(sessionObject(id), (_instance, state) => state.abort("simulated crash")).catch(() => undefined);
  // A stub that saw its object abort is broken for good; the next caller gets a fresh one.
  return sessionObject(id);
}

describe("turns survive crashes, restarts and eviction", () => {
  it("evicted mid-turn: eviction drains the running turn, then the alarm finds nothing orphaned; nothing is lost", async () => {
    const id = newSessionId();
    const seen = framesOf(await partialRead(await send(id, "graceful fake:text tokens=60 rate=60"), (t) => t.includes("text-delta")));
    const stub = sessionObject(id);
    await evictDurableObject(stub);
    await runDurableObjectAlarm(stub);
    const rest = await readSse((await call(`/api/chat/${id}/stream?cursor=${seen.at(-1)!.id}`)).body!);
    const all = [...seen.map((f) => f.chunk), ...rest.chunks];
    expect(all.at(-1)).toEqual({ type: "finish", finishReason: "stop" });
    await expectConsistentTurn(id, all);
  });

  it("crashed mid-text: the alarm continues the same assistant message from the log, and a resuming follower sees finish", async () => {
    const logs = captureLogs(["turn_continued"]);
    const id = newSessionId();
    const seen = framesOf(
      await partialRead(
        await send(id, "a long answer fake:text tokens=400 rate=40"),
        (t) => t.filter((x) => x === "text-delta").length >= 5,
      ),
    );
    await runDurableObjectAlarm(await crash(id));

    const rest = await readSse((await call(`/api/chat/${id}/stream?cursor=${seen.at(-1)!.id}`)).body!);
    expect(rest.sawDone).toBe(true);
    const all = [...seen.map((f) => f.chunk), ...rest.chunks];
    const ids = [...seen.map((f) => f.id), ...rest.ids];
    expect(ids).toEqual(ids.map((_, i) => ids[0]! + i)); // dense: no gap, no duplicate
    expect(all.at(-1)).toEqual({ type: "finish", finishReason: "stop" });
    const message = await expectConsistentTurn(id, all);
    // The interrupted step was closed and a second model call continued the same message.
    expect(message.parts.filter((p) => p.type === "step-start")).toHaveLength(2);
    expect(textOf(message)).toContain("Echo: [Your previous answer was interrupted");
    // The session is free again.
    const next = await send(id, "next fake:text tokens=2");
    expect(next.status).toBe(200);
    await readSse(next.body!);
    expect(logs.events(id)).toMatchObject([{ event: "turn_continued", turn: 0, recoveries: 1 }]);
  });

  it("crashed mid-tool: the call gets exactly one (error) outcome and the model carries on after it", async () => {
    const logs = captureLogs(["turn_continued"]);
    const id = newSessionId();
    const seen = framesOf(
      await partialRead(await send(id, 'fake:slow-tool tool=wait args={"seconds":3,"steps":30}'), (t) => t.includes("data-progress")),
    );
    await runDurableObjectAlarm(await crash(id));
    const rest = await readSse((await call(`/api/chat/${id}/stream?cursor=${seen.at(-1)!.id}`)).body!);
    const all = [...seen.map((f) => f.chunk), ...rest.chunks];
    const message = await expectConsistentTurn(id, all);
    expect(toolParts(message)[0]).toMatchObject({
      state: "output-error",
      errorText: "Tool call was interrupted: The turn was interrupted by a server restart.",
    });
    expect(textOf(message)).toContain("Tool wait failed:");
    expect(logs.events(id)).toMatchObject([{ event: "turn_continued", turn: 0, recoveries: 1 }]);
  });

  it("a turn is continued after each of its first two crashes and ended at the third (a crash-loop guard)", async () => {
    const logs = captureLogs(["turn_interrupted", "turn_failed", "turn_continued"]);
    const id = newSessionId();
    // A wait in every step (cut at the tests' 2.5 s tool limit), for up to 20 steps: the turn is
    // running, inside a tool call, whenever this test crashes its object.
    const prompt = 'crash loop fake:slow-tool tool=wait args={"seconds":60,"steps":60} calls=20';
    const calls = (text: string) => framesOf(text).filter((f) => f.chunk.type === "tool-input-available").length;
    const first = await partialRead(await send(id, prompt), (t) => t.includes("tool-input-available"));
    const start = framesOf(first)[0]!;
    let seen = calls(first);
    for (const crashes of [1, 2]) {
      await runDurableObjectAlarm(await crash(id));
      // Continued: the same turn runs on, and its next step calls the tool again.
      expect((await getSession(id)).body.activeStream, `after crash ${crashes}`).not.toBeNull();
      const more = seen + 1;
      seen = calls(
        await partialRead(await call(`/api/chat/${id}/stream`), (t) => t.filter((x) => x === "tool-input-available").length >= more),
      );
      expect(seen).toBeGreaterThanOrEqual(more);
    }
    await runDurableObjectAlarm(await crash(id));
    expect((await getSession(id)).body.activeStream).toBeNull();
    const replay = await readSse((await call(`/api/chat/${id}/stream?cursor=${start.id}`)).body!);
    const all = [start.chunk, ...replay.chunks];
    expect(all.slice(-2)).toEqual([
      { type: "error", errorText: "The turn was interrupted by a server restart." },
      { type: "finish", finishReason: "error" },
    ]);
    const message = await expectConsistentTurn(id, all);
    // One model step per run of the turn: the first, then one per continuation.
    expect(message.parts.filter((p) => p.type === "step-start").length).toBeGreaterThanOrEqual(3);
    expect(logs.events(id)).toMatchObject([
      { event: "turn_continued", turn: 0, recoveries: 1 },
      { event: "turn_continued", turn: 0, recoveries: 2 },
      { event: "turn_interrupted", turn: 0, recoveries: 2 },
      { event: "turn_failed", turn: 0, code: "turn_interrupted" },
    ]);
    // The session takes a new message at once.
    const next = await send(id, "after the loop fake:text tokens=2");
    expect(next.status).toBe(200);
    expect((await readSse(next.body!)).chunks.at(-1)).toEqual({ type: "finish", finishReason: "stop" });
  });

  it("the alarm's watchdog ends a turn that has made no progress past every bound, with an error and finish", async () => {
    const logs = captureLogs(["turn_watchdog", "turn_failed"]);
    const id = newSessionId();
    const reading = readSse((await send(id, "stuck fake:text tokens=400 rate=20")).body!);
    await partialRead(await call(`/api/chat/${id}/stream`), (t) => t.includes("text-delta"));
    // As if nothing had come out of this turn for an hour (a bug past the stall and tool limits). The
    // alarm runs in the same callback: its check is synchronous, so no delta of the still-running
    // stream (one every 50 ms) can land in between and make the turn look alive again.
    expect(await runInDurableObject(sessionObject(id), (_i, state) => state.storage.getAlarm())).toEqual(expect.any(Number));
    await runInDurableObject(sessionObject(id), async (instance: ChatSession) => {
      const internals = instance as unknown as { turns: { current: { stream: { lastAppendAt: number } } } };
      internals.turns.current.stream.lastAppendAt = Date.now() - 3_600_000;
      await instance.alarm();
    });
    const read = await reading;
    expect(read.chunks.slice(-2)).toEqual([
      { type: "error", errorText: "The turn stopped making progress." },
      { type: "finish", finishReason: "error" },
    ]);
    await expectConsistentTurn(id, read.chunks);
    expect(logs.events(id)).toMatchObject([
      { event: "turn_watchdog", turn: 0 },
      { event: "turn_failed", turn: 0, code: "turn_interrupted" },
    ]);
  });

  it("keeps an alarm set while a turn runs (heartbeat and watchdog), and none is left for a session without kept chunks", async () => {
    const id = newSessionId();
    const res = await send(id, "alarm fake:text tokens=200 rate=40");
    const reading = readSse(res.body!);
    const stub = sessionObject(id);
    const during = await runInDurableObject(stub, (_i, state) => state.storage.getAlarm());
    expect(during).toEqual(expect.any(Number));
    await call(`/api/chat/${id}/stop`, { method: "POST" });
    await reading;
    await call(`/api/sessions/${id}`, { method: "DELETE" });
    const after = await runInDurableObject(stub, (_i, state) => state.storage.getAlarm());
    expect(after).toBeNull();
  });
});
