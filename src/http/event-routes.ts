import { createRoute, OpenAPIHono } from "@hono/zod-openapi";
import { sessionEventSchema } from "../protocol/session-events";
import { sessionIndexStub } from "../sessions-index/session-index-stub";
import type { Env } from "../worker-env";
import type { IdentityVariables } from "./identity";
import { unauthorized } from "./openapi";
import { validationHook } from "./validation-hook";

type App = { Bindings: Env; Variables: IdentityVariables };

const SSE_EVENT_HEADERS = { "content-type": "text/event-stream", "cache-control": "no-cache", "x-accel-buffering": "no" };

const events = createRoute({
  method: "get",
  path: "/",
  summary: "Follow changes of the caller's session list (Server-Sent Events)",
  description:
    "One `data:` line of JSON per change: `upsert` (a session was created, renamed, or had a turn start or end) and `remove`. Nothing is replayed: load `GET /api/sessions` after connecting, and again after a reconnect. `: heartbeat` comments every 25 s.",
  responses: {
    200: {
      description: "The event stream; each `data:` line is one of the events below.",
      content: { "text/event-stream": { schema: sessionEventSchema } },
    },
    401: unauthorized,
  },
});

/** `GET /api/session-events`: the live side of the session list, from the user's index object. */
export const eventRoutes = new OpenAPIHono<App>({ defaultHook: validationHook() }).openapi(events, async (c) => {
  const stream = await sessionIndexStub(c.env, c.get("userId")).events();
  return c.body(stream, 200, SSE_EVENT_HEADERS);
});
