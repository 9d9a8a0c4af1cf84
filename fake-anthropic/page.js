// @ts-check
/**
 * GET /_fake/page?chars=N: not an Anthropic endpoint. In tests every outbound fetch lands on the
 * fake, so this is the web page fetch_url reads when a test needs a large one.
 */
import { badRequest } from "./fake-api-error.js";

/** Characters a /_fake/page may have: enough for a "5 MB page" test, bounded so a typo cannot exhaust memory. */
const MAX_PAGE_CHARS = 16 * 1024 * 1024;
/** Characters per body chunk of a /_fake/page. */
const PAGE_CHUNK_CHARS = 64 * 1024;

/**
 * A large text page, produced as the reader pulls: a line of words repeated, so extraction and
 * truncation can be checked.
 * @param {number} chars
 */
export function page(chars) {
  if (!(chars >= 0 && chars <= MAX_PAGE_CHARS)) throw badRequest(`fake-anthropic: chars=${chars} is not within 0..${MAX_PAGE_CHARS}`);
  const line = "The quick brown fox jumps over the lazy dog. ";
  const encoder = new TextEncoder();
  let sent = 0;
  const body = new ReadableStream({
    pull(controller) {
      if (sent >= chars) return controller.close();
      const size = Math.min(PAGE_CHUNK_CHARS, chars - sent);
      controller.enqueue(encoder.encode(line.repeat(Math.ceil(size / line.length)).slice(0, size)));
      sent += size;
    },
  });
  return new Response(body, { status: 200, headers: { "content-type": "text/plain; charset=utf-8" } });
}
