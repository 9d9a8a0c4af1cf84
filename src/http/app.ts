import { Hono } from "hono";
import type { Env } from "../config";
import { benchRoutes } from "./bench-routes";
import { chatRoutes } from "./chat-routes";
import { errorResponse } from "./error-response";
import { type IdentityVariables, identity } from "./identity";
import { openApiDocument } from "./openapi";
import { API_ROUTES, LOCAL_ONLY_ROUTES } from "./routes";
import { sessionRoutes } from "./session-routes";

type App = { Bindings: Env; Variables: IdentityVariables };

export const app = new Hono<App>()
  .use(async (c, next) => {
    c.set("requestId", c.req.header("cf-ray") ?? crypto.randomUUID());
    await next();
    c.header("x-request-id", c.get("requestId"));
  })
  .use("/api/*", identity())
  .route("/api/chat", chatRoutes)
  .route("/api/sessions", sessionRoutes)
  .route("/api/bench", benchRoutes)
  .get("/api/openapi.json", (c) => c.json(openApiDocument()));

// Any other method on a known path is 405 (with Allow), any other path 404.
for (const [path, methods] of [...Object.entries(API_ROUTES), ...Object.entries(LOCAL_ONLY_ROUTES)]) {
  app.all(path, (c) => {
    c.header("allow", methods.join(", "));
    return errorResponse(c, "method_not_allowed", `${c.req.method} is not allowed here; use ${methods.join(" or ")}.`);
  });
}

app.notFound((c) => errorResponse(c, "not_found", `No route for ${c.req.method} ${new URL(c.req.url).pathname}.`));

app.onError((error, c) => {
  // Unexpected: log everything with the request id, send nothing of it.
  console.error(JSON.stringify({ event: "unhandled_error", request: c.get("requestId"), error: error.stack ?? String(error) }));
  return errorResponse(c, "internal_error", "Something went wrong on our side.");
});

export type AppType = typeof app;
