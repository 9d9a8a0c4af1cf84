import type { ChunkLog } from "../storage/chunk-log";
import type { CompactionLog } from "../storage/compaction-log";
import type { MessageLog } from "../storage/message-log";
import type { MessageQueue } from "../storage/message-queue";
import type { SessionMetaStore } from "../storage/session-meta-store";
import type { TurnLog } from "../storage/turn-log";
import type { Branches } from "./branches";

/** The session's repositories, as one value the parts of the session share. */
export interface SessionStore {
  meta: SessionMetaStore;
  messages: MessageLog;
  turns: TurnLog;
  compactions: CompactionLog;
  chunks: ChunkLog;
  branches: Branches;
  queue: MessageQueue;
}
