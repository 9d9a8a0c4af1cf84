// @ts-check
/**
 * The network the workerd tests' Worker sees: every outbound fetch lands here (miniflare's
 * outboundService) and goes by host to the fake upstream or the repo's demo MCP server, with the
 * outages MCP tests need:
 *
 *   mcp.fake, mcp-gated.fake   the demo MCP server (two names, so a deployment can list it twice)
 *   mcp-down.fake              503 to everything: a server down when tools are listed
 *   mcp-flaky.fake             the demo server, except that tools/call gets a 503: down at call time
 *   anything else              fake-anthropic (the Anthropic API, and the web pages fetch_url reads)
 *
 * Plain JS: auxiliary workers are not transpiled.
 */
export default {
  /** @param {Request} request @param {{ ANTHROPIC: Fetcher, DEMO_MCP: Fetcher }} env */
  async fetch(request, env) {
    const host = new URL(request.url).hostname;
    // workerd throws "Can't read from request stream after response has been sent" at a body left unread.
    if (host === "mcp-down.fake") await request.arrayBuffer();
    if (host === "mcp.fake" || host === "mcp-gated.fake") return env.DEMO_MCP.fetch(request);
    if (host === "mcp-down.fake") return new Response("Service Unavailable", { status: 503 });
    if (host === "mcp-flaky.fake") {
      const body = request.method === "POST" ? await request.text() : "";
      if (/"method"\s*:\s*"tools\/call"/.test(body)) return new Response("Service Unavailable", { status: 503 });
      return env.DEMO_MCP.fetch(new Request(request, { body: request.method === "POST" ? body : undefined }));
    }
    return env.ANTHROPIC.fetch(request);
  },
};
