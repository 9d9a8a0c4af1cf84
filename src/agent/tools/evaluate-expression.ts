/**
 * A safe arithmetic evaluator: a tokenizer and a recursive-descent parser that evaluates as it parses. The input
 * comes from the model (and through it from anyone who can prompt it), so nothing here reaches `eval`, `Function`
 * or property lookup on ordinary objects: names resolve only through the `Map`s below, so `constructor` or
 * `__proto__` are just unknown names.
 *
 * Grammar, loosest binding first:
 *   expression := term (("+" | "-") term)*
 *   term       := unary (("*" | "/" | "%") unary)*
 *   unary      := ("+" | "-") unary | power
 *   power      := primary ("^" unary)?          right-associative; -2^2 = -(2^2), 2^-1 = 0.5
 *   primary    := number | constant | function "(" expression ("," expression)* ")" | "(" expression ")"
 */

/** characters; longer input is refused before tokenizing */
export const MAX_EXPRESSION_CHARS = 500;
/** nested parentheses, calls and unary signs; bounds the parser's recursion depth */
const MAX_NESTING = 100;

const CONSTANTS: ReadonlyMap<string, number> = new Map([
  ["pi", Math.PI],
  ["e", Math.E],
]);

interface MathFunction {
  /** minimum and maximum argument counts */
  readonly arity: readonly [number, number];
  readonly apply: (...args: number[]) => number;
}

const unary = (apply: (x: number) => number): MathFunction => ({ arity: [1, 1], apply });
const variadic = (apply: (...args: number[]) => number): MathFunction => ({ arity: [1, Number.POSITIVE_INFINITY], apply });

const FUNCTIONS: ReadonlyMap<string, MathFunction> = new Map([
  ["sqrt", unary(Math.sqrt)],
  ["abs", unary(Math.abs)],
  ["ln", unary(Math.log)],
  ["log10", unary(Math.log10)],
  ["log", unary(Math.log10)],
  ["sin", unary(Math.sin)],
  ["cos", unary(Math.cos)],
  ["tan", unary(Math.tan)],
  ["asin", unary(Math.asin)],
  ["acos", unary(Math.acos)],
  ["atan", unary(Math.atan)],
  ["exp", unary(Math.exp)],
  ["floor", unary(Math.floor)],
  ["ceil", unary(Math.ceil)],
  ["round", unary(Math.round)],
  ["min", variadic(Math.min)],
  ["max", variadic(Math.max)],
]);

/** `text` is the token as written and `at` its 0-based offset, both for error messages. */
type Token = { text: string; at: number } & ({ kind: "number"; value: number } | { kind: "name" | "symbol"; value: string });

const NUMBER = /\d+(?:\.\d*)?(?:[eE][+-]?\d+)?|\.\d+(?:[eE][+-]?\d+)?/y;
const NAME = /[A-Za-z_][A-Za-z0-9_]*/y;
const SYMBOLS = "+-*/%^(),";

function tokenize(text: string): Token[] {
  const tokens: Token[] = [];
  let at = 0;
  while (at < text.length) {
    const char = text[at]!;
    if (/\s/.test(char)) {
      at += 1;
      continue;
    }
    NUMBER.lastIndex = at;
    NAME.lastIndex = at;
    const number = NUMBER.exec(text);
    const name = number ? null : NAME.exec(text);
    if (number) {
      tokens.push({ kind: "number", value: Number(number[0]), text: number[0], at });
      at += number[0].length;
    } else if (name) {
      tokens.push({ kind: "name", value: name[0], text: name[0], at });
      at += name[0].length;
    } else if (SYMBOLS.includes(char)) {
      tokens.push({ kind: "symbol", value: char, text: char, at });
      at += 1;
    } else {
      throw new Error(`Unexpected character "${char}" at position ${at + 1}.`);
    }
  }
  return tokens;
}

/** Evaluates an arithmetic expression; throws an `Error` that says what is wrong and where. */
export function evaluateExpression(text: string): number {
  if (text.length > MAX_EXPRESSION_CHARS) throw new Error(`Expression is longer than ${MAX_EXPRESSION_CHARS} characters.`);
  const tokens = tokenize(text);
  if (tokens.length === 0) throw new Error("Expression is empty.");
  let index = 0;
  let depth = 0;

  const peek = (): Token | undefined => tokens[index];
  const describe = (token: Token | undefined) => (token ? `"${token.text}" at position ${token.at + 1}` : "end of expression");
  const isSymbol = (token: Token | undefined, symbol: string) => token?.kind === "symbol" && token.value === symbol;
  const expect = (symbol: string) => {
    if (!isSymbol(peek(), symbol)) throw new Error(`Expected "${symbol}" but found ${describe(peek())}.`);
    index += 1;
  };
  const nested = <T>(parse: () => T): T => {
    depth += 1;
    if (depth > MAX_NESTING) throw new Error(`Expression is nested more than ${MAX_NESTING} levels deep.`);
    try {
      return parse();
    } finally {
      depth -= 1;
    }
  };

  const expression = (): number => {
    let value = term();
    for (let token = peek(); isSymbol(token, "+") || isSymbol(token, "-"); token = peek()) {
      index += 1;
      value = token?.value === "+" ? value + term() : value - term();
    }
    return value;
  };

  const term = (): number => {
    let value = unaryExpression();
    for (let token = peek(); isSymbol(token, "*") || isSymbol(token, "/") || isSymbol(token, "%"); token = peek()) {
      index += 1;
      if (isSymbol(peek(), "*")) throw new Error(`"**" is not supported at position ${(token?.at ?? 0) + 1}; use "^" for powers.`);
      const right = unaryExpression();
      if (token?.value === "*") {
        value *= right;
      } else if (right === 0) {
        throw new Error(token?.value === "/" ? "Division by zero." : "Modulo by zero.");
      } else {
        value = token?.value === "/" ? value / right : value % right;
      }
    }
    return value;
  };

  const unaryExpression = (): number => {
    const token = peek();
    if (isSymbol(token, "-") || isSymbol(token, "+")) {
      index += 1;
      const operand = nested(unaryExpression);
      return token?.value === "-" ? -operand : operand;
    }
    return power();
  };

  const power = (): number => {
    const base = primary();
    if (!isSymbol(peek(), "^")) return base;
    index += 1;
    const exponent = nested(unaryExpression);
    const value = base ** exponent;
    if (Number.isNaN(value)) throw new Error(`${base}^${exponent} is not a real number.`);
    return value;
  };

  const primary = (): number => {
    const token = peek();
    index += 1;
    if (token?.kind === "number") return token.value;
    if (isSymbol(token, "(")) {
      const value = nested(expression);
      expect(")");
      return value;
    }
    if (token?.kind === "name") {
      const name = token.value.toLowerCase();
      const constant = CONSTANTS.get(name);
      if (constant !== undefined) return constant;
      const fn = FUNCTIONS.get(name);
      if (fn) return call(name, fn);
      throw new Error(
        `Unknown name "${token.value}" at position ${token.at + 1}. Known constants: ${[...CONSTANTS.keys()].join(", ")}; ` +
          `functions: ${[...FUNCTIONS.keys()].join(", ")}.`,
      );
    }
    throw new Error(`Expected a number, name or "(" but found ${describe(token)}.`);
  };

  const call = (name: string, fn: MathFunction): number => {
    expect("(");
    const args = [nested(expression)];
    while (isSymbol(peek(), ",")) {
      index += 1;
      args.push(nested(expression));
    }
    expect(")");
    const [min, max] = fn.arity;
    if (args.length < min || args.length > max) {
      throw new Error(`${name}() takes ${min === max ? min : `at least ${min}`} argument${min === 1 ? "" : "s"}, got ${args.length}.`);
    }
    const value = fn.apply(...args);
    if (Number.isNaN(value)) throw new Error(`${name}(${args.join(", ")}) is not a real number.`);
    return value;
  };

  const value = expression();
  if (index < tokens.length) throw new Error(`Unexpected ${describe(peek())}.`);
  if (!Number.isFinite(value)) throw new Error("The result is not a finite number.");
  return value;
}
