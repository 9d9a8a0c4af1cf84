import { describe, expect, it } from "vitest";
import { app } from "../src/http/app";
import { call, newSessionId, send } from "./support/api";
import { readSse } from "./support/sse";

const METHODS = ["GET", "POST", "PUT", "PATCH", "DELETE"];
const toOpenApi = (path: string) => path.replace(/:(\w+)/g, "{$1}");

describe("OpenAPI document", () => {
  it("is served at /api/openapi.json as OpenAPI 3.1 with a bearer security scheme", async () => {
    const res = await call("/api/openapi.json");
    expect(res.status).toBe(200);
    const doc = await res.json<any>();
    expect(doc.openapi).toBe("3.1.0");
    expect(doc.components.securitySchemes.bearer).toMatchObject({ type: "http", scheme: "bearer" });
    for (const [path, operations] of Object.entries<any>(doc.paths)) {
      for (const [method, operation] of Object.entries<any>(operations)) {
        expect(operation.summary, `${method} ${path}`).toEqual(expect.any(String));
        expect(Object.keys(operation.responses).length, `${method} ${path}`).toBeGreaterThan(0);
      }
    }
  });

  it("documents every route the app serves and no route it does not (checked against Hono's route table)", async () => {
    const doc = await (await call("/api/openapi.json")).json<any>();
    const documented = new Set(
      Object.entries<any>(doc.paths).flatMap(([path, ops]) => Object.keys(ops).map((m) => `${m.toUpperCase()} ${path}`)),
    );
    // The bench's baseline exists only in local builds (http/local-build.ts) and is not part of the API.
    const localOnly = new Set(["POST /api/bench/baseline"]);
    const served = new Set(
      app.routes
        .filter((r) => METHODS.includes(r.method))
        .map((r) => `${r.method} ${toOpenApi(r.path)}`)
        .filter((route) => !localOnly.has(route)),
    );
    expect([...served].filter((r) => !documented.has(r))).toEqual([]);
    expect([...documented].filter((r) => !served.has(r))).toEqual([]);
  });

  it("documents the schemas the routes enforce: the limits and patterns in the document are the ones applied", async () => {
    const doc = await (await call("/api/openapi.json")).json<any>();
    const idParam = doc.paths["/api/sessions/{id}"].get.parameters.find((p: any) => p.name === "id");
    const pattern = new RegExp(idParam.schema.pattern);
    expect(pattern.test("ok_id-1")).toBe(true);
    expect(pattern.test("not ok")).toBe(false);
    // A value the document forbids is refused by the route, one it allows is accepted.
    expect((await call("/api/sessions/not%20ok")).status).toBe(400);
    const limit = doc.paths["/api/sessions"].get.parameters.find((p: any) => p.name === "limit").schema;
    expect((await call(`/api/sessions?limit=${limit.maximum}`)).status).toBe(200);
    expect((await call(`/api/sessions?limit=${limit.maximum + 1}`)).status).toBe(400);
  });

  it("every status a route answered in these requests is documented for it", async () => {
    const doc = await (await call("/api/openapi.json")).json<any>();
    const id = newSessionId();
    const observed: Array<[string, string, number]> = [];
    const record = async (method: string, path: string, res: Response | Promise<Response>) => {
      const r = await res;
      observed.push([method, path, r.status]);
      return r;
    };
    await readSse((await record("post", "/api/chat", send(id, "documented fake:text tokens=2"))).body!);
    await record("post", "/api/chat", call("/api/chat", { method: "POST", json: { id } }));
    await record("get", "/api/chat/{id}/stream", call(`/api/chat/${id}/stream`));
    await record("get", "/api/chat/{id}/stream", call(`/api/chat/${id}/stream?cursor=x`));
    await record("post", "/api/chat/{id}/stop", call(`/api/chat/${id}/stop`, { method: "POST" }));
    await record("get", "/api/sessions/{id}", call(`/api/sessions/${id}`));
    await record("get", "/api/sessions/{id}", call(`/api/sessions/${newSessionId()}`));
    await record("get", "/api/sessions", call("/api/sessions", { user: null }));
    await record("post", "/api/sessions", call("/api/sessions", { method: "POST" }));
    await record("get", "/api/sessions/{id}/stats", call(`/api/sessions/${id}/stats`));
    await record("delete", "/api/sessions/{id}", call(`/api/sessions/${id}`, { method: "DELETE" }));
    for (const [method, path, status] of observed) {
      expect(Object.keys(doc.paths[path][method].responses), `${method} ${path} ${status}`).toContain(String(status));
    }
  });
});
