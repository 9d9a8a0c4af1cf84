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
  ) {
    super(errorText);
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
  if (error instanceof BadRequestError && /prompt is too long|context/i.test(error.message)) {
    return new AgentFailure("context_too_long", "The conversation is too long for the model.", error.message);
  }
  if (error instanceof APIError && !(error instanceof APIUserAbortError) && !(error instanceof APIConnectionError)) {
    if (error.status === 529 || isOverloaded(error)) {
      return new AgentFailure("upstream_overloaded", "The model is overloaded. Try again shortly.", error.message);
    }
    return new AgentFailure("upstream_error", "The model provider returned an error.", `${error.status ?? "stream"}: ${error.message}`);
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

function isOverloaded(error: APIError): boolean {
  const body = error.error as { error?: { type?: unknown } } | undefined;
  return body?.error?.type === "overloaded_error";
}
