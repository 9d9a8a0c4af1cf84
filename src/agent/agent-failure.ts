import {
  APIConnectionError,
  APIError,
  APIUserAbortError,
  AuthenticationError,
  BadRequestError,
  PermissionDeniedError,
  RateLimitError,
} from "@anthropic-ai/sdk";
import type { ErrorCode } from "../protocol/error-code";

/** A failure of the agent loop that ends the turn, with a message safe to show any client. */
export class AgentFailure extends Error {
  constructor(
    readonly code: ErrorCode,
    readonly errorText: string,
    /** What to log; never sent to clients. */
    readonly detail?: unknown,
    /** The provider's error, for a caller that recovers from a specific one (a lost Files API upload). */
    cause?: unknown,
  ) {
    super(errorText, cause === undefined ? undefined : { cause });
    this.name = "AgentFailure";
  }
}

/**
 * Maps anything thrown by the model call to a coded, masked failure. Provider error text stays in
 * the log: it can carry request ids and account details that clients must not see.
 */
export function toAgentFailure(error: unknown): AgentFailure {
  if (error instanceof AgentFailure) return error;
  if (error instanceof AuthenticationError || error instanceof PermissionDeniedError) {
    return new AgentFailure("upstream_auth_failed", "The model provider rejected the configured API key.", error.message);
  }
  if (error instanceof RateLimitError) {
    return new AgentFailure("upstream_rate_limited", "The model provider is rate limiting requests. Try again shortly.", error.message);
  }
  if (isPromptTooLong(error)) {
    return new AgentFailure("context_too_long", "The conversation is too long for the model.", error.message);
  }
  if (error instanceof APIError && !(error instanceof APIUserAbortError) && !(error instanceof APIConnectionError)) {
    if (error.status === 529 || isOverloaded(error)) {
      return new AgentFailure("upstream_overloaded", "The model is overloaded. Try again shortly.", error.message);
    }
    return new AgentFailure(
      "upstream_error",
      "The model provider returned an error.",
      `${error.status ?? "stream"}: ${error.message}`,
      error,
    );
  }
  if (error instanceof APIConnectionError) {
    return new AgentFailure("upstream_error", "Could not reach the model provider.", error.message);
  }
  if (error instanceof SyntaxError) {
    return new AgentFailure("upstream_error", "The model provider sent a malformed response.", error.message);
  }
  return new AgentFailure(
    "internal_error",
    "The turn failed unexpectedly.",
    error instanceof Error ? `${error.name}: ${error.message}` : String(error),
  );
}

/**
 * The API's answers to a prompt that does not fit the model's window: 400 `invalid_request_error` with
 * "prompt is too long: 210000 tokens > 200000 maximum", or, when input plus `max_tokens` passes the window,
 * "input length and `max_tokens` exceed context limit: 197000 + 8192 > 200000, ...". The API gives these no
 * `error_code` (SDK 1.12.0 knows none for them), so the fixed start of the message is matched, nothing looser:
 * this answer triggers compaction, and another 400 that merely mentions "context" (an invalid
 * `context_management`) must fail the turn as the provider error it is.
 */
const PROMPT_TOO_LONG = /^(?:prompt is too long:|input length and `max_tokens` exceed context limit:)/;

function isPromptTooLong(error: unknown): error is BadRequestError {
  return error instanceof BadRequestError && error.type === "invalid_request_error" && PROMPT_TOO_LONG.test(error.apiMessage ?? "");
}

function isOverloaded(error: APIError): boolean {
  const body = error.error as { error?: { type?: unknown } } | undefined;
  return body?.error?.type === "overloaded_error";
}
