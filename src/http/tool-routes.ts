import { createRoute, OpenAPIHono } from "@hono/zod-openapi";
import { createAgentRunner } from "../agent/agent-runner";
import { readConfig } from "../config";
import { toolListingSchema } from "../protocol/api-responses";
import type { Env } from "../worker-env";
import type { IdentityVariables } from "./identity";
import { jsonResponse, unauthorized } from "./openapi";
import { validationHook } from "./validation-hook";

type App = { Bindings: Env; Variables: IdentityVariables };

const list = createRoute({
  method: "get",
  path: "/",
  summary: "The tools a session's turns can call now",
  description:
    "Built-in tools, the tools of every configured MCP server that answers (listed now: a server that is down is " +
    "in `mcpServers` as unavailable, and its tools are left out), and Claude's own tools that are enabled. The " +
    "same for every session of the deployment; browser tools are declared per request and are not listed.",
  responses: { 200: jsonResponse("The tools, and the MCP servers' states.", toolListingSchema), 401: unauthorized },
});

export const toolRoutes = new OpenAPIHono<App>({ defaultHook: validationHook() }).openapi(list, async (c) => {
  const listing = await createAgentRunner(readConfig(c.env)).listTools();
  return c.json(listing, 200);
});
