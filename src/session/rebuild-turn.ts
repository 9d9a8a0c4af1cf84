import type { UIMessageChunk } from "ai";
import { uiMessageChunkSchema } from "ai";
import { MessageAssembler } from "../protocol/message-assembler";
import type { ChunkLog } from "../storage/chunk-log";

/** chunks read per page while rebuilding an interrupted turn */
const PAGE = 1_000;

/**
 * Rebuilds an interrupted turn's message from its durable chunks: exactly what every follower had
 * seen, so closing or continuing it produces a stream that clients accept as one.
 */
export async function rebuildTurn(
  log: ChunkLog,
  firstChunk: number,
  messageId: string,
): Promise<{ assembler: MessageAssembler; lastChunk: number }> {
  const assembler = new MessageAssembler({ messageId });
  const lastChunk = log.lastSeqFrom(firstChunk);
  for (let from = firstChunk; from <= lastChunk; from += PAGE) {
    for (const line of log.read(from, Math.min(lastChunk, from + PAGE - 1))) {
      // Our own log, but parsed all the same: a row written by an older version must not poison recovery.
      const parsed = await uiMessageChunkSchema().validate!(JSON.parse(line));
      if (parsed.success) assembler.apply(parsed.value as UIMessageChunk);
    }
  }
  return { assembler, lastChunk };
}
