import { z } from "zod";
import { sessionSummarySchema } from "./api-responses";

/**
 * The per-user event stream (`GET /api/session-events`): every change of the user's session list, as
 * SSE `data:` lines. A client keeps its list (and an open chat) current from these instead of polling;
 * after a reconnect it reloads the list once, since events sent while it was away are not replayed.
 */
export const sessionEventSchema = z.discriminatedUnion("type", [
  z.object({ type: z.literal("upsert"), session: sessionSummarySchema }).describe("A session was created, renamed, or had activity."),
  z.object({ type: z.literal("remove"), id: z.string() }).describe("A session was deleted."),
]);

export type SessionEvent = z.infer<typeof sessionEventSchema>;

export function sessionEventFrame(event: SessionEvent): string {
  return `data: ${JSON.stringify(event)}\n\n`;
}
