import type { Context } from "hono";
import type { SessionAddress, SessionApi } from "../session/session-api";
import type { Env } from "../worker-env";
import type { IdentityVariables } from "./identity";

type AppContext = Context<{ Bindings: Env; Variables: IdentityVariables }>;

/** The session a `/:id` route names (already validated), and the address every call to it carries. */
export function sessionTarget(c: AppContext, sessionId: string): { session: SessionApi; address: SessionAddress } {
  const userId = c.get("userId");
  return { session: sessionStub(c.env, userId, sessionId), address: { userId, sessionId, requestId: c.get("requestId") } };
}

/**
 * The session object for (user, session). The user is part of the object's name, so one user can
 * never reach another's session: a foreign id lands on an empty object and is answered 404, exactly
 * like a missing one, and ids cannot be probed.
 */
export function sessionStub(env: Env, userId: string, sessionId: string): SessionApi {
  return sessionSocketStub(env, userId, sessionId) as unknown as SessionApi;
}

/** The same object, for its fetch handler (WebSocket upgrades). */
export function sessionSocketStub(env: Env, userId: string, sessionId: string): { fetch(request: Request): Promise<Response> } {
  // Workers RPC's stub type cannot express the `unknown` fields of UIMessage and drops the success
  // branch of our results; the values on the wire are the same structured clones, so the stub is
  // typed by the interface the class implements.
  return env.CHAT_SESSION.get(env.CHAT_SESSION.idFromName(JSON.stringify([userId, sessionId])));
}
