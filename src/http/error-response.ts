import type { Context } from "hono";
import { HTTPException } from "hono/http-exception";
import type { ContentfulStatusCode } from "hono/utils/http-status";
import { ERROR_STATUS, type ErrorCode } from "../protocol/error-code";
import { ApiError } from "./api-error";

/**
 * The one JSON error shape of the REST API: `{ error: { code, message } }` with the code's status.
 * The return type is left to inference so typed clients (hono/client) see the error body's type.
 */
export function errorResponse(c: Context, code: ErrorCode, message: string) {
  return c.json({ error: { code, message } }, ERROR_STATUS[code] as ContentfulStatusCode);
}

/** Hono's `onError`: the one mapping from anything thrown in a request to what the client sees. */
export function onError(error: Error, c: Context) {
  if (error instanceof ApiError) return errorResponse(c, error.code, error.message);
  // Thrown by Hono or a library middleware for a request problem (it carries a 4xx status): keep the
  // status class, never its text, which is not written for our clients.
  if (error instanceof HTTPException && error.status === 415) {
    return errorResponse(c, "unsupported_media_type", "Send the body as JSON with Content-Type: application/json.");
  }
  if (error instanceof HTTPException && error.status < 500) return errorResponse(c, "invalid_request", "The request is malformed.");
  // Unexpected: log everything with the request id, send nothing of it.
  console.error(JSON.stringify({ event: "unhandled_error", request: c.get("requestId"), error: error.stack ?? String(error) }));
  return errorResponse(c, "internal_error", "Something went wrong on our side.");
}
