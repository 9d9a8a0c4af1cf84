import type { UIMessage } from "ai";
import { z } from "zod";

/**
 * Progress of a long-running tool (`data-progress` parts, sent by the `wait` tool). The server reuses
 * the tool call id as the part id, so the message holds one live progress part per call.
 */
export const progressSchema = z
  .object({
    toolCallId: z.string().optional(),
    step: z.number(),
    steps: z.number(),
    label: z.string().optional(),
  })
  .loose();

export type Progress = z.infer<typeof progressSchema>;

/** The messages this page handles: the stock UIMessage with our one data part typed. */
export type ChatMessage = UIMessage<unknown, { progress: Progress }>;
export type ChatPart = ChatMessage["parts"][number];

/** The text a message shows, as stored: its text parts joined. */
export function textOf(message: ChatMessage): string {
  return message.parts.map((part) => (part.type === "text" ? part.text : "")).join("");
}

/**
 * How a turn ended, as the server stores it with the answer (`metadata.outcome`) and streams it
 * before `finish`: so "Stopped" and a failure's message show the same live and after a reload.
 */
const outcomeSchema = z.object({
  status: z.enum(["finished", "cancelled", "failed"]),
  errorCode: z.string().nullable(),
  errorText: z.string().nullable(),
});
export type TurnOutcome = z.infer<typeof outcomeSchema>;

const metadataSchema = z.object({ outcome: outcomeSchema.optional() }).loose();

/** The answer's outcome, if the server sent one (older answers and running turns have none). */
export function outcomeOf(message: ChatMessage): TurnOutcome | undefined {
  const parsed = metadataSchema.safeParse(message.metadata);
  return parsed.success ? parsed.data.outcome : undefined;
}

/** Whether a message shows anything yet: text, reasoning or a tool call (the waiting dots stay until then). */
export function showsSomething(message: ChatMessage): boolean {
  return message.parts.some(
    (part) =>
      (part.type === "text" && part.text.trim() !== "") ||
      part.type === "reasoning" ||
      part.type.startsWith("tool-") ||
      part.type === "dynamic-tool",
  );
}
