import type { ValidationTargets } from "hono";
import type { z } from "zod";
import { describeIssues } from "../protocol/client-message";
import type { ErrorCode } from "../protocol/error-code";
import { ApiError } from "./api-error";

/** The code a failed validation answers with, by what failed: a bad `:id` is its own code everywhere. */
const DEFAULT_CODES: Partial<Record<keyof ValidationTargets, ErrorCode>> = { param: "invalid_session_id" };

/**
 * The zod validators' hook: a failed input is thrown as an ApiError and mapped with every other error
 * in `onError`. A route passes its own codes where a target means something specific (a bad `cursor`
 * query is `invalid_cursor`).
 */
export function validationHook(codes: Partial<Record<keyof ValidationTargets, ErrorCode>> = {}) {
  return (result: { success: boolean; error?: z.ZodError; target: keyof ValidationTargets }): undefined => {
    if (result.success || !result.error) return undefined;
    throw new ApiError(codes[result.target] ?? DEFAULT_CODES[result.target] ?? "invalid_request", describeIssues(result.error));
  };
}
