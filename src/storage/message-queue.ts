import type { UIMessage } from "ai";
import { asc, eq } from "drizzle-orm";
import type { ClientTool } from "../protocol/client-tools";
import { queuedMessages } from "./schema";
import type { SessionDb } from "./session-db";

export interface QueuedMessage {
  message: UIMessage;
  clientTools: ClientTool[];
}

/** Messages waiting for the running turn to end, oldest first (see schema.ts). */
export class MessageQueue {
  constructor(private readonly db: SessionDb) {}

  add(entry: QueuedMessage, at: number): void {
    this.db
      .insert(queuedMessages)
      .values({ messageId: entry.message.id, message: entry.message, clientTools: entry.clientTools, createdAt: at })
      .run();
  }

  has(messageId: string): boolean {
    return (
      this.db.select({ seq: queuedMessages.seq }).from(queuedMessages).where(eq(queuedMessages.messageId, messageId)).get() !== undefined
    );
  }

  list(): QueuedMessage[] {
    return this.db
      .select()
      .from(queuedMessages)
      .orderBy(asc(queuedMessages.seq))
      .all()
      .map((row) => ({ message: row.message, clientTools: row.clientTools }));
  }

  /** Takes the oldest entry off the queue, or undefined when it is empty. */
  shift(): QueuedMessage | undefined {
    const row = this.db.select().from(queuedMessages).orderBy(asc(queuedMessages.seq)).limit(1).get();
    if (!row) return undefined;
    this.db.delete(queuedMessages).where(eq(queuedMessages.seq, row.seq)).run();
    return { message: row.message, clientTools: row.clientTools };
  }

  /** Removes an entry before it runs; false when it is not (or no longer) queued. */
  remove(messageId: string): boolean {
    if (!this.has(messageId)) return false;
    this.db.delete(queuedMessages).where(eq(queuedMessages.messageId, messageId)).run();
    return true;
  }
}
