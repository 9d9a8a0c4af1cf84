import type { ErrorCode, Failure, Result } from "../protocol/error-code";

/**
 * An expected failure on its way to the HTTP error body. Handlers and middleware throw it (Hono's way:
 * one throw instead of a return at every step) and `app.onError` maps it in one place
 * (error-response.ts); anything else thrown is unexpected and answered as `internal_error`.
 */
export class ApiError extends Error {
  constructor(
    readonly code: ErrorCode,
    message: string,
  ) {
    super(message);
    this.name = "ApiError";
  }

  static of(failure: Failure): ApiError {
    return new ApiError(failure.code, failure.message);
  }
}

/** The success of a result, or its failure thrown as an ApiError. */
export function unwrap<T>(result: Result<T>): { readonly ok: true } & T {
  if (!result.ok) throw ApiError.of(result);
  return result;
}
