import type { UIMessage } from "ai";
import type { MessageLog, MessageNode, StoredMessage } from "../storage/message-log";
import type { SessionMetaStore } from "../storage/session-meta-store";

/** Where a message stands among its siblings (the messages that follow the same one), for "‹ 2 / 3 ›". */
export interface Siblings {
  /** 0-based position of this message among its siblings, oldest first */
  index: number;
  count: number;
  /** Sequence of each sibling, oldest first: pass one to the head route to switch to its branch. */
  seqs: number[];
  ids: string[];
}

/**
 * The session's branches: which leaf is active (the head, kept in session meta), the path to it, and
 * where a new message goes. Writes are synchronous, inside the caller's admission block.
 */
export class Branches {
  constructor(
    private readonly messages: MessageLog,
    private readonly meta: SessionMetaStore,
  ) {}

  get headSeq(): number | null {
    return this.meta.get()?.headSeq ?? null;
  }

  /** The active path, oldest first (the whole of it: the model's context is built from it). */
  path(): StoredMessage[] {
    const head = this.headSeq;
    return head === null ? [] : this.messages.load(this.messages.pathNodes(head)).reverse();
  }

  /** A page of the active path, oldest first: the `limit` messages before `beforeSeq` (a seq on the path), or the newest. */
  page(limit: number, beforeSeq?: number): { messages: StoredMessage[]; hasMore: boolean } {
    const head = this.headSeq;
    if (head === null) return { messages: [], hasMore: false };
    let start: number | null = head;
    if (beforeSeq !== undefined) {
      const node = this.onPath(beforeSeq);
      start = node ? node.parentSeq : null;
    }
    if (start === null) return { messages: [], hasMore: false };
    const nodes = this.messages.pathNodes(start, limit + 1);
    return { messages: this.messages.load(nodes.slice(0, limit)).reverse(), hasMore: nodes.length > limit };
  }

  /** The message with this sequence if it is on the active path. */
  onPath(seq: number): MessageNode | undefined {
    const head = this.headSeq;
    return head === null ? undefined : this.messages.pathNodes(head).find((node) => node.seq === seq);
  }

  /** The message with this id on the active path (ids are unique on a path). */
  findOnPath(id: string): MessageNode | undefined {
    const head = this.headSeq;
    // Most sends carry a new id: one index lookup answers them without walking the path.
    if (head === null || !this.messages.has(id)) return undefined;
    return this.messages.pathNodes(head).find((node) => node.id === id);
  }

  /** Appends after the head and makes the new message the head. */
  extend(message: UIMessage, at: number): number {
    return this.appendAfter(this.headSeq, message, at);
  }

  /** Appends after `parentSeq` (a new branch when that message already has a child) and makes it the head. */
  appendAfter(parentSeq: number | null, message: UIMessage, at: number): number {
    const seq = this.messages.append(message, at, parentSeq);
    this.meta.update({ headSeq: seq });
    return seq;
  }

  /** Makes `seq`'s branch the active one, down to where that branch was left. Returns the new head. */
  switchTo(seq: number): number {
    const head = this.messages.leafUnder(seq);
    this.meta.update({ headSeq: head });
    return head;
  }

  /** Moves the head back to `seq` (before a new answer is added after it). */
  rewindTo(seq: number): void {
    this.meta.update({ headSeq: seq });
  }

  /** Siblings of a message, or null when it has none. */
  siblings(node: Pick<MessageNode, "seq" | "parentSeq">): Siblings | null {
    const all = this.messages.children(node.parentSeq);
    if (all.length < 2) return null;
    return { index: all.findIndex((s) => s.seq === node.seq), count: all.length, seqs: all.map((s) => s.seq), ids: all.map((s) => s.id) };
  }
}
