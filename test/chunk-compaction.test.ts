import { runInDurableObject } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { call, getSession, newSessionId, send } from "./support/api";
import { sessionObject } from "./support/session-object";
import { assembleChunks, readSse } from "./support/sse";

/** Paced, so the live stream is written as many rows (the fake paces tokens; no timing is asserted). */
const PACED = "fake:text tokens=60 rate=200";

/** Rows of the chunk log, and which of them are compressed, read inside the session's object. */
async function chunkRows(id: string) {
  return runInDurableObject(sessionObject(id), async (_instance, state) =>
    state.storage.sql
      .exec<{ seq: number; count: number; compressed: number }>(
        "SELECT seq, count, typeof(body) = 'blob' AS compressed FROM chunk_batches ORDER BY seq",
      )
      .toArray(),
  );
}

describe("finished turns are compacted", () => {
  it("a finished turn keeps one compressed row, and a resume from every cursor returns the live bytes after it", async () => {
    const id = newSessionId();
    const live = await readSse((await send(id, `compact ${PACED}`)).body!);
    expect(live.sawDone).toBe(true);
    // Live, text deltas that arrived together were merged: fewer chunks than the 60 deltas.
    expect(live.chunks.filter((c) => c.type === "text-delta").length).toBeLessThan(60);

    const rows = await chunkRows(id);
    const turnRows = rows.filter((r) => r.seq >= live.ids[0]!);
    expect(turnRows).toEqual([{ seq: live.ids[0]!, count: live.ids.length, compressed: 1 }]);

    for (let k = 0; k < live.ids.length - 1; k++) {
      const resumed = await readSse((await call(`/api/chat/${id}/stream?cursor=${live.ids[k]}`)).body!);
      expect(resumed.events, `cursor ${live.ids[k]}`).toEqual(live.events.slice(k + 1));
      expect(resumed.sawDone).toBe(true);
    }
    const stored = (await getSession(id)).body.messages.at(-1);
    expect(stored).toEqual(await assembleChunks(live.chunks));
  });

  it("a second turn's rows are compacted on their own, and both turns still resume", async () => {
    const id = newSessionId();
    const first = await readSse((await send(id, `one ${PACED}`)).body!);
    const second = await readSse((await send(id, `two ${PACED}`)).body!);
    const rows = await chunkRows(id);
    expect(rows.map((r) => r.seq)).toEqual([first.ids[0], second.ids[0]]);
    expect(rows.every((r) => r.compressed === 1)).toBe(true);
    const a = await readSse((await call(`/api/chat/${id}/stream?cursor=${first.ids[2]}`)).body!);
    const b = await readSse((await call(`/api/chat/${id}/stream?cursor=${second.ids[0]}`)).body!);
    expect(a.events).toEqual(first.events.slice(3));
    expect(b.events).toEqual(second.events.slice(1));
  });
});
