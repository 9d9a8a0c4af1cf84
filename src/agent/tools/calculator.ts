import { z } from "zod";
import { defineTool } from "../tool";
import { evaluateExpression, MAX_EXPRESSION_CHARS } from "./evaluate-expression";

/** ms: evaluation is bounded by the input length, so anything slower is a bug */
const CALCULATOR_TIMEOUT_MS = 2_000;

const inputSchema = z.object({
  expression: z
    .string()
    .min(1)
    .max(MAX_EXPRESSION_CHARS)
    .describe(
      'Arithmetic expression, e.g. "(3.5 + 2) * 4^2 / sqrt(2)". Operators: + - * / % ^ (power, right-associative; ** is not accepted), ' +
        "unary minus, parentheses, scientific notation (1.5e-3). Constants: pi, e. Functions: sqrt, abs, ln, log10, log (base 10), " +
        "sin, cos, tan, asin, acos, atan (radians), exp, floor, ceil, round, min(a, b, ...), max(a, b, ...).",
    ),
});

export const calculator = defineTool({
  name: "calculator",
  description:
    "Evaluates an arithmetic expression exactly as written and returns the numeric result (IEEE 754 double precision). " +
    "Use it for any arithmetic beyond the trivial instead of computing in your head. Division by zero and results that are " +
    "not finite real numbers are reported as errors.",
  inputSchema,
  timeoutMs: CALCULATOR_TIMEOUT_MS,
  async execute({ expression }) {
    return { expression, result: evaluateExpression(expression) };
  },
});
