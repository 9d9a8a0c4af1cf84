import { describe, expect, it } from "vitest";
import { call, getSession, newSessionId, send } from "./support/api";
import { assembleChunks, readSse } from "./support/sse";

/** A turn slow enough that followers can join while it runs (the fake paces tokens; no timing is asserted). */
const SLOW = "fake:text tokens=40 rate=40";

describe("followers and resume", () => {
  it("204 when no turn runs", async () => {
    const id = newSessionId();
    await readSse((await send(id, "quick fake:text tokens=2")).body!);
    const res = await call(`/api/chat/${id}/stream`);
    expect(res.status).toBe(204);
    expect(await res.text()).toBe("");
  });

  it("three live followers, a late joiner and a Last-Event-ID resumer all end with the stored message", async () => {
    const id = newSessionId();
    const sender = await send(id, `followers ${SLOW}`);
    const followers = await Promise.all([1, 2, 3].map(() => call(`/api/chat/${id}/stream`)));
    for (const f of followers) expect(f.status).toBe(200);

    // A resumer: reads a few chunks, drops, and comes back with Last-Event-ID.
    const first = await readSse((await call(`/api/chat/${id}/stream`)).body!, { stopAfter: 5 });
    const lastId = first.ids.at(-1)!;
    const resumed = await call(`/api/chat/${id}/stream`, { headers: { "last-event-id": String(lastId) } });
    expect(resumed.status).toBe(200);

    const reads = await Promise.all([sender, ...followers].map((r) => readSse(r.body!)));
    const resumedRead = await readSse(resumed.body!);
    // Late joiner: the turn has finished by now, so it resumes with the cursor of the start chunk.
    const late = await readSse((await call(`/api/chat/${id}/stream?cursor=${reads[0]!.ids[0]}`)).body!);

    const expected = reads[0]!;
    for (const read of reads) {
      expect(read.events).toEqual(expected.events);
      expect(read.sawDone).toBe(true);
    }
    // The resumer got exactly what came after its cursor: no gap, no duplicate.
    expect([...first.events, ...resumedRead.events]).toEqual(expected.events);
    expect(late.events).toEqual(expected.events.slice(1));

    const stored = (await getSession(id)).body.messages.at(-1);
    expect(stored).toEqual(await assembleChunks(expected.chunks));
    expect(await assembleChunks([...first.chunks, ...resumedRead.chunks])).toEqual(stored);
  });

  it("a follower that joins mid-turn gets the replay from start, then live, without duplicates", async () => {
    const id = newSessionId();
    const sender = await send(id, `mid-turn ${SLOW}`);
    const senderRead = readSse(sender.body!);
    // Wait until the turn is visibly running with some output, through the public API.
    let running = false;
    for (let i = 0; i < 200 && !running; i++) {
      const { body } = await getSession(id);
      running = body.activeStream !== null && body.activeStream.cursor > 3;
      if (!running) await new Promise((r) => setTimeout(r, 10));
    }
    expect(running).toBe(true);
    const joiner = await readSse((await call(`/api/chat/${id}/stream`)).body!);
    const full = await senderRead;
    expect(joiner.chunks[0]).toMatchObject({ type: "start" });
    expect(joiner.events).toEqual(full.events);
  });

  it("a turn finishes and is saved after every client disconnected", async () => {
    const id = newSessionId();
    const partial = await readSse((await send(id, `abandoned ${SLOW}`)).body!, { stopAfter: 3 });
    expect(partial.chunks[0]).toMatchObject({ type: "start" });
    // Nobody is attached now. Poll the public API until the turn is done.
    let body: any;
    for (let i = 0; i < 500; i++) {
      body = (await getSession(id)).body;
      if (body.activeStream === null) break;
      await new Promise((r) => setTimeout(r, 20));
    }
    expect(body.activeStream).toBeNull();
    const answer = body.messages.at(-1);
    expect(answer.role).toBe("assistant");
    const text = answer.parts
      .filter((p: { type: string }) => p.type === "text")
      .map((p: { text: string }) => p.text)
      .join("");
    expect(text.split(/\s+/).filter(Boolean).length).toBeGreaterThanOrEqual(40);
    // And the whole turn can still be read back from the log through a cursor.
    const rest = await readSse((await call(`/api/chat/${id}/stream?cursor=${partial.ids.at(-1)}`)).body!);
    expect(await assembleChunks([...partial.chunks, ...rest.chunks])).toEqual(answer);
  });

  it("sends heartbeats as SSE comments while the model is slow", async () => {
    const id = newSessionId();
    // One token per second against a 300 ms heartbeat interval (set in vitest.config.ts).
    const read = await readSse((await send(id, "slow fake:text tokens=3 rate=1")).body!);
    expect(read.comments).toContain("heartbeat");
    expect(read.chunks.at(-1)).toMatchObject({ type: "finish" });
  });
});
