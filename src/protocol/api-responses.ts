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
  cacheWriteTokens: z.number().int().describe("all prompt-cache writes: the 5-minute and 1-hour ones below"),
  cacheWrite5mTokens: z.number().int(),
  cacheWrite1hTokens: z.number().int(),
  thinkingTokens: z.number().int().describe("the part of outputTokens that was thinking"),
  webSearchRequests: z.number().int().describe("Claude's web searches, billed per search"),
  webFetchRequests: z.number().int(),
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
  pendingTools: z
    .array(
      z.object({
        kind: z.enum(["approval", "client"]),
        toolCallId: z.string(),
        toolName: z.string(),
        input: z.unknown(),
        approvalId: z.string().optional(),
      }),
    )
    .describe("Tool calls of the last answer that wait for a person's approval (`approval`) or a browser tool's output (`client`)."),
  siblings: z
    .array(
      z.object({ index: z.number().int(), count: z.number().int(), seqs: z.array(z.number().int()), ids: z.array(z.string()) }).nullable(),
    )
    .describe("Aligned with `messages`: the message's siblings (other versions of an edit, other answers of a regeneration), or null."),
  headSeq: z.number().int().nullable().describe("Sequence of the active branch's last message."),
  queued: z.array(uiMessageSchema).describe("Messages queued while a turn runs (`onBusy: 'queue'`), in the order they will run."),
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

export const toolListingSchema = z
  .object({
    tools: z.array(
      z.object({
        name: z.string().describe("As Claude calls it: MCP tools are `<server>__<tool>`"),
        description: z.string(),
        source: z.enum(["built-in", "mcp", "claude"]).describe("`claude`: one of Claude's own tools, run by Anthropic"),
        needsApproval: z.boolean().describe("A person approves each call first (TOOL_APPROVAL)"),
        inputSchema: z.unknown().optional().describe("JSON Schema of the input; absent for Claude's own tools"),
      }),
    ),
    mcpServers: z.array(
      z.object({
        name: z.string(),
        status: z.enum(["available", "unavailable"]).describe("An unavailable server's tools are left out of turns until it answers"),
        tools: z.array(z.string()),
        error: z.string().optional(),
      }),
    ),
  })
  .describe("What a session's turns can call now");
