import { createRoute, OpenAPIHono } from "@hono/zod-openapi";
import { z } from "zod";
import { readConfig } from "../config";
import {
  chatRequestSchema,
  cursorSchema,
  followQuerySchema,
  MAX_BODY_BYTES,
  sessionParamsSchema,
  socketQuerySchema,
} from "../protocol/api-schemas";
import { readChatRequest } from "../protocol/chat-request";
import { MAX_MESSAGE_CHARS } from "../protocol/client-message";
import { SSE_HEADERS } from "../protocol/sse";
import { SOCKET_SESSION_HEADER, SOCKET_USER_HEADER } from "../session/socket-headers";
import type { Env } from "../worker-env";
import { ApiError, unwrap } from "./api-error";
import type { IdentityVariables } from "./identity";
import { jsonBody } from "./json-body";
import { errorResponse, jsonResponse, notFound, sseResponse, unauthorized } from "./openapi";
import { sessionSocketStub, sessionStub, sessionTarget } from "./session-stub";
import { checkSocketOrigin } from "./socket-origin";
import { validationHook } from "./validation-hook";

type App = { Bindings: Env; Variables: IdentityVariables };

const send = createRoute({
  method: "post",
  path: "/",
  summary: "Send a message: starts a turn and streams it",
  description: `Takes the body the AI SDK's DefaultChatTransport sends (the last of \`messages\` is the new user message; the rest is checked as an AI SDK transcript and otherwise ignored: the session's log is the source of truth), or \`{ id, message }\`. A message may have at most ${MAX_MESSAGE_CHARS} characters; a body at most ${MAX_BODY_BYTES} bytes.`,
  middleware: [jsonBody(MAX_BODY_BYTES)] as const,
  request: { body: { required: true, content: { "application/json": { schema: chatRequestSchema } } } },
  responses: {
    200: sseResponse,
    400: errorResponse("Malformed JSON, wrong types, an empty message, an invalid session id."),
    401: unauthorized,
    409: errorResponse("`stream_already_active`: a turn is running; nothing was written. `message_exists`: a retried message id."),
    413: errorResponse("Message, its metadata, or the body over its size limit."),
    415: errorResponse("Not JSON."),
    503: errorResponse("The model is not configured."),
  },
});

const follow = createRoute({
  method: "get",
  path: "/{id}/stream",
  summary: "Follow or resume the running turn (the AI SDK's resume URL)",
  description:
    "Without a cursor: the running turn from its `start` chunk, then live to `finish`; 204 when no turn runs. With `cursor` (or a `Last-Event-ID` header): exactly the chunks after it, of the running turn or of the finished turn it belongs to.",
  request: {
    params: sessionParamsSchema,
    query: followQuerySchema,
    headers: z.object({ "last-event-id": z.string().optional().meta({ description: "The SSE cursor, as EventSource resends it." }) }),
  },
  responses: {
    200: sseResponse,
    204: { description: "No turn is running (or the cursor is at the end of its turn)." },
    400: errorResponse("A bad cursor."),
    401: unauthorized,
    404: notFound,
  },
});

const stop = createRoute({
  method: "post",
  path: "/{id}/stop",
  summary: "Stop the running turn",
  description:
    "Aborts the model call and tools, saves the partial answer, sends followers `error` (`Turn was cancelled`) then `finish`. Idempotent.",
  request: { params: sessionParamsSchema },
  responses: {
    200: jsonResponse("Whether a turn was stopped.", z.object({ stopped: z.boolean() })),
    400: errorResponse("A bad session id."),
    401: unauthorized,
    404: notFound,
  },
});

const socket = createRoute({
  method: "get",
  path: "/{id}/ws",
  summary: "Attach over WebSocket (the AI SDK WebSocketChatTransport protocol)",
  description:
    "Upgrade to a WebSocket held through the Hibernation API. Frames: `send`, `resume`, `abort` in; `start`, `chunk`, `end`, `error`, `no-active` out, plus session events under request id `session`. Browsers pass the token as `?token=` (accepted on this route only). A browser's `Origin` must be the service's own or one of ALLOWED_ORIGINS. Close codes: 1007 for a frame with no usable request id (bad JSON, or a request id over 200 characters); 4008 when the socket has used its output allowance (SOCKET_OUTPUT_LIMIT_BYTES): reconnect and resume.",
  request: { params: sessionParamsSchema, query: socketQuerySchema },
  responses: {
    101: { description: "Switching protocols." },
    400: errorResponse("A bad session id."),
    401: unauthorized,
    403: errorResponse("`forbidden_origin`: a browser page of another origin."),
    404: notFound,
    426: errorResponse("Not a WebSocket upgrade."),
  },
});

/**
 * The AI SDK's chat endpoints: `POST /api/chat` (what `DefaultChatTransport` sends),
 * `GET /api/chat/:id/stream` (its resume URL), `POST /api/chat/:id/stop`, and the WebSocket.
 */
export const chatRoutes = new OpenAPIHono<App>({ defaultHook: validationHook() })
  .openapi(send, async (c) => {
    const body = c.req.valid("json");
    const { input } = unwrap(await readChatRequest(body, readConfig(c.env).fileLimits));
    const stub = sessionStub(c.env, c.get("userId"), body.id);
    const { stream } = unwrap(await stub.send({ userId: c.get("userId"), sessionId: body.id, requestId: c.get("requestId"), ...input }));
    return c.body(stream, 200, { ...SSE_HEADERS });
  })
  .openapi(
    follow,
    async (c) => {
      const target = sessionTarget(c, c.req.valid("param").id);
      let cursor = c.req.valid("query").cursor;
      const lastEventId = c.req.valid("header")["last-event-id"];
      if (cursor === undefined && lastEventId !== undefined) {
        const parsed = cursorSchema.safeParse(lastEventId.trim());
        if (!parsed.success) throw new ApiError("invalid_cursor", "Last-Event-ID is not a cursor from this API.");
        cursor = parsed.data;
      }
      const result = unwrap(await target.session.follow({ ...target.address, ...(cursor === undefined ? {} : { cursor }) }));
      // 204 tells the AI SDK's resume that nothing is running; a 200 with an empty body would throw.
      if ("idle" in result) return c.body(null, 204);
      return c.body(result.stream, 200, { ...SSE_HEADERS });
    },
    validationHook({ query: "invalid_cursor" }),
  )
  .openapi(stop, async (c) => {
    const target = sessionTarget(c, c.req.valid("param").id);
    const { stopped } = unwrap(await target.session.stop(target.address));
    return c.json({ stopped }, 200);
  })
  .openapi(socket, async (c) => {
    const { id } = c.req.valid("param");
    if (c.req.header("upgrade")?.toLowerCase() !== "websocket") {
      throw new ApiError("upgrade_required", "This endpoint speaks WebSocket: send Upgrade: websocket.");
    }
    checkSocketOrigin(c.req.url, c.req.header("origin"), c.env.ALLOWED_ORIGINS);
    // A fresh request carrying only what the session needs: client headers (and any spoofed identity
    // header) never reach the object, and the user id is the one this Worker authenticated.
    const upgrade = new Request("https://session/ws", {
      headers: { upgrade: "websocket", [SOCKET_USER_HEADER]: c.get("userId"), [SOCKET_SESSION_HEADER]: id },
    });
    return sessionSocketStub(c.env, c.get("userId"), id).fetch(upgrade);
  });
