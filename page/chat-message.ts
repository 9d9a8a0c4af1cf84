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
