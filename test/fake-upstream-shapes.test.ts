import { describe, expect, it } from "vitest";

/**
 * The fake upstream's `block=` and `burst=` directives, read as raw SSE from the fake (the vitest
 * config routes every outbound fetch of a test to it): how many text blocks an answer has, and how
 * many deltas each body chunk carries.
 */
async function stream(directive: string): Promise<string[]> {
  const res = await fetch("http://anthropic.fake/v1/messages", {
    method: "POST",
    headers: { "content-type": "application/json", "x-api-key": "k", "anthropic-version": "2023-06-01" },
    body: JSON.stringify({ model: "claude-sonnet-4-6", max_tokens: 1000, stream: true, messages: [{ role: "user", content: directive }] }),
  });
  expect(res.status).toBe(200);
  const pieces: string[] = [];
  const reader = res.body!.pipeThrough(new TextDecoderStream()).getReader();
  for (;;) {
    const { done, value } = await reader.read();
    if (done) return pieces;
    pieces.push(value);
  }
}

const count = (text: string, what: string) => text.split(what).length - 1;

describe("fake upstream shapes", () => {
  it("block=N splits a text answer into text blocks of N deltas each", async () => {
    const body = (await stream("shapes fake:text tokens=7 block=3")).join("");
    expect(count(body, '"type":"text_delta"')).toBe(7);
    expect(count(body, "event: content_block_start")).toBe(3);
    expect(count(body, "event: content_block_stop")).toBe(3);
  });

  it("burst=N sends N paced deltas per body chunk, the same deltas in all", async () => {
    const pieces = await stream("shapes fake:text tokens=12 rate=1000 burst=4");
    const withDeltas = pieces.filter((p) => p.includes('"text_delta"'));
    expect(withDeltas.map((p) => count(p, '"type":"text_delta"'))).toEqual([4, 4, 4]);
    const single = await stream("shapes fake:text tokens=12 rate=1000");
    expect(single.filter((p) => p.includes('"text_delta"')).map((p) => count(p, '"type":"text_delta"'))).toEqual(Array(12).fill(1));
  });
});
