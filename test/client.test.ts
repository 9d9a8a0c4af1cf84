import { exports } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { createClient } from "../src/client";
import { newSessionId, ORIGIN, send, tokenFor } from "./support/api";
import { readSse } from "./support/sse";

describe("typed client (hono/client)", () => {
  it("lists, reads, stops and deletes sessions with compile-time-typed responses", async () => {
    const api = createClient(ORIGIN, await tokenFor("typed-user"), {
      fetch: ((input: RequestInfo | URL, init?: RequestInit) => exports.default.fetch(new Request(input, init))) as typeof fetch,
    });
    const id = newSessionId();
    await readSse((await send(id, "typed fake:text tokens=2", { user: "typed-user" })).body!);

    const session = await api.api.sessions[":id"].$get({ param: { id } });
    expect(session.status).toBe(200);
    const view = await session.json();
    if (!("session" in view)) throw new Error("expected a session view");
    // `view.session.id`, `view.messages` are typed here: a typo would not compile.
    expect(view.session.id).toBe(id);
    expect(view.messages).toHaveLength(2);

    const stopped = await (await api.api.chat[":id"].stop.$post({ param: { id } })).json();
    expect(stopped).toEqual({ stopped: false });

    const list = await api.api.sessions.$get({ query: { limit: "5" } });
    const page = await list.json();
    expect("sessions" in page && page.sessions.some((s) => s.id === id)).toBe(true);

    const deleted = await api.api.sessions[":id"].$delete({ param: { id } });
    expect(await deleted.json()).toEqual({ deleted: true });
  });
});
