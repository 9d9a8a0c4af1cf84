import type { UIMessage } from "ai";
import { addUsage, NO_USAGE, usageOf } from "../protocol/token-usage";
import type { MessageLog } from "../storage/message-log";
import type { SessionMetaStore } from "../storage/session-meta-store";
import type { TurnLog } from "../storage/turn-log";
import type { TurnRecorder } from "./turn";

/** Persists one turn's assistant message and outcome into the session's tables. */
export function turnRecorder(deps: { messages: MessageLog; turns: TurnLog; meta: SessionMetaStore; turnSeq: number }): TurnRecorder {
  return {
    saveMessage(message: UIMessage) {
      deps.messages.update(message, Date.now());
    },
    endTurn(end, message) {
      const at = Date.now();
      // One synchronous block: the final message, the turn record and updatedAt commit together.
      deps.messages.update(message, at);
      deps.turns.end(deps.turnSeq, { ...end, endedAt: at });
      const turnUsage = usageOf(message.metadata);
      const sessionUsage = turnUsage && addUsage(usageOf({ usage: deps.meta.get()?.usage }) ?? NO_USAGE, turnUsage);
      deps.meta.update({ updatedAt: at, ...(sessionUsage ? { usage: sessionUsage } : {}) });
    },
  };
}
