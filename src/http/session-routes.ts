import { createRoute, OpenAPIHono } from "@hono/zod-openapi";
import { generateId } from "ai";
import { z } from "zod";
import { readConfig } from "../config";
import { sessionPageSchema, sessionStatsSchema, sessionViewSchema } from "../protocol/api-responses";
import {
  createSessionSchema,
  listSessionsQuerySchema,
  MAX_BODY_BYTES,
  postMessageSchema,
  renameSessionSchema,
  sessionParamsSchema,
  sessionQuerySchema,
  switchHeadSchema,
} from "../protocol/api-schemas";
import { readChatRequest } from "../protocol/chat-request";
import { sessionIndexStub } from "../sessions-index/session-index-stub";
import { decodeListCursor } from "../sessions-index/user-sessions";
import type { Env } from "../worker-env";
import { ApiError, unwrap } from "./api-error";
import { linkKeyMaterial, withFileLinks } from "./file-links";
import type { IdentityVariables } from "./identity";
import { jsonBody } from "./json-body";
import { LOCAL_BUILD } from "./local-build";
import { errorResponse, jsonResponse, notFound, unauthorized } from "./openapi";
import { sessionStub, sessionTarget } from "./session-stub";
import { validationHook } from "./validation-hook";

type App = { Bindings: Env; Variables: IdentityVariables };

/** bytes of a create-session body */
const MAX_CREATE_BODY_BYTES = 4 * 1024;

const badId = errorResponse("A bad session id.");

const list = createRoute({
  method: "get",
  path: "/",
  summary: "List the caller's sessions, most recent activity first",
  request: { query: listSessionsQuerySchema },
  responses: {
    200: jsonResponse("A page of sessions.", sessionPageSchema),
    400: errorResponse("A bad limit or cursor."),
    401: unauthorized,
  },
});

const create = createRoute({
  method: "post",
  path: "/",
  summary: "Create a session (optional: sending the first message creates one too)",
  description: "The body is optional; a request that has one (of any kind) must send JSON.",
  middleware: [jsonBody(MAX_CREATE_BODY_BYTES, { optional: true })] as const,
  request: { body: { required: false, content: { "application/json": { schema: createSessionSchema } } } },
  responses: {
    201: jsonResponse("Created.", sessionViewSchema),
    200: jsonResponse("It already existed.", sessionViewSchema),
    400: errorResponse("A bad id, or malformed JSON."),
    401: unauthorized,
    413: errorResponse("The body is over its size limit."),
    415: errorResponse("A body that is not JSON."),
  },
});

const read = createRoute({
  method: "get",
  path: "/{id}",
  summary: "A session: metadata, usage, and history as UIMessage[]",
  request: { params: sessionParamsSchema, query: sessionQuerySchema },
  responses: {
    200: jsonResponse("The session.", sessionViewSchema),
    400: errorResponse("A bad session id or query."),
    401: unauthorized,
    404: notFound,
  },
});

/** bytes of a rename body: a title of 100 characters, with room for escapes */
const MAX_RENAME_BODY_BYTES = 4 * 1024;

const rename = createRoute({
  method: "patch",
  path: "/{id}",
  summary: "Rename a session",
  description: "The title is plain text; a generated title never replaces one given here.",
  middleware: [jsonBody(MAX_RENAME_BODY_BYTES)] as const,
  request: { params: sessionParamsSchema, body: { required: true, content: { "application/json": { schema: renameSessionSchema } } } },
  responses: {
    200: jsonResponse("Renamed: the session, with its last message.", sessionViewSchema),
    400: errorResponse("A bad session id, malformed JSON, or a title that is empty, too long or not one line."),
    401: unauthorized,
    404: notFound,
    413: errorResponse("The body is over its size limit."),
    415: errorResponse("Not JSON."),
  },
});

const remove = createRoute({
  method: "delete",
  path: "/{id}",
  summary: "Delete a session: stops its turn and removes all of its data",
  request: { params: sessionParamsSchema },
  responses: { 200: jsonResponse("Deleted.", z.object({ deleted: z.literal(true) })), 400: badId, 401: unauthorized, 404: notFound },
});

const stats = createRoute({
  method: "get",
  path: "/{id}/stats",
  summary: "What the session object has written since it started (for operators and the benchmark)",
  request: { params: sessionParamsSchema },
  responses: { 200: jsonResponse("Storage statistics.", sessionStatsSchema), 400: badId, 401: unauthorized, 404: notFound },
});

const head = createRoute({
  method: "put",
  path: "/{id}/head",
  summary: "Switch the active branch",
  description:
    "Makes the branch through message `seq` (a sibling's sequence from `siblings` in history) the active one, down to where that branch was left. History, and the model's context, then follow it; every socket of the session gets a `head-changed` event.",
  middleware: [jsonBody(MAX_RENAME_BODY_BYTES)] as const,
  request: { params: sessionParamsSchema, body: { required: true, content: { "application/json": { schema: switchHeadSchema } } } },
  responses: {
    200: jsonResponse("Switched: the session, with the active branch's newest messages.", sessionViewSchema),
    400: errorResponse("A bad session id or body, or no message with that sequence."),
    401: unauthorized,
    404: notFound,
    409: errorResponse("`stream_already_active`: a turn is running. `tools_pending`: tool calls wait for an answer."),
    415: errorResponse("Not JSON."),
  },
});

const post = createRoute({
  method: "post",
  path: "/{id}/messages",
  summary: "Add a user message and have it answered with no client attached",
  description:
    "For a backend (a webhook, a scheduled job): answers 202 at once with the answer's message id and the cursor to follow its turn from (`GET /api/chat/:id/stream?cursor=`). The turn runs to its end on its own. The message is a UIMessage (`{ id, role: 'user', parts }`) or `{ text }`; the same rules as `POST /api/chat` apply, and a re-send of the same message gives the same turn.",
  middleware: [jsonBody(MAX_BODY_BYTES)] as const,
  request: { params: sessionParamsSchema, body: { required: true, content: { "application/json": { schema: postMessageSchema } } } },
  responses: {
    202: jsonResponse(
      "Accepted: the turn runs.",
      z.object({
        messageId: z.string().describe("The answer's message id"),
        cursor: z
          .number()
          .int()
          .nullable()
          .describe("Follow the turn with `GET /api/chat/:id/stream?cursor=`; null for a session's first turn: follow without a cursor"),
        queued: z.boolean().describe("The message waits for the running turn to end (`onBusy: 'queue'`); `messageId` is then its own id"),
      }),
    ),
    400: errorResponse("A bad message."),
    401: unauthorized,
    409: errorResponse("`stream_already_active`: a turn is running. `message_exists`: that id with other content."),
    413: errorResponse("Over a size limit."),
    415: errorResponse("Not JSON, or a file type that cannot be attached."),
    503: errorResponse("The model is not configured."),
  },
});

const cancel = createRoute({
  method: "delete",
  path: "/{id}/queue/{messageId}",
  summary: "Cancel a queued message before it runs",
  request: { params: sessionParamsSchema.extend({ messageId: z.string().max(128) }) },
  responses: {
    200: jsonResponse("Cancelled: it will not run.", z.object({ cancelled: z.literal(true) })),
    400: badId,
    401: unauthorized,
    404: errorResponse("No such session, or no such queued message (it may have started)."),
  },
});

/** The sessions API: list, create, read (metadata + history), rename, delete, stats. */
export const sessionRoutes = new OpenAPIHono<App>({ defaultHook: validationHook() })
  .openapi(list, async (c) => {
    const query = c.req.valid("query");
    const cursor = query.cursor === undefined ? undefined : decodeListCursor(query.cursor);
    if (query.cursor !== undefined && !cursor) throw new ApiError("invalid_cursor", "This is not a cursor from a session list.");
    const page = await sessionIndexStub(c.env, c.get("userId")).list({ limit: query.limit, ...(cursor ? { cursor } : {}) });
    return c.json(page, 200);
  })
  .openapi(create, async (c) => {
    const id = c.req.valid("json").id ?? `s_${generateId()}`;
    const result = unwrap(await sessionStub(c.env, c.get("userId"), id).create({ userId: c.get("userId"), sessionId: id }));
    return result.created ? c.json(result.view, 201) : c.json(result.view, 200);
  })
  .openapi(read, async (c) => {
    const target = sessionTarget(c, c.req.valid("param").id);
    const query = c.req.valid("query");
    const { view } = unwrap(
      await target.session.view({
        ...target.address,
        limit: query.limit,
        ...(query.before === undefined ? {} : { beforeSeq: query.before }),
      }),
    );
    // Stored files are references; history gives a browser short-lived signed links it can load.
    const keyMaterial = linkKeyMaterial(c.env.AUTH_SECRET, LOCAL_BUILD);
    if (!keyMaterial) return c.json(view, 200);
    const links = { userId: target.address.userId, origin: new URL(c.req.url).origin, keyMaterial, now: Date.now() };
    const messages = await withFileLinks(view.messages, { ...links, ttlSeconds: readConfig(c.env).fileUrlTtlSeconds });
    return c.json({ ...view, messages }, 200);
  })
  .openapi(rename, async (c) => {
    const target = sessionTarget(c, c.req.valid("param").id);
    const { view } = unwrap(await target.session.rename({ ...target.address, title: c.req.valid("json").title }));
    return c.json(view, 200);
  })
  .openapi(stats, async (c) => {
    const target = sessionTarget(c, c.req.valid("param").id);
    const result = unwrap(await target.session.stats(target.address));
    return c.json(result.stats, 200);
  })
  .openapi(head, async (c) => {
    const target = sessionTarget(c, c.req.valid("param").id);
    const { view } = unwrap(await target.session.switchHead({ ...target.address, seq: c.req.valid("json").seq }));
    return c.json(view, 200);
  })
  .openapi(post, async (c) => {
    const target = sessionTarget(c, c.req.valid("param").id);
    const body = c.req.valid("json");
    const message = "text" in body ? { id: `msg_${generateId()}`, role: "user", parts: [{ type: "text", text: body.text }] } : body.message;
    const read = unwrap(
      await readChatRequest(
        { trigger: "submit-message", messages: [message], clientTools: body.clientTools, onBusy: body.onBusy },
        readConfig(c.env).fileLimits,
      ),
    );
    const started = unwrap(await target.session.start({ ...target.address, ...read.input }));
    return c.json({ messageId: started.messageId, cursor: started.cursor, queued: started.queued }, 202);
  })
  .openapi(cancel, async (c) => {
    const { id, messageId } = c.req.valid("param");
    const target = sessionTarget(c, id);
    unwrap(await target.session.cancelQueued({ ...target.address, messageId }));
    return c.json({ cancelled: true as const }, 200);
  })
  .openapi(remove, async (c) => {
    const target = sessionTarget(c, c.req.valid("param").id);
    unwrap(await target.session.remove(target.address));
    return c.json({ deleted: true as const }, 200);
  });
