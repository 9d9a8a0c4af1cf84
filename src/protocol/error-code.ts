/**
 * Every failure a client can see, on any transport. One union serves the HTTP error body
 * (`{ error: { code, message } }`), the stream's `error` chunk and the WebSocket `error` frame, so a
 * client branches on the same codes everywhere.
 */
export const ERROR_STATUS = {
  invalid_json: 400,
  invalid_request: 400,
  invalid_session_id: 400,
  invalid_cursor: 400,
  unknown_approval: 400,
  tool_input_mismatch: 400,
  tool_output_not_allowed: 400,
  invalid_file: 400,
  unknown_file: 400,
  unauthorized: 401,
  invalid_file_link: 403,
  forbidden_origin: 403,
  not_found: 404,
  method_not_allowed: 405,
  stream_already_active: 409,
  message_exists: 409,
  already_answered: 409,
  tools_pending: 409,
  message_too_large: 413,
  body_too_large: 413,
  file_too_large: 413,
  too_many_files: 413,
  unsupported_media_type: 415,
  unsupported_file_type: 415,
  file_type_mismatch: 415,
  upgrade_required: 426,
  internal_error: 500,
  not_configured: 503,
  // Turn outcomes: they reach clients inside a stream, never as an HTTP status of their own.
  turn_cancelled: 200,
  queued_cancelled: 200,
  upstream_error: 502,
  upstream_overloaded: 503,
  upstream_rate_limited: 503,
  upstream_auth_failed: 502,
  upstream_stalled: 504,
  context_too_long: 400,
  /** Claude declined to go on with the request (stop reason `refusal`). */
  model_refused: 422,
  turn_interrupted: 500,
} as const satisfies Record<string, number>;

export type ErrorCode = keyof typeof ERROR_STATUS;

/** An expected failure, as a value: Durable Object RPC keeps only `message` and `name` of a thrown error. */
export interface Failure {
  readonly ok: false;
  readonly code: ErrorCode;
  readonly message: string;
}

export type Result<T> = ({ readonly ok: true } & T) | Failure;

export function fail(code: ErrorCode, message: string): Failure {
  return { ok: false, code, message };
}
