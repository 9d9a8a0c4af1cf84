import { z } from "zod";
import { ERROR_STATUS } from "./error-code";

/**
 * The REST API's response shapes, for the OpenAPI document. The handlers build these values from
 * typed code (session-view.ts, user-sessions.ts); the schemas describe them for clients.
 */
export const errorBodySchema = z.object({
  error: z.object({
    code: z.enum(Object.keys(ERROR_STATUS) as [keyof typeof ERROR_STATUS, ...(keyof typeof ERROR_STATUS)[]]),
    message: z.string().describe("For people; branch on `code`."),
  }),
});

const usageSchema = z.object({
  inputTokens: z.number().int(),
  outputTokens: z.number().int(),
  cacheReadTokens: z.number().int(),
  cacheWriteTokens: z.number().int(),
});

export const sessionSummarySchema = z.object({
  id: z.string(),
  title: z.string().nullable(),
  createdAt: z.number().int().describe("ms since the epoch"),
  updatedAt: z.number().int().describe("ms since the epoch; lists are ordered by it"),
});

const uiMessageSchema = z
  .object({
    id: z.string(),
    role: z.enum(["system", "user", "assistant"]),
    metadata: z.unknown().optional(),
    parts: z.array(z.looseObject({ type: z.string() })),
  })
  .describe("An AI SDK UIMessage, as useChat({ messages }) takes it.");

export const sessionViewSchema = z.object({
  session: sessionSummarySchema.extend({ usage: usageSchema }),
  messages: z.array(uiMessageSchema),
  sequences: z.array(z.number().int()).describe("Each message's sequence number in the log, aligned with `messages`."),
  nextBefore: z.number().int().nullable().describe("Pass as `before` for the page of older messages."),
  activeStream: z
    .object({ messageId: z.string(), cursor: z.number().int(), message: uiMessageSchema })
    .nullable()
    .describe("The running turn; its message is not in `messages` (resume the stream to rebuild it)."),
});

export const sessionPageSchema = z.object({ sessions: z.array(sessionSummarySchema), nextCursor: z.string().nullable() });

export const sessionStatsSchema = z.object({
  chunkLog: z.object({
    rowsWritten: z.number().int(),
    compactionRowsWritten: z.number().int().describe("rows written by compacting finished turns, apart from the live appends"),
    batches: z.number().int(),
    chunks: z.number().int(),
    bytes: z.number().int(),
    keptBytes: z.number().int().describe("bytes of chunk rows kept now; a finished turn's are compressed"),
  }),
  messageRowsWritten: z.number().int(),
  databaseBytes: z.number().int(),
  followers: z.number().int().describe("SSE and WebSocket requests following the running turn"),
  sockets: z.number().int().describe("open WebSockets of the session"),
});
