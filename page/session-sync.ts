import type { ChatMessage } from "./chat-message";

/** Whether two histories show the same thing: same messages, and the last one with the same parts. */
export function sameHistory(a: readonly ChatMessage[], b: readonly ChatMessage[]): boolean {
  if (a.length !== b.length) return false;
  if (a.some((message, i) => message.id !== b[i]?.id)) return false;
  return sameMessage(a.at(-1), b.at(-1));
}

/**
 * Compared by what is shown (part kinds, states, texts), not by JSON: a message this tab assembled from
 * the stream and the stored copy of it may differ in fields nobody sees, and that must not count.
 */
export function sameMessage(a: ChatMessage | undefined, b: ChatMessage | undefined): boolean {
  if (a === undefined || b === undefined) return a === b;
  return a.id === b.id && fingerprint(a) === fingerprint(b);
}

function fingerprint(message: ChatMessage): string {
  return JSON.stringify(message.parts.map((part) => [part.type, "state" in part ? part.state : null, "text" in part ? part.text : null]));
}
