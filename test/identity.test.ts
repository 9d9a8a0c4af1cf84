import { env, exports } from "cloudflare:workers";
import { describe, expect, it, vi } from "vitest";
import { app, createApp } from "../src/http/app";
import { call, newSessionId, ORIGIN, tokenFor } from "./support/api";
import { captureLogs } from "./support/capture-logs";

const ctx = { waitUntil() {}, passThroughOnException() {}, props: {} } as unknown as ExecutionContext;

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

  it("takes the auth scheme in any case (RFC 9110), and nothing but a bearer token", async () => {
    const token = await tokenFor("dora");
    for (const scheme of ["Bearer", "bearer", "BEARER", "bEaReR"]) {
      const res = await call("/api/sessions", { user: null, headers: { authorization: `${scheme} ${token}` } });
      expect(res.status, scheme).toBe(200);
    }
    const doubleSpace = await call("/api/sessions", { user: null, headers: { authorization: `Bearer  ${token}` } });
    expect(doubleSpace.status).toBe(200);
    const noCredentials = await call("/api/sessions", { user: null, headers: { authorization: "Bearer" } });
    expect(noCredentials.status).toBe(401);
  });

  it("accepts ?token= on the WebSocket handshake only: tokens in other URLs end up in logs", async () => {
    const token = await tokenFor("carol");
    const rest = await call(`/api/sessions?token=${token}`, { user: null });
    expect(rest.status).toBe(401);
    const stream = await call(`/api/chat/${newSessionId()}/stream?token=${token}`, { user: null });
    expect(stream.status).toBe(401);
    const socket = await exports.default.fetch(`${ORIGIN}/api/chat/${newSessionId()}/ws?token=${token}`, {
      headers: { upgrade: "websocket" },
    });
    expect(socket.status).toBe(101);
    socket.webSocket?.accept();
    socket.webSocket?.close(1000);
  });

  it("the dev identity needs a local build, the DEV_IDENTITY var, a loopback host and no credentials at all", async () => {
    const devEnv = { ...env, DEV_IDENTITY: "local-dev" };
    const local = await app.fetch(new Request("http://localhost:8787/api/sessions"), devEnv, ctx);
    expect(local.status).toBe(200);
    const deployedHost = await app.fetch(new Request(`${ORIGIN}/api/sessions`), devEnv, ctx);
    expect(deployedHost.status).toBe(401);
    // Without the var (as in every deployment: it is never in wrangler.toml), loopback is not enough.
    const noVar = await exports.default.fetch(new Request("http://localhost:8787/api/sessions"));
    expect(noVar.status).toBe(401);
    // Credentials that fail are a 401 even on loopback: they never fall back to the dev user.
    for (const authorization of ["Basic YWxpY2U6c2VjcmV0", "Bearer not-a-jwt", `Bearer ${await tokenFor("x", { expiresIn: -60 })}`, ""]) {
      const res = await app.fetch(new Request("http://localhost:8787/api/sessions", { headers: { authorization } }), devEnv, ctx);
      expect(res.status, authorization).toBe(401);
    }
    const badQueryToken = await app.fetch(
      new Request(`http://localhost:8787/api/chat/${newSessionId()}/ws?token=nonsense`, { headers: { upgrade: "websocket" } }),
      devEnv,
      ctx,
    );
    expect(badQueryToken.status).toBe(401);
  });

  it("a deployed build never honours DEV_IDENTITY or BENCH_BASELINE: it refuses every request, loudly", async () => {
    const deployed = createApp({ localBuild: false });
    const errors = vi.spyOn(console, "error").mockImplementation(() => {});
    try {
      for (const vars of [{ DEV_IDENTITY: "local-dev" }, { BENCH_BASELINE: "on" }]) {
        // A loopback URL, as a proxy or a service binding could send it, and no credentials.
        const res = await deployed.fetch(new Request("http://localhost/api/sessions"), { ...env, ...vars }, ctx);
        expect(res.status).toBe(503);
        expect((await res.json<any>()).error.code).toBe("not_configured");
        // A valid token does not get past it either: the deployment is misconfigured as a whole.
        const withToken = await deployed.fetch(
          new Request(`${ORIGIN}/api/sessions`, { headers: { authorization: `Bearer ${await tokenFor("alice")}` } }),
          { ...env, ...vars },
          ctx,
        );
        expect(withToken.status).toBe(503);
      }
      expect(errors.mock.calls.map(([line]) => JSON.parse(String(line)).event)).toContain("local_switch_in_deployment");
    } finally {
      errors.mockRestore();
    }
    // Without those vars the deployed build serves tokens as usual, and the bench route does not exist.
    const ok = await deployed.fetch(
      new Request(`${ORIGIN}/api/sessions`, { headers: { authorization: `Bearer ${await tokenFor("alice")}` } }),
      env,
      ctx,
    );
    expect(ok.status).toBe(200);
    const bench = await deployed.fetch(
      new Request("http://localhost/api/bench/baseline", {
        method: "POST",
        headers: { authorization: `Bearer ${await tokenFor("alice")}` },
      }),
      env,
      ctx,
    );
    expect(bench.status).toBe(404);
  });

  it("a WebSocket handshake from a browser page of another origin is refused; same origin and allowed origins pass", async () => {
    const token = await tokenFor("erin");
    const open = (origin: string | undefined, extraEnv: Record<string, string> = {}) =>
      app.fetch(
        new Request(`${ORIGIN}/api/chat/${newSessionId()}/ws?token=${token}`, {
          headers: { upgrade: "websocket", ...(origin ? { origin } : {}) },
        }),
        { ...env, ...extraEnv },
        ctx,
      );
    const foreign = await open("https://evil.example");
    expect(foreign.status).toBe(403);
    expect((await foreign.json<any>()).error.code).toBe("forbidden_origin");
    const accepted: Response[] = [
      await open(ORIGIN),
      await open(undefined),
      await open("https://app.example.com", { ALLOWED_ORIGINS: "https://other.example, https://app.example.com/" }),
    ];
    for (const res of accepted) {
      expect(res.status).toBe(101);
      res.webSocket?.accept();
      res.webSocket?.close(1000);
    }
    // The dev identity is no exception: a page on another origin cannot borrow the local user.
    const devForeign = await app.fetch(
      new Request(`http://localhost:8787/api/chat/${newSessionId()}/ws`, {
        headers: { upgrade: "websocket", origin: "https://evil.example" },
      }),
      { ...env, DEV_IDENTITY: "local-dev" },
      ctx,
    );
    expect(devForeign.status).toBe(403);
  });

  it("refuses with not_configured when AUTH_SECRET is missing, instead of accepting anything", async () => {
    const logs = captureLogs(["auth_not_configured"]);
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
