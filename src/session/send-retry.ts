import type { UIMessage } from "ai";
import { type Failure, fail } from "../protocol/error-code";
import type { SessionStore } from "./session-store";
import { canonical } from "./tool-answers";
import type { Turn } from "./turn";

/** A re-sent message's turn: the running stream, or the chunk range of the finished one. */
export interface Retry {
  messageId: string;
  running?: Turn["stream"];
  range?: { first: number; last: number };
}

/**
 * A client that lost its connection right after sending sends the same message again. If it is the
 * message that started the running turn, or the last finished one, the answer is that turn's stream
 * from its start: one turn, whatever the number of tries. The same id with other content is a 409.
 * Undefined: the message is not on the active branch, so it is a new one.
 */
export function retryOf(
  store: Pick<SessionStore, "branches" | "messages" | "turns">,
  running: Turn | undefined,
  message: UIMessage,
): { retry: Retry } | Failure | undefined {
  const { branches, messages, turns } = store;
  const node = branches.findOnPath(message.id);
  if (!node) return undefined;
  const head = branches.headSeq;
  const answer = head === null ? undefined : messages.node(head);
  const stored = messages.bySeq(node.seq)?.message;
  const same = stored && canonical(comparable(stored)) === canonical(comparable(message));
  if (!same || node.role !== "user" || answer?.parentSeq !== node.seq) {
    return fail("message_exists", "A message with this id is already in the session (a retry must repeat the last message exactly).");
  }
  if (running?.messageId === answer.id) return { retry: { messageId: answer.id, running: running.stream } };
  const first = turns.firstOfMessage(answer.id);
  const last = turns.latest();
  if (!first || last?.assistantMessageId !== answer.id || last.lastChunk === null) {
    return fail("message_exists", "A message with this id is already in the session.");
  }
  return { retry: { messageId: answer.id, range: { first: first.firstChunk, last: last.lastChunk } } };
}

/** What a retry must repeat: the message's text and metadata (its files are compared by the parts they became). */
function comparable(message: UIMessage): unknown {
  return { text: message.parts.flatMap((p) => (p.type === "text" ? [p.text] : [])), metadata: message.metadata ?? null };
}
