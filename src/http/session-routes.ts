import { generateId } from "ai";
import { Hono } from "hono";
import type { Env } from "../config";
import { createSessionSchema, listSessionsQuerySchema, sessionQuerySchema } from "../protocol/api-schemas";
import { sessionIndexStub } from "../sessions-index/session-index-stub";
import { decodeListCursor } from "../sessions-index/user-sessions";
import { errorResponse, failureResponse } from "./error-response";
import type { IdentityVariables } from "./identity";
import { describeIssues, readJson } from "./read-json";
import { sessionStub, sessionTarget } from "./session-stub";

type App = { Bindings: Env; Variables: IdentityVariables };

/** bytes of a create-session body */
const MAX_CREATE_BODY_BYTES = 4 * 1024;

/** The sessions API: list, create, read (metadata + history), delete. */
export const sessionRoutes = new Hono<App>()
  .get("/", async (c) => {
    const query = listSessionsQuerySchema.safeParse(c.req.query());
    if (!query.success) return errorResponse(c, "invalid_request", describeIssues(query.error));
    const cursor = query.data.cursor === undefined ? undefined : decodeListCursor(query.data.cursor);
    if (query.data.cursor !== undefined && !cursor) return errorResponse(c, "invalid_cursor", "This is not a cursor from a session list.");
    const page = await sessionIndexStub(c.env, c.get("userId")).list({ limit: query.data.limit, ...(cursor ? { cursor } : {}) });
    return c.json(page);
  })
  .post("/", async (c) => {
    const hasBody = (c.req.header("content-length") ?? "0") !== "0" || c.req.header("content-type") !== undefined;
    let id = `s_${generateId()}`;
    if (hasBody) {
      const body = await readJson(c, createSessionSchema, MAX_CREATE_BODY_BYTES);
      if (!body.ok) return failureResponse(c, body);
      id = body.value.id ?? id;
    }
    const result = await sessionStub(c.env, c.get("userId"), id).create({ userId: c.get("userId"), sessionId: id });
    if (!result.ok) return failureResponse(c, result);
    return c.json(result.view, result.created ? 201 : 200);
  })
  .get("/:id", async (c) => {
    const target = sessionTarget(c);
    if (!target.ok) return failureResponse(c, target);
    const query = sessionQuerySchema.safeParse(c.req.query());
    if (!query.success) return errorResponse(c, "invalid_request", describeIssues(query.error));
    const result = await target.session.view({
      ...target.address,
      limit: query.data.limit,
      ...(query.data.before === undefined ? {} : { beforeSeq: query.data.before }),
    });
    if (!result.ok) return failureResponse(c, result);
    return c.json(result.view);
  })
  .get("/:id/stats", async (c) => {
    const target = sessionTarget(c);
    if (!target.ok) return failureResponse(c, target);
    const result = await target.session.stats(target.address);
    if (!result.ok) return failureResponse(c, result);
    return c.json(result.stats);
  })
  .delete("/:id", async (c) => {
    const target = sessionTarget(c);
    if (!target.ok) return failureResponse(c, target);
    const result = await target.session.remove(target.address);
    if (!result.ok) return failureResponse(c, result);
    return c.json({ deleted: true });
  });
