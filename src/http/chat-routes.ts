import { generateId, type UIMessage } from "ai";
import { Hono } from "hono";
import type { Env } from "../config";
import {
  type ChatRequest,
  chatRequestSchema,
  cursorSchema,
  followQuerySchema,
  MAX_BODY_BYTES,
  MAX_MESSAGE_CHARS,
  userMessageSchema,
} from "../protocol/api-schemas";
import { fail, type Result } from "../protocol/error-code";
import { SSE_HEADERS } from "../protocol/sse";
import { SOCKET_SESSION_HEADER, SOCKET_USER_HEADER } from "../session/chat-session";
import { errorResponse, failureResponse } from "./error-response";
import type { IdentityVariables } from "./identity";
import { describeIssues, readJson } from "./read-json";
import { parseSessionId, sessionSocketStub, sessionStub, sessionTarget } from "./session-stub";

type App = { Bindings: Env; Variables: IdentityVariables };

/**
 * The AI SDK's chat endpoints: `POST /api/chat` (what `DefaultChatTransport` sends),
 * `GET /api/chat/:id/stream` (its resume URL) and `POST /api/chat/:id/stop`.
 */
export const chatRoutes = new Hono<App>()
  .post("/", async (c) => {
    const body = await readJson(c, chatRequestSchema, MAX_BODY_BYTES);
    if (!body.ok) return failureResponse(c, body);
    const request = toSendRequest(body.value);
    if (!request.ok) return failureResponse(c, request);
    const stub = sessionStub(c.env, c.get("userId"), body.value.id);
    const result = await stub.send({ userId: c.get("userId"), sessionId: body.value.id, requestId: c.get("requestId"), ...request.send });
    if (!result.ok) return failureResponse(c, result);
    return new Response(result.stream, { headers: { ...SSE_HEADERS, "x-request-id": c.get("requestId") } });
  })
  .get("/:id/stream", async (c) => {
    const target = sessionTarget(c);
    if (!target.ok) return failureResponse(c, target);
    const query = followQuerySchema.safeParse(c.req.query());
    if (!query.success) return errorResponse(c, "invalid_cursor", describeIssues(query.error));
    let cursor = query.data.cursor;
    const lastEventId = c.req.header("last-event-id");
    if (cursor === undefined && lastEventId !== undefined) {
      const parsed = cursorSchema.safeParse(lastEventId.trim());
      if (!parsed.success) return errorResponse(c, "invalid_cursor", "Last-Event-ID is not a cursor from this API.");
      cursor = parsed.data;
    }
    const result = await target.session.follow({ ...target.address, ...(cursor === undefined ? {} : { cursor }) });
    if (!result.ok) return failureResponse(c, result);
    // 204 tells the AI SDK's resume that nothing is running; a 200 with an empty body would throw.
    if ("idle" in result) return c.body(null, 204);
    return new Response(result.stream, { headers: { ...SSE_HEADERS, "x-request-id": c.get("requestId") } });
  })
  .get("/:id/ws", async (c) => {
    const id = parseSessionId(c);
    if (!id.ok) return failureResponse(c, id);
    if (c.req.header("upgrade")?.toLowerCase() !== "websocket") {
      return errorResponse(c, "upgrade_required", "This endpoint speaks WebSocket: send Upgrade: websocket.");
    }
    // A fresh request carrying only what the session needs: client headers (and any spoofed identity
    // header) never reach the object, and the user id is the one this Worker authenticated.
    const upgrade = new Request("https://session/ws", {
      headers: { upgrade: "websocket", [SOCKET_USER_HEADER]: c.get("userId"), [SOCKET_SESSION_HEADER]: id.value },
    });
    return sessionSocketStub(c.env, c.get("userId"), id.value).fetch(upgrade);
  })
  .post("/:id/stop", async (c) => {
    const target = sessionTarget(c);
    if (!target.ok) return failureResponse(c, target);
    const result = await target.session.stop(target.address);
    if (!result.ok) return failureResponse(c, result);
    return c.json({ stopped: result.stopped });
  });

/** Turns either accepted body into the session's send request; the log, not `messages`, is the truth. */
function toSendRequest(body: ChatRequest): Result<{ send: { trigger: "submit-message" | "regenerate-message"; message?: UIMessage } }> {
  if ("message" in body) {
    const text = body.message;
    return (
      checkText(text) ?? {
        ok: true,
        send: { trigger: "submit-message", message: { id: `msg_${generateId()}`, role: "user", parts: [{ type: "text", text }] } },
      }
    );
  }
  if (body.trigger === "regenerate-message") return { ok: true, send: { trigger: "regenerate-message" } };
  const parsed = userMessageSchema.safeParse(body.messages.at(-1));
  if (!parsed.success) return fail("invalid_request", describeIssues(parsed.error).replace(/^/, "messages[-1]: "));
  const parts = parsed.data.parts.map((part) => ({ type: "text" as const, text: part.text }));
  const invalid = checkText(parts.map((p) => p.text).join(""));
  if (invalid) return invalid;
  const message: UIMessage = { id: parsed.data.id, role: "user", parts };
  if (parsed.data.metadata !== undefined) message.metadata = parsed.data.metadata;
  return { ok: true, send: { trigger: "submit-message", message } };
}

function checkText(text: string) {
  if (text.trim() === "") return fail("invalid_request", "The message is empty.");
  if (text.length > MAX_MESSAGE_CHARS) return fail("message_too_large", `A message may have at most ${MAX_MESSAGE_CHARS} characters.`);
  return undefined;
}
