import type { MiddlewareHandler } from "hono";
import { ApiError } from "./api-error";
import { readLimited } from "./read-limited";

/**
 * Reads a JSON body before the route's validator sees it: content type (415), size while reading, not
 * trusted from headers (413), syntax (400 `invalid_json`). The parsed value goes into Hono's body
 * cache, so the zod validator that follows validates it without reading the body again.
 *
 * `optional`: a request with no body at all passes (the validator then sees `{}`); one with a body of
 * any kind, a chunked one without Content-Length included, must be JSON.
 */
export function jsonBody(maxBytes: number, options: { optional?: boolean } = {}): MiddlewareHandler {
  return async (c, next) => {
    const request = c.req.raw;
    const empty = request.body === null || request.headers.get("content-length") === "0";
    if (options.optional && empty && !request.headers.has("content-type")) return next();
    if (!/^application\/json\b/i.test(request.headers.get("content-type") ?? "")) {
      throw new ApiError("unsupported_media_type", "Send the body as JSON with Content-Type: application/json.");
    }
    const bytes = await readLimited(request, maxBytes);
    if (bytes === undefined) throw new ApiError("body_too_large", `The request body is over ${maxBytes} bytes.`);
    const text = new TextDecoder().decode(bytes);
    let json: unknown;
    try {
      json = JSON.parse(text);
    } catch {
      throw new ApiError("invalid_json", "The request body is not valid JSON.");
    }
    c.req.bodyCache.json = Promise.resolve(json);
    return next();
  };
}
