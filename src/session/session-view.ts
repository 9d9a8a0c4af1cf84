import type { UIMessage } from "ai";
import { finalizeInterruptedToolParts } from "../protocol/close-open-parts";
import type { SessionSummary } from "../protocol/session-summary";
import { NO_USAGE, type TokenUsage, usageOf } from "../protocol/token-usage";
import type { SessionMeta } from "../storage/session-meta-store";
import type { Branches, Siblings } from "./branches";
import type { PendingTool } from "./tool-answers";
import type { Turn } from "./turn";

export type { SessionSummary };

export interface SessionDetails extends SessionSummary {
  /** Tokens used by all turns so far; each assistant message's metadata has its own turn's. */
  usage: TokenUsage;
}

export interface SessionView {
  session: SessionDetails;
  /** Live history, oldest first, ready for `useChat({ messages })`. */
  messages: UIMessage[];
  /** Each message's sequence number in the log, aligned with `messages` (gaps are superseded answers). */
  sequences: number[];
  /** Pass as `before` to get the page of older messages; null when this page starts the session. */
  nextBefore: number | null;
  /**
   * The running turn, if any. Its message is left out of `messages` so a client rebuilds it from
   * the stream without duplicates; `message` is the snapshot so far, for a client that only reads.
   */
  activeStream: { messageId: string; cursor: number; message: UIMessage } | null;
  /**
   * The tool calls of the last answer that wait for a person's approval or a browser tool's output
   * (empty when nothing waits). The message itself is in `messages`, with those parts in
   * `approval-requested` / `input-available`, so a reloaded page or a second device shows the question.
   */
  pendingTools: PendingTool[];
  /**
   * For each message of `messages` (aligned): its siblings when it has any (other versions of an
   * edited message, other answers of a regenerated one), else null. Switch with `PUT .../head { seq }`.
   */
  siblings: (Siblings | null)[];
  /** Sequence of the active branch's last message (its leaf), or null for an empty session. */
  headSeq: number | null;
  /** Messages queued while a turn runs (the `queue` policy), in the order they will run. */
  queued: UIMessage[];
}

export function buildSessionView(deps: {
  meta: SessionMeta;
  branches: Branches;
  turn: Turn | undefined;
  waiting: { messageId: string; pendingTools: PendingTool[] } | undefined;
  queued: UIMessage[];
  limit: number;
  beforeSeq?: number | undefined;
}): SessionView {
  const { meta, turn, waiting } = deps;
  // The active branch, from its first message to its leaf, paged along that path.
  const { messages: shown, hasMore } = deps.branches.page(deps.limit, deps.beforeSeq);
  // The running turn's message is rebuilt by the client from the stream (all of it: for a message
  // that waited for answers, the resume replays it from its first turn).
  const live = shown.filter((m) => m.message.id !== turn?.messageId);
  const messages = live.map((m) =>
    // A tool call without an outcome outside the running turn and the waiting message can never get one: show it as failed.
    m.message.id === waiting?.messageId ? m.message : finalizeInterruptedToolParts(m.message),
  );
  return {
    session: {
      id: meta.id,
      title: meta.title,
      createdAt: meta.createdAt,
      updatedAt: meta.updatedAt,
      usage: (meta.usage && usageOf({ usage: meta.usage })) || NO_USAGE,
    },
    messages,
    sequences: live.map((m) => m.seq),
    siblings: live.map((m) => deps.branches.siblings({ seq: m.seq, parentSeq: m.parentSeq })),
    headSeq: deps.branches.headSeq,
    queued: deps.queued,
    nextBefore: hasMore ? (shown[0]?.seq ?? null) : null,
    activeStream: turn ? { messageId: turn.messageId, cursor: turn.stream.durableThrough, message: turn.snapshot() } : null,
    pendingTools: waiting?.pendingTools ?? [],
  };
}
