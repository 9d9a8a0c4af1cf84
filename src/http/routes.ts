/** Every route of the API and the methods it answers: the 405 handling and the OpenAPI document read this. */
export const API_ROUTES = {
  "/api/chat": ["POST"],
  "/api/chat/:id/stream": ["GET"],
  "/api/chat/:id/stop": ["POST"],
  "/api/chat/:id/ws": ["GET"],
  "/api/sessions": ["GET", "POST"],
  "/api/sessions/:id": ["GET", "DELETE"],
  "/api/sessions/:id/stats": ["GET"],
  "/api/openapi.json": ["GET"],
} as const satisfies Record<string, readonly string[]>;

/**
 * Routes that exist only where a local-only switch turns them on (see bench-routes.ts), and answer
 * 404 everywhere else; they are not part of the documented API.
 */
export const LOCAL_ONLY_ROUTES = { "/api/bench/baseline": ["POST"] } as const;
