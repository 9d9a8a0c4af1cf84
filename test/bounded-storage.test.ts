import { evictDurableObject, runDurableObjectAlarm, runInDurableObject } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { MessageAssembler } from "../src/protocol/message-assembler";
import { FRAME_OVERHEAD_BYTES } from "../src/session/socket-output";
import { CHECKPOINT_AFTER } from "../src/session/turn";
import { MAX_INLINE_CHARS } from "../src/storage/message-log";
import { call, getSession, newSessionId, send } from "./support/api";
import { captureLogs } from "./support/capture-logs";
import { sessionObject } from "./support/session-object";
import { type Frame, resumeFrame, sendFrame, TestSocket } from "./support/socket";
import { readSse } from "./support/sse";
import { expectConsistentTurn, toolParts } from "./support/turn-checks";

describe("bounded storage", () => {
  it("prunes a finished turn's chunk log after the retention period, by alarm, without touching messages", async () => {
    const id = newSessionId();
    const read = await readSse((await send(id, "keep me a while fake:text tokens=20")).body!);
    const before = (await getSession(id)).body;
    expect((await call(`/api/chat/${id}/stream?cursor=${read.ids[0]}`)).status).toBe(200);

    // Eight days pass (the default retention is seven): backdate the turn's end, then let the alarm run.
    await runInDurableObject(sessionObject(id), (_instance, state) => {
      state.storage.sql.exec("UPDATE turns SET ended_at = ended_at - ?", 8 * 24 * 3_600_000);
    });
    await runDurableObjectAlarm(sessionObject(id));

    const expired = await call(`/api/chat/${id}/stream?cursor=${read.ids[0]}`);
    expect(expired.status).toBe(400);
    expect((await expired.json<any>()).error.code).toBe("invalid_cursor");
    const rows = await runInDurableObject(
      sessionObject(id),
      (_i, state) => state.storage.sql.exec("SELECT count(*) AS n FROM chunk_batches").one().n,
    );
    expect(rows).toBe(0);
    expect((await getSession(id)).body.messages).toEqual(before.messages);
  });

  it("a huge tool output (a 5 MB page) is cut with a visible marker, never failing the turn", async () => {
    const id = newSessionId();
    const url = "https://pages.example/_fake/page?chars=5000000";
    const read = await readSse((await send(id, `fake:tool tool=fetch_url args={"url":"${url}","maxChars":90000}`)).body!);
    const message = await expectConsistentTurn(id, read.chunks);
    const output = toolParts(message)[0] as { state: string; output: { truncated: boolean; text: string } };
    expect(output.state).toBe("output-available");
    expect(output.output.truncated).toBe(true);
    expect(output.output.text.length).toBe(90_000);
  });

  it("an assistant message larger than SQLite's 2 MB row limit is stored split and read back whole", async () => {
    const logs = captureLogs(["agent_failure", "turn_failed"]);
    const id = newSessionId();
    const url = "https://pages.example/_fake/page?chars=200000";
    const calls = 30;
    const args = Array.from({ length: calls }, (_, i) => `args${i + 1}={"url":"${url}&n=${i}","maxChars":90000}`).join(" ");
    const read = await readSse((await send(id, `fake:tools-parallel tools=${Array(calls).fill("fetch_url").join(",")} ${args}`)).body!);
    const message = await expectConsistentTurn(id, read.chunks);
    expect(toolParts(message).map((p) => p.state)).toEqual(Array(calls).fill("output-available"));
    expect(logs.events(id).map((e) => [e.event, e.code])).toEqual([
      ["agent_failure", "context_too_long"],
      ["turn_failed", "context_too_long"],
    ]);
    // ~2.7 MB of parts: over the row limit, so it went to message_pieces, and came back whole above.
    expect(JSON.stringify(message.parts).length).toBeGreaterThan(2_000_000);
    const pieces = await runInDurableObject(
      sessionObject(id),
      (_i, state) => state.storage.sql.exec("SELECT count(*) AS n FROM message_pieces").one().n,
    );
    expect(pieces).toBeGreaterThanOrEqual(4);
    // 2.7 MB of tool output is more than the model's window can take back: the turn ends there, with
    // context_too_long, after every result was stored (which is what this test is about).
    expect(logs.events(id)).toMatchObject([
      { event: "agent_failure", code: "context_too_long" },
      { event: "turn_failed", code: "context_too_long" },
    ]);
  });

  it("stats count every row a save writes, the message_pieces of a split message included", async () => {
    // The answer step quoting ~630K characters is refused as too long, on purpose (see below).
    const logs = captureLogs(["agent_failure", "turn_failed"]);
    const id = newSessionId();
    const calls = 7;
    const args = Array.from(
      { length: calls },
      (_, i) => `args${i + 1}={"url":"https://pages.example/_fake/page?chars=200000&n=${i}","maxChars":90000}`,
    ).join(" ");
    // The answer step would quote the ~630K characters of results back as text, saved by the clock
    // (every 2 s); a small max_context refuses it, so every save follows a chunk this test sees.
    const tools = Array(calls).fill("fetch_url").join(",");
    const read = await readSse((await send(id, `fake:tools-parallel tools=${tools} ${args} max_context=50000`)).body!);
    const message = await expectConsistentTurn(id, read.chunks);
    expect(toolParts(message).map((p) => p.state)).toEqual(Array(calls).fill("output-available"));
    expect(logs.events(id).map((e) => [e.event, e.code])).toEqual([
      ["agent_failure", "context_too_long"],
      ["turn_failed", "context_too_long"],
    ]);

    // Replays the saves: a checkpoint after each chunk of CHECKPOINT_AFTER, then the final save. Each
    // writes the message row, deletes the pieces of the save before and inserts its own.
    const piecesOf = (parts: unknown) => {
      const chars = JSON.stringify(parts).length;
      return chars <= MAX_INLINE_CHARS ? 0 : Math.ceil(chars / MAX_INLINE_CHARS);
    };
    const assembler = new MessageAssembler({ messageId: message.id });
    const saves: number[] = [];
    for (const chunk of read.chunks) {
      assembler.apply(chunk);
      if (CHECKPOINT_AFTER.has(chunk.type)) saves.push(piecesOf(assembler.message.parts));
    }
    saves.push(piecesOf(message.parts));
    expect(saves.at(-1)).toBeGreaterThanOrEqual(2);
    const rows = saves.reduce((sum, pieces, i) => sum + 1 + (saves[i - 1] ?? 0) + pieces, 0);

    const stats = await call(`/api/sessions/${id}/stats`).then((r) => r.json<any>());
    // At least those rows (SQLite's own count, which also counts an insert's primary-key index entry;
    // and a text delta over 2 s into the turn may add a checkpoint). Without the pieces it would be
    // one row per save: saves.length.
    expect(stats.messageRowsWritten).toBeGreaterThanOrEqual(rows);
    expect(rows).toBeGreaterThan(saves.length);
  });

  it("messageRowsWritten counts every write of the message log: the user and assistant inserts too, not only saves", async () => {
    const id = newSessionId();
    await readSse((await send(id, "count me fake:text tokens=2")).body!);
    const stats = await call(`/api/sessions/${id}/stats`).then((r) => r.json<any>());
    // The user message's insert, the empty assistant message's insert, and the final save: each at
    // least one row. Counting only saves gives 1.
    expect(stats.messageRowsWritten).toBeGreaterThanOrEqual(3);
  });

  it("a session of thousands of messages pages without reading the whole log, and keeps counting densely", async () => {
    const id = newSessionId();
    await readSse((await send(id, "seed fake:text tokens=2")).body!);
    // Thousands of earlier messages, written straight into the log (through the public API this would take minutes).
    await runInDurableObject(sessionObject(id), (_i, state) => {
      const at = Date.now();
      for (let seq = 2; seq < 5_002; seq++) {
        const role = seq % 2 === 0 ? "user" : "assistant";
        state.storage.sql.exec(
          "INSERT INTO messages (seq, id, role, parts, metadata, superseded_by, parent_seq, created_at, updated_at, pieces) VALUES (?, ?, ?, ?, NULL, NULL, ?, ?, ?, 0)",
          seq,
          `seeded-${seq}`,
          role,
          JSON.stringify([{ type: "text", text: `message ${seq}` }]),
          seq - 1,
          at,
          at,
        );
      }
      // One branch: the last seeded message is the head.
      state.storage.sql.exec("UPDATE session_meta SET head_seq = ?", 5_001);
    });
    // The object caches its meta row: it reads the seeded head when it starts again.
    await runInDurableObject(sessionObject(id), (_i, state) => state.abort("restart")).catch(() => undefined);
    const page = (await call(`/api/sessions/${id}?limit=50`).then((r) => r.json<any>())) as { sequences: number[]; nextBefore: number };
    expect(page.sequences).toEqual(Array.from({ length: 50 }, (_, i) => 4_952 + i));
    const older = await call(`/api/sessions/${id}?limit=50&before=${page.nextBefore}`).then((r) => r.json<any>());
    expect(older.sequences).toEqual(Array.from({ length: 50 }, (_, i) => 4_902 + i));
    // A new turn after the object restarted continues at the next sequence number, and is answered:
    // its context is the whole branch of 5,000 messages (loaded in batches of bound parameters).
    const next = await readSse((await send(id, "after thousands fake:text tokens=2")).body!);
    expect(next.chunks.filter((c) => c.type === "error")).toEqual([]);
    expect(next.chunks.at(-1)).toMatchObject({ type: "finish" });
    const last = await call(`/api/sessions/${id}?limit=2`).then((r) => r.json<any>());
    expect(last.sequences).toEqual([5_002, 5_003]);
  });
});

describe("slow clients", () => {
  it("a follower that never reads neither slows the turn nor loses anything: it catches up from the log later", async () => {
    const id = newSessionId();
    const res = await send(id, "fast and long fake:text tokens=3000");
    const stalled = await call(`/api/chat/${id}/stream`);
    expect(stalled.status).toBe(200);
    // The sender reads to the end while the other follower reads nothing at all.
    const full = await readSse(res.body!);
    expect(full.chunks.at(-1)).toMatchObject({ type: "finish" });
    expect((await getSession(id)).body.activeStream).toBeNull();
    // Now the stalled follower reads: everything, in order, from its own start, then [DONE].
    const late = await readSse(stalled.body!);
    expect(late.events).toEqual(full.events);
    expect(late.sawDone).toBe(true);
  });

  it("a WebSocket that keeps asking for replays is closed at its output limit, slowing nothing; it resumes by lastSequence", async () => {
    const id = newSessionId();
    const steady = await TestSocket.open(id);
    const greedy = await TestSocket.open(id);
    const sender = await send(id, "long and paced fake:text tokens=3000 rate=600");
    const senderRead = readSse(sender.body!);
    steady.send(resumeFrame("steady", id));
    await steady.until((frames) => chunksOf(frames, "steady").length >= 300);
    // workerd cannot tell the server whether a client reads (no bufferedAmount), so what is bounded is
    // what a socket is sent: a client that asks for the turn again and again, reading or not, passes it.
    let asks = 0;
    while (!greedy.closed && asks < 100) {
      const requestId = `ask-${asks++}`;
      greedy.send(resumeFrame(requestId, id));
      await greedy.until((frames) => frames.some((f) => f.requestId === requestId));
    }
    expect(greedy.closed).toEqual({ code: 4008, reason: expect.stringMatching(/resume/) });
    expect(estimatedBytes(greedy)).toBeLessThanOrEqual(SOCKET_OUTPUT_LIMIT_BYTES);

    // It reconnects and asks for what follows the last sequence its first request got.
    const seen = chunksOf(greedy.frames, "ask-0");
    const again = await TestSocket.open(id);
    again.send(resumeFrame("again", id, seen.at(-1)!.sequence));
    const rest = await again.untilRequestEnds("again");
    expect(rest.at(-1)).toEqual({ type: "end", requestId: "again" });

    // The turn and the socket that asked once were not disturbed.
    const full = await senderRead;
    expect(full.chunks.at(-1)).toMatchObject({ type: "finish" });
    expect([...seen, ...chunksOf(rest, "again")].map((f) => f.chunk)).toEqual(full.chunks);
    const steadyFrames = await steady.untilRequestEnds("steady");
    expect(chunksOf(steadyFrames, "steady").map((f) => f.chunk)).toEqual(full.chunks);
    expect(steadyFrames.at(-1)).toEqual({ type: "end", requestId: "steady" });
    expect(steady.closed).toBeUndefined();
  });

  it("a socket's output count survives hibernation: the allowance is per socket, not per wake-up", async () => {
    const id = newSessionId();
    const socket = await TestSocket.open(id);
    // Gets only the session's turn events, so it stays far below the limit and says when the turn ended.
    const watcher = await TestSocket.open(id);
    // block=1: a text part per token, so deltas never merge and each token costs 3 frames, whatever the timing.
    socket.send(sendFrame("first", id, "a fifth of the allowance fake:text tokens=235 block=1"));
    await socket.untilRequestEnds("first");
    expect(socket.closed).toBeUndefined();
    await evictDurableObject(sessionObject(id), { webSockets: "hibernate" });
    // About 3,400 frames: alone they fit the 4 MiB allowance, on top of the first turn's they do not.
    socket.send(sendFrame("second", id, "the rest of it fake:text tokens=1135 block=1"));
    await socket.untilRequestEnds("second");
    expect(socket.closed?.code).toBe(4008);
    expect(estimatedBytes(socket)).toBeLessThanOrEqual(SOCKET_OUTPUT_LIMIT_BYTES);
    // The turn itself went on to its end and was saved whole.
    await watcher.until((frames) => frames.filter((f) => f.type === "turn-ended").length === 2);
    const { body } = await getSession(id);
    expect(body.activeStream).toBeNull();
    expect(body.messages).toHaveLength(4);
    expect(body.messages[3].parts.at(-1)).toMatchObject({ type: "text", state: "done" });
  });
});

/** SOCKET_OUTPUT_LIMIT_BYTES in vitest.config.ts */
const SOCKET_OUTPUT_LIMIT_BYTES = 4 * 1024 * 1024;

/** What the server counted against the socket's allowance for the frames it received. */
function estimatedBytes(socket: TestSocket): number {
  return socket.receivedChars + socket.frames.length * FRAME_OVERHEAD_BYTES;
}

function chunksOf(frames: readonly Frame[], requestId: string): Frame[] {
  return frames.filter((f) => f.requestId === requestId && f.type === "chunk");
}
