import { describe, expect, it } from "vitest";
import { base64Length, FileBodies, type FileSource } from "../../src/agent/file-bodies";

/** A file store whose streams hand out a file in uneven chunks (R2's chunking is not a multiple of 3). */
function store(files: Record<string, Uint8Array>, chunk = 7): FileSource & { opened: string[] } {
  const opened: string[] = [];
  return {
    opened,
    async stream(sha256) {
      const bytes = files[sha256];
      if (!bytes) return undefined;
      opened.push(sha256);
      let at = 0;
      return new ReadableStream<Uint8Array>({
        pull(controller) {
          if (at >= bytes.byteLength) return controller.close();
          controller.enqueue(bytes.slice(at, at + chunk));
          at += chunk;
        },
      });
    },
  };
}

/** A fetch that records what it was given: the body read whole, and the length the stream declared. */
function recorder() {
  const seen: { body: string | undefined; length: number | undefined; duplex: unknown }[] = [];
  let declared: number | undefined;
  const fixLength = (body: ReadableStream<Uint8Array>, length: number) => {
    declared = length;
    return body;
  };
  const baseFetch = (async (_input: RequestInfo | URL, init?: RequestInit) => {
    const body = init?.body;
    const text = typeof body === "string" ? body : body instanceof ReadableStream ? await new Response(body).text() : undefined;
    seen.push({ body: text, length: declared, duplex: (init as { duplex?: unknown } | undefined)?.duplex });
    return new Response("{}");
  }) as typeof fetch;
  return { seen, baseFetch, fixLength };
}

const sha = (c: string) => c.repeat(64);
const bytesOf = (n: number, seed: number) => Uint8Array.from({ length: n }, (_, i) => (i * 31 + seed) & 0xff);
const base64 = (bytes: Uint8Array) => Buffer.from(bytes).toString("base64");

describe("file bodies: stored files streamed into model requests", () => {
  it("sends exactly the inline request's bytes, for every length mod 3 and chunking, with the right length", async () => {
    for (const size of [0, 1, 2, 3, 4, 5, 6, 100, 4097]) {
      for (const chunk of [1, 2, 3, 7, 1024]) {
        const a = bytesOf(size, 1);
        const b = bytesOf(size + 1, 2);
        const files = store({ [sha("a")]: a, [sha("b")]: b }, chunk);
        const { seen, baseFetch, fixLength } = recorder();
        const bodies = new FileBodies(files, baseFetch, fixLength, "nonce");
        const request = (pa: string, pb: string) =>
          JSON.stringify({ messages: [{ content: [{ source: { data: pa } }, { text: "é ✓" }, { source: { data: pb } }] }] });
        await bodies.fetch("https://api.example/v1/messages", {
          method: "POST",
          body: request(bodies.placeholder(sha("a"), a.byteLength), bodies.placeholder(sha("b"), b.byteLength)),
        });
        const expected = request(base64(a), base64(b));
        expect(seen[0]?.body, `size ${size}, chunk ${chunk}`).toBe(expected);
        expect(seen[0]?.length).toBe(new TextEncoder().encode(expected).byteLength);
        expect(seen[0]?.duplex).toBe("half");
      }
    }
  });

  it("passes a request without placeholders through untouched, and opens no file", async () => {
    const files = store({ [sha("a")]: bytesOf(10, 0) });
    const { seen, baseFetch, fixLength } = recorder();
    const bodies = new FileBodies(files, baseFetch, fixLength, "nonce");
    bodies.placeholder(sha("a"), 10);
    await bodies.fetch("https://api.example/v1/models/x", { method: "GET" });
    await bodies.fetch("https://api.example/v1/messages", { method: "POST", body: '{"text":"edgechat-file-other-"}' });
    expect(seen.map((s) => s.body)).toEqual([undefined, '{"text":"edgechat-file-other-"}']);
    expect(files.opened).toEqual([]);
  });

  it("streams afresh on every call, as the SDK's retries need", async () => {
    const a = bytesOf(50, 3);
    const files = store({ [sha("a")]: a });
    const { seen, baseFetch, fixLength } = recorder();
    const bodies = new FileBodies(files, baseFetch, fixLength, "nonce");
    const init = { method: "POST", body: JSON.stringify({ data: bodies.placeholder(sha("a"), a.byteLength) }) };
    await bodies.fetch("https://api.example/v1/messages", init);
    await bodies.fetch("https://api.example/v1/messages", init);
    expect(seen.map((s) => s.body)).toEqual([JSON.stringify({ data: base64(a) }), JSON.stringify({ data: base64(a) })]);
    expect(files.opened).toEqual([sha("a"), sha("a")]);
  });

  it("fails the request when a file is gone by the time it is sent", async () => {
    const { baseFetch, fixLength } = recorder();
    const bodies = new FileBodies(store({}), baseFetch, fixLength, "nonce");
    const body = JSON.stringify({ data: bodies.placeholder(sha("c"), 3) });
    await expect(bodies.fetch("https://api.example/v1/messages", { method: "POST", body })).rejects.toThrow(/no longer stored/);
  });

  it("counts base64 characters with padding", () => {
    expect([0, 1, 2, 3, 4, 20 * 1024 * 1024].map(base64Length)).toEqual([0, 4, 4, 4, 8, 27962028]);
  });
});
