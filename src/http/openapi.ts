import { z } from "zod";
import { errorBodySchema, sessionPageSchema, sessionStatsSchema, sessionViewSchema } from "../protocol/api-responses";
import {
  chatRequestSchema,
  createSessionSchema,
  followQuerySchema,
  listSessionsQuerySchema,
  MAX_BODY_BYTES,
  MAX_MESSAGE_CHARS,
  sessionIdSchema,
  sessionQuerySchema,
} from "../protocol/api-schemas";
import { API_ROUTES } from "./routes";

type Json = Record<string, unknown>;

const schema = (s: z.ZodType, io: "input" | "output" = "output"): Json => {
  const { $schema: _ignored, ...rest } = z.toJSONSchema(s, { io, unrepresentable: "any" }) as Json;
  return rest;
};

const error = (description: string) => ({
  description,
  content: { "application/json": { schema: { $ref: "#/components/schemas/Error" } } },
});
const json = (description: string, s: z.ZodType) => ({ description, content: { "application/json": { schema: schema(s) } } });
const sse = {
  description:
    "The turn as the AI SDK UI message stream v1 (Server-Sent Events): `id: <cursor>` then `data: <chunk JSON>` per chunk, `data: [DONE]` at the end, `: heartbeat` comments after 15 s without a chunk.",
  content: { "text/event-stream": { schema: { type: "string" } } },
};
const sessionId = { name: "id", in: "path", required: true, schema: schema(sessionIdSchema, "input") };
const queryParams = (s: z.ZodObject) =>
  Object.entries(s.shape).map(([name, field]) => ({ name, in: "query", required: false, schema: schema(field as z.ZodType, "input") }));

const common = { "401": error("No valid bearer JWT."), "404": error("No such session (also for another user's session).") };

/** Each operation, keyed "METHOD path" in Hono's path syntax; the document and its test read this. */
export const OPERATIONS: Record<string, Json> = {
  "POST /api/chat": {
    summary: "Send a message: starts a turn and streams it",
    description: `Takes the body the AI SDK's DefaultChatTransport sends (the last of \`messages\` is the new user message; the rest is ignored, the session's log is the source of truth), or \`{ id, message }\`. A message may have at most ${MAX_MESSAGE_CHARS} characters; a body at most ${MAX_BODY_BYTES} bytes.`,
    requestBody: { required: true, content: { "application/json": { schema: schema(chatRequestSchema, "input") } } },
    responses: {
      "200": sse,
      "400": error("Malformed JSON, wrong types, an empty message, an invalid session id."),
      "401": common["401"],
      "409": error("`stream_already_active`: a turn is running; nothing was written. `message_exists`: a retried message id."),
      "413": error("Message or body over its size limit."),
      "415": error("Not JSON."),
      "503": error("The model is not configured."),
    },
  },
  "GET /api/chat/:id/stream": {
    summary: "Follow or resume the running turn (the AI SDK's resume URL)",
    description:
      "Without a cursor: the running turn from its `start` chunk, then live to `finish`; 204 when no turn runs. With `cursor` (or a `Last-Event-ID` header): exactly the chunks after it, of the running turn or of the finished turn it belongs to.",
    parameters: [
      sessionId,
      ...queryParams(followQuerySchema),
      { name: "Last-Event-ID", in: "header", required: false, schema: { type: "string" } },
    ],
    responses: {
      "200": sse,
      "204": { description: "No turn is running (or the cursor is at the end of its turn)." },
      "400": error("A bad cursor."),
      ...common,
    },
  },
  "POST /api/chat/:id/stop": {
    summary: "Stop the running turn",
    description:
      "Aborts the model call and tools, saves the partial answer, sends followers `error` (`Turn was cancelled`) then `finish`. Idempotent.",
    parameters: [sessionId],
    responses: { "200": json("Whether a turn was stopped.", z.object({ stopped: z.boolean() })), ...common },
  },
  "GET /api/chat/:id/ws": {
    summary: "Attach over WebSocket (the AI SDK WebSocketChatTransport protocol)",
    description:
      "Upgrade to a WebSocket held through the Hibernation API. Frames: `send`, `resume`, `abort` in; `start`, `chunk`, `end`, `error`, `no-active` out, plus session events under request id `session`. Browsers pass the token as `?token=`. Close codes: 1007 for a frame with no usable request id (bad JSON, or a request id over 200 characters); 4008 when the socket has used its output allowance (SOCKET_OUTPUT_LIMIT_BYTES): reconnect and resume.",
    parameters: [sessionId, { name: "token", in: "query", required: false, schema: { type: "string" } }],
    responses: { "101": { description: "Switching protocols." }, "426": error("Not a WebSocket upgrade."), ...common },
  },
  "GET /api/sessions": {
    summary: "List the caller's sessions, most recent activity first",
    parameters: queryParams(listSessionsQuerySchema),
    responses: { "200": json("A page of sessions.", sessionPageSchema), "400": error("A bad limit or cursor."), "401": common["401"] },
  },
  "POST /api/sessions": {
    summary: "Create a session (optional: sending the first message creates one too)",
    requestBody: { required: false, content: { "application/json": { schema: schema(createSessionSchema, "input") } } },
    responses: {
      "201": json("Created.", sessionViewSchema),
      "200": json("It already existed.", sessionViewSchema),
      "400": error("A bad id."),
      "401": common["401"],
    },
  },
  "GET /api/sessions/:id": {
    summary: "A session: metadata, usage, and history as UIMessage[]",
    parameters: [sessionId, ...queryParams(sessionQuerySchema)],
    responses: { "200": json("The session.", sessionViewSchema), "400": error("A bad query."), ...common },
  },
  "DELETE /api/sessions/:id": {
    summary: "Delete a session: stops its turn and removes all of its data",
    parameters: [sessionId],
    responses: { "200": json("Deleted.", z.object({ deleted: z.literal(true) })), ...common },
  },
  "GET /api/sessions/:id/stats": {
    summary: "What the session object has written since it started (for operators and the benchmark)",
    parameters: [sessionId],
    responses: { "200": json("Storage statistics.", sessionStatsSchema), ...common },
  },
  "GET /api/openapi.json": {
    summary: "This document",
    responses: {
      "200": { description: "OpenAPI 3.1.", content: { "application/json": { schema: { type: "object" } } } },
      "401": common["401"],
    },
  },
};

/** The OpenAPI 3.1 document of the REST API, generated from the schemas the routes validate with. */
export function openApiDocument(): Json {
  const paths: Record<string, Json> = {};
  for (const [path, methods] of Object.entries(API_ROUTES)) {
    const openApiPath = path.replace(/:(\w+)/g, "{$1}");
    for (const method of methods) {
      const operation = OPERATIONS[`${method} ${path}`];
      if (!operation) throw new Error(`no OpenAPI operation for ${method} ${path}`);
      paths[openApiPath] = { ...paths[openApiPath], [method.toLowerCase()]: operation };
    }
  }
  return {
    openapi: "3.1.0",
    info: {
      title: "edgechat",
      version: "0.1.0",
      description:
        "Streaming AI chat on Cloudflare Workers: one Durable Object per session, the AI SDK UI message stream over SSE and WebSockets.",
    },
    security: [{ bearer: [] }],
    components: {
      securitySchemes: { bearer: { type: "http", scheme: "bearer", bearerFormat: "JWT (HS256, `sub` = user id, `exp` required)" } },
      schemas: { Error: schema(errorBodySchema) },
    },
    paths,
  };
}
