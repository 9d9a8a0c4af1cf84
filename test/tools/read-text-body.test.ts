import { describe, expect, it } from "vitest";
import { MAX_BODY_BYTES, MAX_ERROR_TEXT_CHARS, readTextBody } from "../../src/agent/tools/read-text-body";

describe("readTextBody", () => {
  /** A body that never ends, in 64 KiB chunks of "x"; `seen` counts the bytes pulled and records a cancel. */
  function endlessBody() {
    const chunk = new TextEncoder().encode("x".repeat(64 * 1024));
    const seen = { sent: 0, cancelled: false };
    const stream = new ReadableStream<Uint8Array>({
      pull(controller) {
        seen.sent += chunk.byteLength;
        controller.enqueue(chunk);
      },
      cancel() {
        seen.cancelled = true;
      },
    });
    return { stream, seen };
  }

  it("reduces an HTML page to its title and visible text", async () => {
    const response = new Response("<title>Final</title><h1>Hello</h1><p>world</p>", {
      headers: { "content-type": "text/html; charset=utf-8" },
    });
    expect(await readTextBody(response, { maxChars: 20_000 })).toEqual({
      status: 200,
      contentType: "text/html; charset=utf-8",
      title: "Final",
      text: "Hello\n\nworld",
      truncated: false,
    });
  });

  it("returns plain text and JSON as they are, cut to maxChars", async () => {
    const json = await readTextBody(Response.json({ answer: 42 }), { maxChars: 20_000 });
    expect(json).toEqual({ status: 200, contentType: "application/json", text: '{"answer":42}', truncated: false });
    const notes = new Response("  line one\n\n  line two  ", { headers: { "content-type": "text/plain" } });
    expect(await readTextBody(notes, { maxChars: 8 })).toEqual({
      status: 200,
      contentType: "text/plain",
      text: "  line o",
      truncated: true,
    });
  });

  it.each([
    ["text/plain; charset=iso-8859-1", "café"],
    ['text/plain; charset="windows-1252"', "café"],
    ["text/plain; charset=no-such-charset", "caf\uFFFD"],
  ])("decodes the body as %s", async (contentType, text) => {
    const response = new Response(new Uint8Array([0x63, 0x61, 0x66, 0xe9]), { headers: { "content-type": contentType } });
    expect((await readTextBody(response, { maxChars: 100 })).text).toBe(text);
  });

  it.each([
    [{ "content-type": "application/octet-stream" }, /Unsupported content type "application\/octet-stream"/],
    [{ "content-type": "image/png" }, /Unsupported content type "image\/png"/],
    [{}, /Unsupported content type "\(none\)"/],
  ])("refuses a 2xx body with headers %j without downloading it", async (headers, message) => {
    const { stream, seen } = endlessBody();
    const response = new Response(stream, { headers });
    await expect(readTextBody(response, { maxChars: 100 })).rejects.toThrow(message);
    expect(seen.cancelled).toBe(true);
    expect(seen.sent).toBeLessThan(MAX_BODY_BYTES);
  });

  it("returns a 404 text response with its status and text", async () => {
    const response = new Response("No such page.", { status: 404, headers: { "content-type": "text/plain" } });
    expect(await readTextBody(response, { maxChars: 20_000 })).toEqual({
      status: 404,
      contentType: "text/plain",
      text: "No such page.",
      truncated: false,
    });
  });

  it("returns an error page's status with a short excerpt of its text, and an unreadable one's status alone", async () => {
    const gone = new Response(`<title>Gone</title><h1>410 Gone</h1><p>${"details ".repeat(1_000)}</p>`, {
      status: 410,
      headers: { "content-type": "text/html" },
    });
    const page = await readTextBody(gone, { maxChars: 20_000 });
    expect(page).toMatchObject({ status: 410, title: "Gone", truncated: true });
    expect(page.text).toMatch(/^410 Gone\n\ndetails details/);
    expect(page.text).toHaveLength(MAX_ERROR_TEXT_CHARS);
    const teapot = new Response(new Uint8Array([1, 2, 3]), { status: 418, headers: { "content-type": "image/png" } });
    expect(await readTextBody(teapot, { maxChars: 20_000 })).toEqual({ status: 418, contentType: "image/png", text: "", truncated: false });
  });

  it("stops reading the body after 1 MiB, cancels the rest and says it was truncated", async () => {
    const { stream, seen } = endlessBody();
    const response = new Response(stream, { headers: { "content-type": "text/plain" } });
    const body = await readTextBody(response, { maxChars: 100_000 });
    expect(body).toMatchObject({ status: 200, truncated: true });
    expect(body.text).toHaveLength(100_000);
    expect(seen.cancelled).toBe(true);
    expect(seen.sent).toBeGreaterThanOrEqual(MAX_BODY_BYTES);
    expect(seen.sent).toBeLessThan(2 * MAX_BODY_BYTES);
  });

  it("stops reading an error body after 64 KiB", async () => {
    const { stream, seen } = endlessBody();
    const response = new Response(stream, { status: 500, headers: { "content-type": "text/plain" } });
    const body = await readTextBody(response, { maxChars: 100_000 });
    expect(body).toMatchObject({ status: 500, truncated: true });
    expect(body.text).toHaveLength(MAX_ERROR_TEXT_CHARS);
    expect(seen.cancelled).toBe(true);
    expect(seen.sent).toBeLessThan(MAX_BODY_BYTES);
  });
});
