import type { MiddlewareHandler } from "hono";
import { verify } from "hono/jwt";
import type { Env } from "../worker-env";
import { ApiError } from "./api-error";

export interface IdentityVariables {
  userId: string;
  requestId: string;
}

const LOOPBACK_HOSTS = new Set(["localhost", "127.0.0.1", "[::1]"]);
const USER_ID = /^[A-Za-z0-9_.:@|-]{1,128}$/;
/** RFC 9110: the auth scheme is case-insensitive; one or more spaces before the credentials. */
const BEARER = /^bearer +(\S+) *$/i;

export interface IdentityOptions {
  /** Whether this bundle is a local build (see local-build.ts); local-only switches need it. */
  localBuild: boolean;
  /** The one route that may carry its token as `?token=`: browsers cannot set headers on a WebSocket handshake. */
  queryTokenRoute: RegExp;
  /** GET routes whose URL is its own proof (signed file links); no identity is taken from the request. */
  publicRoute?: RegExp;
}

/**
 * Every API request needs an identity: a bearer JWT signed with HS256 and `AUTH_SECRET`, with a `sub`
 * (the user id) and an `exp`. Only the WebSocket handshake may pass it as `?token=` instead; anywhere
 * else a token in the URL (where logs keep it) is ignored.
 *
 * Local development: `npm run dev` passes `--var DEV_IDENTITY:local-dev`, and a request that carries no
 * credentials at all is then that user. It needs all three: a local build, the var, and a loopback
 * Host. A request that carries credentials is judged by them, so a bad token is a 401 even locally.
 */
export function identity(options: IdentityOptions): MiddlewareHandler<{ Bindings: Env; Variables: IdentityVariables }> {
  return async (c, next) => {
    refuseLocalSwitchesWhenDeployed(c.env, options.localBuild, c.get("requestId"));
    if (c.req.method === "GET" && options.publicRoute?.test(c.req.path)) return next();
    const header = c.req.header("authorization");
    const queryToken = options.queryTokenRoute.test(c.req.path) ? c.req.query("token") : undefined;
    if (header === undefined && queryToken === undefined) {
      const devUser = devIdentity(c.env, options.localBuild, new URL(c.req.url).hostname);
      if (!devUser) throw new ApiError("unauthorized", "Send a bearer token: Authorization: Bearer <JWT>.");
      c.set("userId", devUser);
      return next();
    }
    const token = header === undefined ? queryToken : BEARER.exec(header)?.[1];
    if (!token) throw new ApiError("unauthorized", "Send a bearer token: Authorization: Bearer <JWT>.");
    if (!c.env.AUTH_SECRET) {
      console.log(JSON.stringify({ event: "auth_not_configured", request: c.get("requestId") }));
      throw new ApiError("not_configured", "Authentication is not configured on this server.");
    }
    let payload: Record<string, unknown>;
    try {
      payload = await verify(token, c.env.AUTH_SECRET, "HS256");
    } catch {
      throw new ApiError("unauthorized", "The token is invalid or expired.");
    }
    const sub = payload.sub;
    if (typeof payload.exp !== "number" || typeof sub !== "string" || !USER_ID.test(sub)) {
      throw new ApiError("unauthorized", "The token needs a string `sub` (the user id) and an `exp`.");
    }
    c.set("userId", sub);
    return next();
  };
}

function devIdentity(env: Env, localBuild: boolean, hostname: string): string | undefined {
  const user = env.DEV_IDENTITY;
  if (!localBuild || !user || !USER_ID.test(user)) return undefined;
  return isLoopback(hostname) ? user : undefined;
}

/**
 * A deployed Worker with a local-only var set (from a dashboard, say) refuses every request, loudly,
 * rather than quietly ignoring it: whoever set it learns at once that it does nothing there.
 */
function refuseLocalSwitchesWhenDeployed(env: Env, localBuild: boolean, requestId: string): void {
  if (localBuild) return;
  const set = (["DEV_IDENTITY", "BENCH_BASELINE"] as const).filter((name) => env[name]);
  if (set.length === 0) return;
  console.error(JSON.stringify({ event: "local_switch_in_deployment", vars: set, request: requestId }));
  throw new ApiError("not_configured", `This deployment sets ${set.join(" and ")}, which only local development may use. Remove it.`);
}

/** Local-only switches need a loopback Host besides a local build. */
export function isLoopback(hostname: string): boolean {
  return LOOPBACK_HOSTS.has(hostname);
}
