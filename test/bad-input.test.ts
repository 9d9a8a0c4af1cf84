import { describe, expect, it } from "vitest";
import { call, getSession, newSessionId, send, userMessageBody } from "./support/api";
import { readSse } from "./support/sse";

/** Every bad request gets `{ error: { code, message } }`, the right status, and changes nothing. */
async function expectError(res: Response, status: number, code: string) {
  expect(res.status).toBe(status);
  expect(res.headers.get("content-type")).toMatch(/^application\/json/);
  const body = (await res.json<any>()) as { error: { code: string; message: string } };
  expect(body).toEqual({ error: { code, message: expect.any(String) } });
  expect(body.error.message.length).toBeGreaterThan(5);
  expect(body.error.message).not.toMatch(/at .*\(.*:\d+:\d+\)|Error:/); // no stack traces
}

describe("bad input changes nothing", () => {
  it("rejects malformed bodies of POST /api/chat with the right code, and persists nothing", async () => {
    const id = newSessionId();
    await readSse((await send(id, "baseline fake:text tokens=2")).body!);
    const before = (await getSession(id)).body;

    const post = (init: { body?: string; json?: unknown; headers?: Record<string, string> }) =>
      call("/api/chat", { method: "POST", ...init });
    await expectError(await post({ body: "{not json", headers: { "content-type": "application/json" } }), 400, "invalid_json");
    await expectError(
      await post({ body: "id=x&message=y", headers: { "content-type": "application/x-www-form-urlencoded" } }),
      415,
      "unsupported_media_type",
    );
    await expectError(await post({ json: { id, message: 42 } }), 400, "invalid_request");
    await expectError(await post({ json: { id, messages: "hello" } }), 400, "invalid_request");
    await expectError(await post({ json: { id } }), 400, "invalid_request");
    await expectError(await post({ json: { id, message: "" } }), 400, "invalid_request");
    await expectError(await post({ json: { id, message: "   \n " } }), 400, "invalid_request");
    await expectError(await post({ json: { id, messages: [] } }), 400, "invalid_request");
    await expectError(await post({ json: userMessageBody(id, "") }), 400, "invalid_request");
    await expectError(await post({ json: { ...userMessageBody(id, "x"), trigger: "explode" } }), 400, "invalid_request");
    await expectError(
      await post({ json: { id, messages: [{ id: "a1", role: "assistant", parts: [{ type: "text", text: "hi" }] }] } }),
      400,
      "invalid_request",
    );
    await expectError(
      await post({ json: { id, messages: [{ id: "f1", role: "user", parts: [{ type: "file", url: "x" }] }] } }),
      400,
      "invalid_request",
    );
    await expectError(await post({ json: { id, message: "x".repeat(32_001) } }), 413, "message_too_large");
    await expectError(await post({ json: userMessageBody(id, "y".repeat(32_001)) }), 413, "message_too_large");
    await expectError(
      await post({ body: JSON.stringify({ id, message: "z".repeat(17 * 1024 * 1024) }), headers: { "content-type": "application/json" } }),
      413,
      "body_too_large",
    );
    await expectError(await post({ json: { id: "bad id!", message: "hi" } }), 400, "invalid_request");
    await expectError(await post({ json: { id: "x".repeat(65), message: "hi" } }), 400, "invalid_request");

    // Re-sending a message id that is already in the log (a retried request) is refused.
    const dup = before.messages[0].id;
    await expectError(
      await post({ json: { id, messages: [{ id: dup, role: "user", parts: [{ type: "text", text: "again" }] }] } }),
      409,
      "message_exists",
    );

    const after = (await getSession(id)).body;
    expect(after.messages).toEqual(before.messages);
    expect(after.sequences).toEqual(before.sequences);
    expect(after.session.updatedAt).toBe(before.session.updatedAt);
  });

  it("rejects bad session ids and bad cursors", async () => {
    const id = newSessionId();
    const first = await readSse((await send(id, "cursors fake:text tokens=3")).body!);
    await expectError(await call("/api/chat/bad%20id/stream"), 400, "invalid_session_id");
    await expectError(await call(`/api/sessions/${"x".repeat(65)}`), 400, "invalid_session_id");
    await expectError(await call(`/api/chat/${id}/stream?cursor=abc`), 400, "invalid_cursor");
    await expectError(await call(`/api/chat/${id}/stream?cursor=-1`), 400, "invalid_cursor");
    await expectError(await call(`/api/chat/${id}/stream`, { headers: { "last-event-id": "nope" } }), 400, "invalid_cursor");
    await expectError(await call(`/api/chat/${id}/stream?cursor=${first.ids.at(-1)! + 1000}`), 400, "invalid_cursor");
    await expectError(await call("/api/sessions?cursor=garbage"), 400, "invalid_cursor");
    await expectError(await call("/api/sessions?limit=0"), 400, "invalid_request");
    await expectError(await call(`/api/sessions/${id}?limit=abc`), 400, "invalid_request");
  });

  it("answers unknown routes 404 and wrong methods 405, in the same shape", async () => {
    await expectError(await call("/api/nope"), 404, "not_found");
    await expectError(await call("/nope"), 404, "not_found");
    const wrong = await call("/api/chat", { method: "GET" });
    expect(wrong.headers.get("allow")).toBe("POST");
    await expectError(wrong, 405, "method_not_allowed");
    await expectError(await call(`/api/chat/${newSessionId()}/stop`, { method: "GET" }), 405, "method_not_allowed");
    await expectError(await call(`/api/chat/${newSessionId()}/stream`, { method: "POST" }), 405, "method_not_allowed");
    await expectError(await call("/api/sessions", { method: "PUT" }), 405, "method_not_allowed");
    const put = await call(`/api/sessions/${newSessionId()}`, { method: "PUT" });
    expect(put.headers.get("allow")?.split(", ").sort()).toEqual(["DELETE", "GET", "PATCH"]);
    await expectError(put, 405, "method_not_allowed");
  });

  it("rejects a bad create-session body", async () => {
    await expectError(await call("/api/sessions", { method: "POST", json: { id: "no spaces allowed" } }), 400, "invalid_request");
    await expectError(
      await call("/api/sessions", { method: "POST", body: "{", headers: { "content-type": "application/json" } }),
      400,
      "invalid_json",
    );
  });
});
