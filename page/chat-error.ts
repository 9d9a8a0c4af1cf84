import { APICallError } from "ai";
import { ApiError, parseErrorBody } from "./api-client";

/**
 * The text of the `error` chunk the server sends to every follower when a turn is stopped
 * (src/session/turn.ts CANCELLED_TEXT). A tab that did not press Stop learns of it this way.
 */
export const CANCELLED_TEXT = "Turn was cancelled";

/**
 * What the user should see for an error of the chat: an HTTP failure of DefaultChatTransport
 * (an APICallError carrying our JSON error body) or an `error` chunk from the stream (its text).
 */
export function describeChatError(error: Error): ApiError {
  if (APICallError.isInstance(error) && error.statusCode !== undefined) {
    return parseErrorBody(error.statusCode, error.responseBody ?? "");
  }
  if (error.message === CANCELLED_TEXT) return new ApiError(0, "turn_cancelled", "Stopped.");
  // A network failure mid-stream surfaces as a TypeError from fetch.
  if (error instanceof TypeError) return new ApiError(0, "network_error", "The connection was lost. Reload to pick the answer up again.");
  return new ApiError(0, "stream_error", error.message || "Something went wrong.");
}
