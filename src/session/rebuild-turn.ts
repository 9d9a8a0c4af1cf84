import type { UIMessage, UIMessageChunk } from "ai";
import { uiMessageChunkSchema } from "ai";
import { asApprovalResponse } from "../protocol/approval-record";
import { MessageAssembler } from "../protocol/message-assembler";
import type { ChunkLog } from "../storage/chunk-log";

/** chunks read per page while rebuilding an interrupted turn */
const PAGE = 1_000;

/**
 * Rebuilds an interrupted turn's message from its durable chunks: exactly what every follower had
 * seen, so closing or continuing it produces a stream that clients accept as one. A turn that
 * continues a message that waited for answers (`messageFirstChunk` before its own first chunk) starts
 * from the message as its earlier turns built it, as the client's own continuation does.
 */
export async function rebuildTurn(
  log: ChunkLog,
  firstChunk: number,
  messageId: string,
  messageFirstChunk = firstChunk,
): Promise<{ assembler: MessageAssembler; lastChunk: number; base?: UIMessage }> {
  let assembler = new MessageAssembler({ messageId });
  let base: UIMessage | undefined;
  if (messageFirstChunk < firstChunk) {
    await replay(log, assembler, messageFirstChunk, firstChunk - 1);
    base = assembler.message;
    assembler = new MessageAssembler({ message: base });
  }
  const lastChunk = log.lastSeqFrom(firstChunk);
  await replay(log, assembler, firstChunk, lastChunk);
  return { assembler, lastChunk, ...(base ? { base } : {}) };
}

async function replay(log: ChunkLog, assembler: MessageAssembler, from: number, through: number): Promise<void> {
  for (let page = from; page <= through; page += PAGE) {
    for (const line of log.read(page, Math.min(through, page + PAGE - 1))) {
      // Our own log, but parsed all the same: a row written by an older version must not poison recovery.
      const parsed = await uiMessageChunkSchema().validate!(JSON.parse(line));
      if (!parsed.success) continue;
      const chunk = parsed.value as UIMessageChunk;
      assembler.apply(chunk);
      // As the live turn does (turn.ts): a decision record is applied as an approval response.
      const response = asApprovalResponse(chunk);
      if (response) assembler.apply(response);
    }
  }
}
