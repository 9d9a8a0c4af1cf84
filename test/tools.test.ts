import { describe, expect, it } from "vitest";
import { z } from "zod";
import type { Tool, ToolContext } from "../src/agent/tool";
import { assertPublicUrl } from "../src/agent/tools/assert-public-url";
import { calculator } from "../src/agent/tools/calculator";
import { currentTime } from "../src/agent/tools/current-time";
import { evaluateExpression } from "../src/agent/tools/evaluate-expression";
import { extractText } from "../src/agent/tools/extract-text";
import { fetchUrl, redirectLocation } from "../src/agent/tools/fetch-url";
import { MAX_BODY_BYTES, MAX_ERROR_TEXT_CHARS, readTextBody } from "../src/agent/tools/read-text-body";
import { BUILT_IN_TOOLS, enabledTools } from "../src/agent/tools/registry";
import { wait } from "../src/agent/tools/wait";

interface ProgressReport {
  name: string;
  data: unknown;
  id: string | undefined;
}

/** Calls a tool the way the loop does: input through its schema first, then `execute` with a real signal. */
async function run(tool: Tool, input: unknown, options: { signal?: AbortSignal; onProgress?: (report: ProgressReport) => void } = {}) {
  const reports: ProgressReport[] = [];
  const context: ToolContext = {
    signal: options.signal ?? new AbortController().signal,
    session: { id: "session-1" },
    toolCallId: "call-1",
    progress(name, data, id) {
      const report = { name, data, id };
      reports.push(report);
      options.onProgress?.(report);
    },
  };
  const output = await tool.execute(tool.inputSchema.parse(input), context);
  return { output, reports };
}

describe("registry", () => {
  it("holds the four built-in tools under unique names, and enables a subset by name", () => {
    expect(BUILT_IN_TOOLS.map((tool) => tool.name)).toEqual(["current_time", "calculator", "fetch_url", "wait"]);
    expect([...enabledTools(["wait", "calculator", "nope"]).keys()].sort()).toEqual(["calculator", "wait"]);
    expect(enabledTools("all").size).toBe(4);
  });

  it("gives Claude an object JSON Schema with a description for every input field", () => {
    for (const tool of BUILT_IN_TOOLS) {
      const schema = z.toJSONSchema(tool.inputSchema, { io: "input" }) as {
        type: string;
        properties: Record<string, { description?: string }>;
      };
      expect(schema.type).toBe("object");
      expect(Object.keys(schema.properties).length).toBeGreaterThan(0);
      for (const [field, property] of Object.entries(schema.properties)) {
        expect(property.description, `${tool.name}.${field}`).toMatch(/\w{3,}/);
      }
      expect(tool.description.length).toBeGreaterThan(40);
    }
  });
});

describe("calculator", () => {
  it.each([
    ["1 + 2 * 3", 7],
    ["(1 + 2) * 3", 9],
    ["10 - 4 - 3", 3],
    ["100 / 10 / 5", 2],
    ["7 % 4", 3],
    ["-7 % 4", -3],
    ["2 ^ 3 ^ 2", 512],
    ["(2 ^ 3) ^ 2", 64],
    ["-2 ^ 2", -4],
    ["(-2) ^ 2", 4],
    ["2 ^ -1", 0.5],
    ["--3", 3],
    ["-+-3", 3],
    ["+4", 4],
    ["3 * -2", -6],
    ["1.5e3 + .5", 1500.5],
    ["2E-2", 0.02],
    ["1.", 1],
    ["sqrt(16) + abs(-3)", 7],
    ["log(1000)", 3],
    ["log10(0.01)", -2],
    ["ln(e)", 1],
    ["exp(0)", 1],
    ["floor(2.7) + ceil(2.1) + round(2.5)", 8],
    ["min(4, 2, 8)", 2],
    ["max(4, -2, 8 * 2)", 16],
    ["max(1)", 1],
    ["cos(0) + sin(0) + tan(0)", 1],
    ["atan(1) * 4", Math.PI],
    ["asin(1) * 2", Math.PI],
    ["acos(-1)", Math.PI],
    ["PI", Math.PI],
    ["2 * pi", 2 * Math.PI],
    ["  ( ( 1 ) )  ", 1],
    ["2^1023 * 1.5", 1.5 * 2 ** 1023],
  ])("%s = %d", async (expression, expected) => {
    expect(evaluateExpression(expression)).toBeCloseTo(expected, 12);
    const { output } = await run(calculator, { expression });
    expect(output).toEqual({ expression, result: evaluateExpression(expression) });
  });

  it.each([
    ["2+", /Expected a number, name or "\(" but found end of expression/],
    ["", /empty/],
    ["   ", /empty/],
    ["(", /end of expression/],
    ["(1 + 2", /Expected "\)"/],
    ["1 + 2)", /Unexpected "\)"/],
    ["alert(1)", /Unknown name "alert"/],
    ["constructor", /Unknown name "constructor"/],
    ["__proto__", /Unknown name "__proto__"/],
    ["toString(1)", /Unknown name "toString"/],
    ["Math.PI", /Unexpected character "\."|Unknown name "Math"/],
    ["this", /Unknown name/],
    ["1/0", /Division by zero/],
    ["5 % (2 - 2)", /Modulo by zero/],
    ["2**3", /"\*\*" is not supported/],
    ["2 3", /Unexpected "3"/],
    ["2e", /Unexpected "e"/],
    ["1.2.3", /Unexpected "\.3" at position 4/],
    ["sqrt(-1)", /not a real number/],
    ["(-8) ^ (1/3)", /not a real number/],
    ["ln(0)", /not a finite number/],
    ["10 ^ 400", /not a finite number/],
    ["1e999", /not a finite number/],
    ["sqrt(1, 2)", /takes 1 argument, got 2/],
    ["min()", /Expected a number/],
    ["sqrt", /Expected "\("/],
    ["1; 2", /Unexpected character ";"/],
    ["`1`", /Unexpected character "`"/],
    ["1 = 1", /Unexpected character "="/],
    [`${"(".repeat(150)}1${")".repeat(150)}`, /nested more than 100/],
    [`${"-".repeat(150)}1`, /nested more than 100/],
    ["1+".repeat(300), /longer than 500/],
  ])("rejects %j", async (expression, message) => {
    expect(() => evaluateExpression(expression)).toThrow(message);
  });

  it("rejects through the tool as an error the loop turns into an error result", async () => {
    await expect(run(calculator, { expression: "1/0" })).rejects.toThrow("Division by zero.");
  });

  it("refuses over-long and missing expressions at the schema, before evaluating", () => {
    expect(calculator.inputSchema.safeParse({ expression: "1".repeat(600) }).success).toBe(false);
    expect(calculator.inputSchema.safeParse({ expression: "" }).success).toBe(false);
    expect(calculator.inputSchema.safeParse({}).success).toBe(false);
    expect(calculator.inputSchema.safeParse({ expression: "1+1" }).success).toBe(true);
  });
});

describe("current_time", () => {
  it.each([
    ["UTC", "+00:00"],
    ["Etc/GMT-14", "+14:00"],
    ["Etc/GMT+12", "-12:00"],
    ["Asia/Kolkata", "+05:30"],
    ["Asia/Kathmandu", "+05:45"],
  ])("reports %s with offset %s", async (timeZone, utcOffset) => {
    const { output } = await run(currentTime, { timeZone });
    const result = output as { iso: string; timeZone: string; local: string; utcOffset: string; unixMs: number };
    expect(result).toEqual({ iso: expect.any(String), timeZone, local: expect.any(String), utcOffset, unixMs: expect.any(Number) });
    expect(new Date(result.iso).getTime()).toBe(result.unixMs);
    expect(result.local).toMatch(/^(Monday|Tuesday|Wednesday|Thursday|Friday|Saturday|Sunday), /);
  });

  it("defaults to UTC, whose local time matches the ISO time", async () => {
    const { output } = await run(currentTime, {});
    const result = output as { iso: string; timeZone: string; local: string; utcOffset: string };
    expect(result.timeZone).toBe("UTC");
    expect(result.utcOffset).toBe("+00:00");
    const [hours, minutes] = result.iso.slice(11, 16).split(":");
    expect(result.local).toContain(`${hours}:${minutes}`);
  });

  it("gives a daylight-saving zone one of its two offsets, and its canonical name for any casing", async () => {
    const { output } = await run(currentTime, { timeZone: "europe/berlin" });
    const { utcOffset, timeZone } = output as { utcOffset: string; timeZone: string };
    expect(["+01:00", "+02:00"]).toContain(utcOffset);
    expect(timeZone).toBe("Europe/Berlin");
  });

  it.each(["Mars/Olympus_Mons", "Not a zone", "+02:00x"])("refuses the unknown zone %j with a helpful message", async (timeZone) => {
    await expect(run(currentTime, { timeZone })).rejects.toThrow(/Unknown time zone .* IANA name/);
  });
});

describe("wait", () => {
  it("waits in equal steps, reporting each under the tool call id so the UI keeps one live part", async () => {
    const { output, reports } = await run(wait, { seconds: 0.1, steps: 3 });
    expect(output).toEqual({ waitedSeconds: 0.1, steps: 3 });
    expect(reports).toEqual(
      [1, 2, 3].map((step) => ({ name: "progress", data: { toolCallId: "call-1", step, steps: 3, label: "Waiting" }, id: "call-1" })),
    );
  });

  it("defaults to one step per second, rounded up", async () => {
    const { output, reports } = await run(wait, { seconds: 0.1 });
    expect(output).toEqual({ waitedSeconds: 0.1, steps: 1 });
    expect(reports).toHaveLength(1);
  });

  it("rejects with an AbortError when stopped mid-wait, without finishing the remaining steps", async () => {
    const controller = new AbortController();
    const steps = 5;
    const seen: ProgressReport[] = [];
    const running = run(
      wait,
      { seconds: 0.5, steps },
      {
        signal: controller.signal,
        onProgress: (report) => {
          seen.push(report);
          // After this report returns, `execute` starts the next sleep and awaits it; the microtask aborts that sleep.
          if (seen.length === 1) queueMicrotask(() => controller.abort());
        },
      },
    );
    await expect(running).rejects.toMatchObject({ name: "AbortError" });
    expect(seen.length).toBeGreaterThan(0);
    expect(seen.length).toBeLessThan(steps);
  });

  it("rejects at once when the signal is already aborted", async () => {
    const controller = new AbortController();
    controller.abort();
    const seen: ProgressReport[] = [];
    await expect(
      run(wait, { seconds: 600, steps: 100 }, { signal: controller.signal, onProgress: (r) => seen.push(r) }),
    ).rejects.toMatchObject({
      name: "AbortError",
    });
    expect(seen).toEqual([]);
  });

  it.each([
    { seconds: 0 },
    { seconds: 0.05 },
    { seconds: 601 },
    { seconds: 1, steps: 0 },
    { seconds: 1, steps: 101 },
    { seconds: 1, steps: 1.5 },
    {},
  ])("refuses %j at the schema", (input) => {
    expect(wait.inputSchema.safeParse(input).success).toBe(false);
  });
});

describe("fetch_url", () => {
  it.each([
    "http://localhost/",
    "http://LOCALHOST:8787/admin",
    "http://localhost./",
    "http://api.localhost/",
    "http://printer.local/",
    "http://metadata.internal/",
    "http://router.home.arpa/",
    "http://intranet/",
    "http://127.0.0.1/",
    "http://127.1.2.3:8080/",
    "http://10.0.0.1/",
    "http://172.16.0.1/",
    "http://172.31.255.255/",
    "http://192.168.1.1/",
    "http://169.254.169.254/latest/meta-data/",
    "http://100.64.0.1/",
    "http://100.127.255.255/",
    "http://0.0.0.0/",
    "http://0.1.2.3/",
    "http://224.0.0.1/",
    "http://255.255.255.255/",
    "http://[::1]/",
    "http://[::]/",
    "http://[0:0:0:0:0:0:0:1]/",
    "http://[fe80::1]/",
    "http://[febf::1]/",
    "http://[fc00::1]/",
    "http://[fd12:3456::1]/",
    "http://[ff02::1]/",
    "http://[::ffff:127.0.0.1]/",
    "http://[::ffff:7f00:1]/",
    "http://[::ffff:10.1.2.3]/",
    "http://[::ffff:169.254.169.254]/",
    "http://[::127.0.0.1]/",
    "http://[64:ff9b::192.168.0.1]/",
    "http://[2002:c0a8:101::]/",
    "http://2130706433/",
    "http://0x7f.1/",
    "http://0x7f000001/",
    "http://017700000001/",
    "http://0177.0.0.1/",
    "http://127.1/",
    "http://127.0.1/",
    "http://%31%32%37.0.0.1/",
    "http://134744072/",
    "http://0x08.0x08.0x08.0x08/",
    "http:2130706433/",
    "http:\\\\127.0.0.1\\",
    "http://user:pass@127.0.0.1/",
    "http://example.com@127.0.0.1/",
    "ftp://example.com/file.txt",
    "file:///etc/passwd",
    "data:text/plain,hello",
    "javascript:alert(1)",
    "//example.com/",
    "example.com",
    "not a url",
  ])("refuses %s before any network access", async (url) => {
    const refusal = /Refusing to fetch|Only http and https|not a valid absolute URL/;
    // assertPublicUrl is the tool's first step, before its fetch: the tool fails with its error, not an upstream answer.
    expect(() => assertPublicUrl(url)).toThrow(refusal);
    await expect(run(fetchUrl, { url })).rejects.toThrow(refusal);
  });

  it.each([
    "https://example.com/",
    "http://8.8.8.8/",
    "http://[2606:4700:4700::1111]/",
    "https://xn--bcher-kva.example/",
    "http://[::ffff:8.8.8.8]/",
  ])("accepts the public URL %s", (url) => {
    expect(assertPublicUrl(url).protocol).toMatch(/^https?:$/);
  });

  it("refuses maxChars outside 1..90000 at the schema, and defaults it to 20000", () => {
    expect(fetchUrl.inputSchema.safeParse({ url: "https://example.com/", maxChars: 0 }).success).toBe(false);
    expect(fetchUrl.inputSchema.safeParse({ url: "https://example.com/", maxChars: 90_001 }).success).toBe(false);
    expect(fetchUrl.inputSchema.safeParse({ url: "https://example.com/", maxChars: 90_000 }).success).toBe(true);
    expect(fetchUrl.inputSchema.parse({ url: "https://example.com/" })).toEqual({ url: "https://example.com/", maxChars: 20_000 });
  });

  it("returns a non-2xx response with its status and text instead of failing", async () => {
    // Every outbound fetch in this test environment reaches the fake upstream, which answers unknown paths with a JSON 404.
    const { output } = await run(fetchUrl, { url: "https://example.com/nothing" });
    expect(output).toEqual({
      url: "https://example.com/nothing",
      status: 404,
      contentType: expect.stringMatching(/^application\/json/),
      text: expect.stringContaining("not_found_error"),
      truncated: false,
    });
    expect(JSON.parse((output as { text: string }).text)).toMatchObject({ type: "error" });
  });

  it("passes the tool's signal to the fetch, so a stopped turn makes no request", async () => {
    const controller = new AbortController();
    controller.abort();
    await expect(run(fetchUrl, { url: "https://example.com/nothing" }, { signal: controller.signal })).rejects.toMatchObject({
      name: "AbortError",
    });
  });

  describe("redirect hops", () => {
    const redirect = (status: number, location?: string) =>
      new Response(null, { status, headers: location === undefined ? {} : { location } });

    it.each([
      [301, "https://a.example/", "https://b.example/start", "https://b.example/start"],
      [302, "https://b.example/start", "/next", "https://b.example/next"],
      [303, "https://b.example/dir/page", "next?x=1", "https://b.example/dir/next?x=1"],
      [307, "https://b.example/list", "?page=2", "https://b.example/list?page=2"],
      [308, "https://b.example/next", "//c.example/page", "https://c.example/page"],
      [302, "http://8.8.8.8/a", "/b", "http://8.8.8.8/b"],
    ])("follows a %i from %s to %j, resolved as %s", (status, from, location, to) => {
      const response = redirect(status, location);
      expect(redirectLocation(response)).toBe(location);
      expect(assertPublicUrl(location, new URL(from)).href).toBe(to);
    });

    it.each([
      [200, "https://b.example/"],
      [201, "https://b.example/created"],
      [300, "https://b.example/choice"],
      [304, "https://b.example/"],
      [302, undefined],
    ])("does not follow a %i with location %j", (status, location) => {
      expect(redirectLocation(redirect(status, location))).toBeNull();
    });

    it.each([
      "http://127.0.0.1/admin",
      "http://169.254.169.254/latest/meta-data/",
      "http://2130706433/",
      "http://[::1]/",
      "file:///etc/passwd",
    ])("re-checks every hop and refuses a redirect to %s", (location) => {
      expect(redirectLocation(redirect(302, location))).toBe(location);
      expect(() => assertPublicUrl(location, new URL("https://public.example/"))).toThrow(/Refusing to fetch|Only http and https/);
    });
  });
});

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

describe("extractText", () => {
  it.each<[string, string, { title?: string; text: string }]>([
    ["plain text", "Hello world", { text: "Hello world" }],
    ["title and body", "<html><head><title> My\n Page </title></head><body><p>Hi</p></body></html>", { title: "My Page", text: "Hi" }],
    ["no title", "<p>x</p>", { text: "x" }],
    ["empty title", "<title>  </title><p>x</p>", { text: "x" }],
    ["source whitespace collapses", "<p>Hello\n   big\tworld</p>", { text: "Hello big world" }],
    ["paragraphs and headings", "<h1>T</h1><p>One</p><p>Two</p>", { text: "T\n\nOne\n\nTwo" }],
    ["line elements", "<div>a</div><div>b</div>line<br>break", { text: "a\nb\nline\nbreak" }],
    ["deep nesting does not pile up blank lines", "<div><div><div><p>a</p></div></div></div><div><p>b</p></div>", { text: "a\n\nb" }],
    ["inline elements join", "<p>un<b>believ</b><i>able</i> <a href='/x'>link</a></p>", { text: "unbelievable link" }],
    ["list items", "<ul><li>one</li><li> two </li></ul>", { text: "- one\n- two" }],
    ["table cells", "<table><tr><th>Name</th><th>Age</th></tr><tr><td>Ann</td><td>30</td></tr></table>", { text: "Name Age\nAnn 30" }],
    [
      "script, style and friends are dropped",
      "<script>var x = '<p>no</p>';</script><style>p{}</style><noscript>enable js</noscript><template><p>t</p></template><p>yes</p>",
      { text: "yes" },
    ],
    ["uppercase and spaced closing tags", "<SCRIPT type='x'>bad()</SCRIPT ><P>ok</P>", { text: "ok" }],
    ["an unterminated script drops the rest", "<p>before</p><script>never closed <p>after</p>", { text: "before" }],
    ["svg text is dropped", "<p>a</p><svg><title>icon</title><text>label</text></svg><p>b</p>", { text: "a\n\nb" }],
    ["comments and doctype", "<!DOCTYPE html><!-- <p>hidden</p> --><?xml version='1.0'?><p>shown</p>", { text: "shown" }],
    ["an unterminated comment hides the rest", "<p>a</p><!-- open", { text: "a" }],
    ["quoted > in attributes", `<a title="1 > 0" data-x='<p>'>text</a>`, { text: "text" }],
    ["a lone < is text", "<p>1 < 2 and 3 <= 4</p>", { text: "1 < 2 and 3 <= 4" }],
    [
      "named entities",
      "<p>Tom &amp; Jerry &lt;3 &quot;hi&quot; &copy; 2025&nbsp;&mdash;&hellip;</p>",
      { text: 'Tom & Jerry <3 "hi" © 2025 —…' },
    ],
    ["numeric entities", "<p>&#65;&#x42;&#X43; &#128512; &#0; &#xD800;</p>", { text: "ABC 😀 \uFFFD \uFFFD" }],
    ["unknown or unterminated named entities stay", "<p>&bogus; a=1&copy=2</p>", { text: "&bogus; a=1&copy=2" }],
    ["escaped markup stays text", "<p>&lt;script&gt;alert(1)&lt;/script&gt;</p>", { text: "<script>alert(1)</script>" }],
    ["entities in the title", "<title>A &amp; B</title>", { title: "A & B", text: "" }],
    ["pre keeps its layout", "<p>code:</p><pre>if (x) {\n  y();\n}</pre><p>end</p>", { text: "code:\n\nif (x) {\n  y();\n}\n\nend" }],
    ["only the first title counts", "<title>One</title><title>Two</title>", { title: "One", text: "" }],
  ])("%s", (_name, html, expected) => {
    expect(extractText(html)).toEqual(expected);
  });

  it("reads large input with unclosed quotes and tags as one swallowed tag", () => {
    const html = `<a "${"<b x='".repeat(50_000)}`;
    expect(extractText(html)).toEqual({ text: "" });
    const many = "<a ".repeat(100_000);
    expect(extractText(many).text).toBe("");
  });
});
