import { $, createRoute, OpenAPIHono } from "@hono/zod-openapi";
import { z } from "zod";
import type { Env } from "../worker-env";
import { benchRoutes } from "./bench-routes";
import { chatRoutes } from "./chat-routes";
import { errorResponse, onError } from "./error-response";
import { eventRoutes } from "./event-routes";
import { fileRoutes } from "./file-routes";
import { type IdentityVariables, identity } from "./identity";
import { LOCAL_BUILD } from "./local-build";
import { documentFrame, securityScheme, unauthorized } from "./openapi";
import { sessionRoutes } from "./session-routes";
import { toolRoutes } from "./tool-routes";
import { validationHook } from "./validation-hook";

type App = { Bindings: Env; Variables: IdentityVariables };

const document = createRoute({
  method: "get",
  path: "/api/openapi.json",
  summary: "This document",
  responses: {
    200: { description: "OpenAPI 3.1.", content: { "application/json": { schema: z.record(z.string(), z.unknown()) } } },
    401: unauthorized,
  },
});

/**
 * The Worker's HTTP surface. Every route is declared once (with createRoute, next to its handler);
 * the OpenAPI document, validation, the 405 answers and the typed client's types all derive from it.
 * `localBuild` is a parameter so tests can build the app a deployment runs; the Worker uses the
 * bundle's own flag (local-build.ts).
 */
export function createApp(options: { localBuild: boolean }) {
  const base = $(
    new OpenAPIHono<App>({ defaultHook: validationHook() })
      .use(async (c, next) => {
        c.set("requestId", c.req.header("cf-ray") ?? crypto.randomUUID());
        await next();
        c.header("x-request-id", c.get("requestId"));
      })
      .use(
        "/api/*",
        identity({
          localBuild: options.localBuild,
          queryTokenRoute: /^\/api\/chat\/[^/]+\/ws$/,
          // A signed file link is its own authority: `<img src>` sends no Authorization header.
          publicRoute: /^\/api\/files\/[^/]+$/,
        }),
      ),
  );
  const app = base
    .openapi(document, (c) => c.json(openApiDocument(base), 200))
    .route("/api/chat", chatRoutes)
    .route("/api/sessions", sessionRoutes)
    .route("/api/session-events", eventRoutes)
    .route("/api/tools", toolRoutes)
    .route("/api", fileRoutes);
  // The baseline of `npm run bench` exists only in local builds; elsewhere it is an unknown path.
  if (options.localBuild) app.route("/api/bench", benchRoutes);
  answerWrongMethods(app);
  app.notFound((c) => errorResponse(c, "not_found", `No route for ${c.req.method} ${new URL(c.req.url).pathname}.`));
  app.onError(onError);
  return app;
}

/** The OpenAPI 3.1 document, generated from the routes' declarations. */
export function openApiDocument(app: OpenAPIHono<App, any, any>) {
  app.openAPIRegistry.registerComponent("securitySchemes", "bearer", securityScheme);
  return app.getOpenAPI31Document(documentFrame);
}

/** Any other method on a served path is 405 with `Allow`; derived from the routes as registered. */
function answerWrongMethods(app: { routes: { method: string; path: string }[]; all: OpenAPIHono<App>["all"] }): void {
  const methods = new Map<string, Set<string>>();
  for (const route of app.routes) {
    // Middleware is registered as ALL; a route's validators and handler each appear once per method.
    if (route.method === "ALL") continue;
    methods.set(route.path, (methods.get(route.path) ?? new Set()).add(route.method));
  }
  for (const [path, set] of methods) {
    const allowed = [...set];
    app.all(path, (c) => {
      c.header("allow", allowed.join(", "));
      return errorResponse(c, "method_not_allowed", `${c.req.method} is not allowed here; use ${allowed.join(" or ")}.`);
    });
  }
}

export const app = createApp({ localBuild: LOCAL_BUILD });

export type AppType = ReturnType<typeof createApp>;
