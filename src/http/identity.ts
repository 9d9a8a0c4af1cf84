import type { MiddlewareHandler } from "hono";
import { verify } from "hono/jwt";
import type { Env } from "../config";
import { errorResponse } from "./error-response";

export interface IdentityVariables {
  userId: string;
  requestId: string;
}

const LOOPBACK_HOSTS = new Set(["localhost", "127.0.0.1", "[::1]"]);
const USER_ID = /^[A-Za-z0-9_.:@|-]{1,128}$/;

/**
 * Every API request needs an identity: a bearer JWT signed with HS256 and `AUTH_SECRET`, with a
 * `sub` (the user id) and an `exp`. Browsers cannot set headers on a WebSocket handshake, so the
 * token may also come as `?token=`.
 *
 * Local development: `npm run dev` passes `--var DEV_IDENTITY:local-dev`, and a request without a
 * token is then that user. It can never be on in a deployed Worker: it needs the var (never in
 * wrangler.toml) AND a loopback Host, and Cloudflare routes requests to a deployed Worker by its
 * public hostname, so none arrives there as localhost.
 */
export function identity(): MiddlewareHandler<{ Bindings: Env; Variables: IdentityVariables }> {
  return async (c, next) => {
    const header = c.req.header("authorization");
    const token = header?.startsWith("Bearer ") ? header.slice("Bearer ".length).trim() : c.req.query("token");
    if (!token) {
      const devUser = devIdentity(c.env, new URL(c.req.url).hostname);
      if (devUser) {
        c.set("userId", devUser);
        return next();
      }
      return errorResponse(c, "unauthorized", "Send a bearer token: Authorization: Bearer <JWT>.");
    }
    if (!c.env.AUTH_SECRET) {
      console.log(JSON.stringify({ event: "auth_not_configured", request: c.get("requestId") }));
      return errorResponse(c, "not_configured", "Authentication is not configured on this server.");
    }
    let payload: Record<string, unknown>;
    try {
      payload = await verify(token, c.env.AUTH_SECRET, "HS256");
    } catch {
      return errorResponse(c, "unauthorized", "The token is invalid or expired.");
    }
    const sub = payload.sub;
    if (typeof payload.exp !== "number" || typeof sub !== "string" || !USER_ID.test(sub)) {
      return errorResponse(c, "unauthorized", "The token needs a string `sub` (the user id) and an `exp`.");
    }
    c.set("userId", sub);
    return next();
  };
}

function devIdentity(env: Env, hostname: string): string | undefined {
  const user = env.DEV_IDENTITY;
  if (!user || !USER_ID.test(user)) return undefined;
  return isLoopback(hostname) ? user : undefined;
}

/** Local-only switches need a loopback Host: a deployed Worker is only ever reached by its public name. */
export function isLoopback(hostname: string): boolean {
  return LOOPBACK_HOSTS.has(hostname);
}
