import { describe, expect, it } from "vitest";
import { calculator } from "../../src/agent/tools/calculator";
import { evaluateExpression } from "../../src/agent/tools/evaluate-expression";
import { run } from "./support";

describe("calculator", () => {
  it.each([
    ["1 + 2 * 3", 7],
    ["(1 + 2) * 3", 9],
    ["10 - 4 - 3", 3],
    ["100 / 10 / 5", 2],
    ["7 % 4", 3],
    ["-7 % 4", -3],
    ["2 ^ 3 ^ 2", 512],
    ["(2 ^ 3) ^ 2", 64],
    ["-2 ^ 2", -4],
    ["(-2) ^ 2", 4],
    ["2 ^ -1", 0.5],
    ["--3", 3],
    ["-+-3", 3],
    ["+4", 4],
    ["3 * -2", -6],
    ["1.5e3 + .5", 1500.5],
    ["2E-2", 0.02],
    ["1.", 1],
    ["sqrt(16) + abs(-3)", 7],
    ["log(1000)", 3],
    ["log10(0.01)", -2],
    ["ln(e)", 1],
    ["exp(0)", 1],
    ["floor(2.7) + ceil(2.1) + round(2.5)", 8],
    ["min(4, 2, 8)", 2],
    ["max(4, -2, 8 * 2)", 16],
    ["max(1)", 1],
    ["cos(0) + sin(0) + tan(0)", 1],
    ["atan(1) * 4", Math.PI],
    ["asin(1) * 2", Math.PI],
    ["acos(-1)", Math.PI],
    ["PI", Math.PI],
    ["2 * pi", 2 * Math.PI],
    ["  ( ( 1 ) )  ", 1],
    ["2^1023 * 1.5", 1.5 * 2 ** 1023],
  ])("%s = %d", async (expression, expected) => {
    expect(evaluateExpression(expression)).toBeCloseTo(expected, 12);
    const { output } = await run(calculator, { expression });
    expect(output).toEqual({ expression, result: evaluateExpression(expression) });
  });

  it.each([
    ["2+", /Expected a number, name or "\(" but found end of expression/],
    ["", /empty/],
    ["   ", /empty/],
    ["(", /end of expression/],
    ["(1 + 2", /Expected "\)"/],
    ["1 + 2)", /Unexpected "\)"/],
    ["alert(1)", /Unknown name "alert"/],
    ["constructor", /Unknown name "constructor"/],
    ["__proto__", /Unknown name "__proto__"/],
    ["toString(1)", /Unknown name "toString"/],
    ["Math.PI", /Unexpected character "\."|Unknown name "Math"/],
    ["this", /Unknown name/],
    ["1/0", /Division by zero/],
    ["5 % (2 - 2)", /Modulo by zero/],
    ["2**3", /"\*\*" is not supported/],
    ["2 3", /Unexpected "3"/],
    ["2e", /Unexpected "e"/],
    ["1.2.3", /Unexpected "\.3" at position 4/],
    ["sqrt(-1)", /not a real number/],
    ["(-8) ^ (1/3)", /not a real number/],
    ["ln(0)", /not a finite number/],
    ["10 ^ 400", /not a finite number/],
    ["1e999", /not a finite number/],
    ["sqrt(1, 2)", /takes 1 argument, got 2/],
    ["min()", /Expected a number/],
    ["sqrt", /Expected "\("/],
    ["1; 2", /Unexpected character ";"/],
    ["`1`", /Unexpected character "`"/],
    ["1 = 1", /Unexpected character "="/],
    [`${"(".repeat(150)}1${")".repeat(150)}`, /nested more than 100/],
    [`${"-".repeat(150)}1`, /nested more than 100/],
    ["1+".repeat(300), /longer than 500/],
  ])("rejects %j", async (expression, message) => {
    expect(() => evaluateExpression(expression)).toThrow(message);
  });

  it("rejects through the tool as an error the loop turns into an error result", async () => {
    await expect(run(calculator, { expression: "1/0" })).rejects.toThrow("Division by zero.");
  });

  it("refuses over-long and missing expressions at the schema, before evaluating", () => {
    expect(calculator.inputSchema.safeParse({ expression: "1".repeat(600) }).success).toBe(false);
    expect(calculator.inputSchema.safeParse({ expression: "" }).success).toBe(false);
    expect(calculator.inputSchema.safeParse({}).success).toBe(false);
    expect(calculator.inputSchema.safeParse({ expression: "1+1" }).success).toBe(true);
  });
});
