import { describe, expect, it } from "vitest";
import { assertPublicUrl } from "../../src/agent/tools/assert-public-url";
import { fetchUrl, redirectLocation } from "../../src/agent/tools/fetch-url";
import { run } from "./support";

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
