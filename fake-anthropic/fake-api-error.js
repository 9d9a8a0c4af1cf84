// @ts-check
/** The fake's failures: an HTTP error answer in Anthropic's shape, and the 400 for a mistaken request or directive. */

/** An HTTP error answer in Anthropic's shape: `{ type: 'error', error: { type, message } }`. */
export class FakeApiError extends Error {
  /**
   * @param {number} status
   * @param {string} type Anthropic's error type, e.g. `rate_limit_error`
   * @param {string} message
   * @param {Record<string, string>} [headers]
   */
  constructor(status, type, message, headers = {}) {
    super(message);
    this.name = "FakeApiError";
    this.status = status;
    this.type = type;
    this.headers = headers;
  }
}

/** A mistake in the request or the directive: answered loudly as 400 so a test author sees it at once. @param {string} message */
export function badRequest(message) {
  return new FakeApiError(400, "invalid_request_error", message);
}
