import { env, exports } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { app } from "../src/http/app";
import { call, newSessionId, ORIGIN, tokenFor } from "./support/api";
import { captureLogs } from "./support/capture-logs";

describe("identity", () => {
  it("refuses requests without a valid bearer JWT", async () => {
    const id = newSessionId();
    const cases: Array<[string, Record<string, string>]> = [
      ["no token", {}],
      ["not a JWT", { authorization: "Bearer nonsense" }],
      ["wrong secret", { authorization: `Bearer ${await tokenFor("alice", { secret: "another-secret-entirely-0000" })}` }],
      ["expired", { authorization: `Bearer ${await tokenFor("alice", { expiresIn: -60 })}` }],
      ["no sub", { authorization: `Bearer ${await tokenFor("alice", { claims: { sub: undefined } })}` }],
      ["no exp", { authorization: `Bearer ${await tokenFor("alice", { claims: { exp: undefined } })}` }],
      ["basic auth", { authorization: "Basic YWxpY2U6c2VjcmV0" }],
    ];
    for (const [name, headers] of cases) {
      const res = await call(`/api/sessions/${id}`, { user: null, headers });
      expect(res.status, name).toBe(401);
      expect((await res.json<any>()).error.code, name).toBe("unauthorized");
    }
    const post = await call("/api/chat", { user: null, method: "POST", json: { id, message: "hi" } });
    expect(post.status).toBe(401);
  });

  it("accepts the token as a query parameter (for WebSocket handshakes)", async () => {
    const res = await call(`/api/sessions?token=${await tokenFor("carol")}`, { user: null });
    expect(res.status).toBe(200);
  });

  it("the dev identity needs both the DEV_IDENTITY var and a loopback host", async () => {
    const devEnv = { ...env, DEV_IDENTITY: "local-dev" };
    const ctx = { waitUntil() {}, passThroughOnException() {}, props: {} } as unknown as ExecutionContext;
    const local = await app.fetch(new Request("http://localhost:8787/api/sessions"), devEnv, ctx);
    expect(local.status).toBe(200);
    const deployedHost = await app.fetch(new Request(`${ORIGIN}/api/sessions`), devEnv, ctx);
    expect(deployedHost.status).toBe(401);
    // Without the var (as in every deployment: it is never in wrangler.toml), loopback is not enough.
    const noVar = await exports.default.fetch(new Request("http://localhost:8787/api/sessions"));
    expect(noVar.status).toBe(401);
  });

  it("refuses with not_configured when AUTH_SECRET is missing, instead of accepting anything", async () => {
    const logs = captureLogs(["auth_not_configured"]);
    const ctx = { waitUntil() {}, passThroughOnException() {}, props: {} } as unknown as ExecutionContext;
    const res = await app.fetch(
      new Request(`${ORIGIN}/api/sessions`, { headers: { authorization: `Bearer ${await tokenFor("alice")}` } }),
      { ...env, AUTH_SECRET: undefined },
      ctx,
    );
    expect(res.status).toBe(503);
    expect((await res.json<any>()).error.code).toBe("not_configured");
    // The operator learns why every request is refused.
    expect(logs.events()).toMatchObject([{ event: "auth_not_configured" }]);
  });
});
