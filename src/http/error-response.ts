import type { Context } from "hono";
import type { ContentfulStatusCode } from "hono/utils/http-status";
import { ERROR_STATUS, type ErrorCode, type Failure } from "../protocol/error-code";

/**
 * The one JSON error shape of the REST API: `{ error: { code, message } }` with the code's status.
 * The return type is left to inference so typed clients (hono/client) see the error body's type.
 */
export function errorResponse(c: Context, code: ErrorCode, message: string) {
  return c.json({ error: { code, message } }, ERROR_STATUS[code] as ContentfulStatusCode);
}

export function failureResponse(c: Context, failure: Failure) {
  return errorResponse(c, failure.code, failure.message);
}
