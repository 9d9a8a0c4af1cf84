import { describe, expect, it } from "vitest";
import { createClient } from "../src/client";
import { newSessionId, ORIGIN, send, tokenFor, workerFetch } from "./support/api";
import { readSse } from "./support/sse";

describe("typed client (hono/client)", () => {
  it("lists, reads, stops and deletes sessions with compile-time-typed responses", async () => {
    const api = createClient(ORIGIN, await tokenFor("typed-user"), {
      fetch: workerFetch,
    });
    const id = newSessionId();
    await readSse((await send(id, "typed fake:text tokens=2", { user: "typed-user" })).body!);

    const session = await api.api.sessions[":id"].$get({ param: { id }, query: {} });
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

  it("refuses, at compile time, a query or body the routes would refuse (checked by npm run typecheck)", async () => {
    const api = createClient(ORIGIN, await tokenFor("typed-user"), {
      fetch: workerFetch,
    });
    // Each call below is a compile error (`@ts-expect-error` fails the typecheck if it is not), and the
    // route refuses the same value at run time: the types and the validation come from one declaration.
    // @ts-expect-error `limit` is a number in a query string
    const wrongLimit = await api.api.sessions.$get({ query: { limit: "not-a-number" } });
    expect(wrongLimit.status).toBe(400);
    // @ts-expect-error no such query parameter
    const unknownKey = await api.api.sessions.$get({ query: { limit: "5", bogus: "x" } });
    expect(unknownKey.status).toBe(200); // unknown keys are ignored at run time; only the compiler sees the typo
    // @ts-expect-error a session id is a string
    const wrongBody = await api.api.sessions.$post({ json: { id: 42 } });
    expect(wrongBody.status).toBe(400);
    // @ts-expect-error `before` is a number too
    const wrongBefore = await api.api.sessions[":id"].$get({ param: { id: "x" }, query: { before: "yesterday" } });
    expect(wrongBefore.status).toBe(400);
  });
});
