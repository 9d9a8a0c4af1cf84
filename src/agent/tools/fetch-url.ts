import { z } from "zod";
import { MAX_TOOL_OUTPUT_CHARS } from "../run-tool-calls";
import { defineTool } from "../tool";
import { assertPublicUrl } from "./assert-public-url";
import { readTextBody } from "./read-text-body";

/** characters of a URL the model may pass */
const MAX_URL_CHARS = 2_048;
/** characters of extracted text returned by default, and the most the model may ask for */
const DEFAULT_MAX_CHARS = 20_000;
/**
 * Leaves room under the loop's cap on a tool's serialised output (MAX_TOOL_OUTPUT_CHARS) for the
 * other fields and JSON escaping, so what a client sees is this tool's own `truncated` flag rather
 * than the loop cutting the whole result into a string.
 */
const MAX_MAX_CHARS = MAX_TOOL_OUTPUT_CHARS - 10_000;
/** redirects followed, each re-checked, before giving up */
const MAX_REDIRECTS = 3;
/** ms for the whole exchange, every redirect and the body included */
const FETCH_TIMEOUT_MS = 10_000;
/** ms the loop allows: the fetch timeout plus time to extract text from a full body */
const FETCH_URL_TOOL_TIMEOUT_MS = 15_000;

const REDIRECT_STATUSES = new Set([301, 302, 303, 307, 308]);

const inputSchema = z.object({
  url: z.string().min(1).max(MAX_URL_CHARS).describe("Absolute http:// or https:// URL of a public web page or text document."),
  maxChars: z
    .number()
    .int()
    .min(1)
    .max(MAX_MAX_CHARS)
    .default(DEFAULT_MAX_CHARS)
    .describe(
      `Most characters of text to return (default ${DEFAULT_MAX_CHARS}, at most ${MAX_MAX_CHARS}); longer text is cut and marked truncated.`,
    ),
});

export const fetchUrl = defineTool({
  name: "fetch_url",
  description:
    "Fetches a public web page or text document (HTML, plain text, JSON, XML) over http(s) and returns its HTTP status, content type, " +
    "title and readable text (HTML is reduced to its visible text). Follows up to 3 redirects. Private, local and internal addresses " +
    "are refused. Non-2xx responses are returned with their status and a short excerpt, not as errors.",
  inputSchema,
  timeoutMs: FETCH_URL_TOOL_TIMEOUT_MS,
  // The model picks the URL; the person whose chat it is decides whether the service fetches it.
  needsApproval: true,
  async execute({ url, maxChars }, { signal }) {
    let target = assertPublicUrl(url);
    const timeout = AbortSignal.timeout(FETCH_TIMEOUT_MS);
    const combined = AbortSignal.any([signal, timeout]);
    try {
      for (let redirects = 0; ; redirects += 1) {
        const response = await fetch(target, {
          method: "GET",
          // Followed by hand so that every hop is checked again, not just the URL the model gave.
          redirect: "manual",
          signal: combined,
          headers: { accept: "text/html, text/plain;q=0.9, application/json;q=0.9, application/xml;q=0.8, */*;q=0.1" },
        });
        const location = redirectLocation(response);
        if (location !== null) {
          await response.body?.cancel();
          if (redirects >= MAX_REDIRECTS) {
            throw new Error(`Too many redirects (more than ${MAX_REDIRECTS}); the last pointed to ${location}.`);
          }
          target = assertPublicUrl(location, target);
          continue;
        }
        return { url: target.href, ...(await readTextBody(response, { maxChars })) };
      }
    } catch (error) {
      if (timeout.aborted && !signal.aborted) {
        throw new Error(`No complete response from ${target.host} within ${FETCH_TIMEOUT_MS / 1000} s.`);
      }
      throw error;
    }
  },
});

/**
 * Where `response` redirects to, exactly as its `Location` header says (relative to the URL fetched, unchecked), or
 * null when it is not a redirect to follow: a 3xx without a Location (or 300/304) is the answer itself.
 */
export function redirectLocation(response: Response): string | null {
  const location = response.headers.get("location");
  return REDIRECT_STATUSES.has(response.status) ? location : null;
}
