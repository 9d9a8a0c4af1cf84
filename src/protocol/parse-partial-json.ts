/**
 * A synchronous port of the AI SDK's partial-JSON parsing (parsePartialJson + fixJson in
 * @ai-sdk/provider-utils), so streamed tool input is assembled exactly as clients assemble it, without
 * the SDK's async, re-parse-per-delta path in the session's hot loop. Tested prefix by prefix against
 * the SDK in test/message-assembler.test.ts.
 */
/**
 * The SDK's parsePartialJson, synchronously: parse, else parse the repaired prefix (fixJson), else undefined.
 * Like its secureJsonParse, a `__proto__` key or a `constructor.prototype` makes the parse fail.
 */
export function parsePartialJson(text: string): unknown {
  for (const candidate of [text, fixJson(text)]) {
    try {
      return JSON.parse(candidate, rejectPrototypeKeys);
    } catch {
      // Expected for a JSON prefix: fall through to the repaired text, then to undefined.
    }
  }
  return undefined;
}

function rejectPrototypeKeys(key: string, value: unknown): unknown {
  if (key === "__proto__" || (key === "constructor" && typeof value === "object" && value !== null && Object.hasOwn(value, "prototype"))) {
    throw new SyntaxError("Object contains forbidden prototype property");
  }
  return value;
}

type JsonState =
  | "ROOT"
  | "FINISH"
  | "STR"
  | "STR_ESC"
  | "STR_U"
  | "LIT"
  | "NUM"
  | "OBJ_START"
  | "OBJ_KEY"
  | "OBJ_AFTER_KEY"
  | "OBJ_BEFORE_VALUE"
  | "OBJ_AFTER_VALUE"
  | "OBJ_AFTER_COMMA"
  | "ARR_START"
  | "ARR_AFTER_VALUE"
  | "ARR_AFTER_COMMA";

const VALUE_START: Readonly<Record<string, JsonState>> = {
  '"': "STR",
  "{": "OBJ_START",
  "[": "ARR_START",
  "-": "NUM",
  t: "LIT",
  f: "LIT",
  n: "LIT",
};

/** Port of the SDK's internal fixJson (ai/src/util/fix-json.ts): closes a JSON prefix after its last complete token. */
function fixJson(input: string): string {
  const stack: JsonState[] = ["ROOT"];
  let lastValid = -1;
  let literalStart = 0;
  let hexDigits = 0;
  const swap = (state: JsonState) => {
    stack.pop();
    stack.push(state);
  };
  const close = (i: number) => {
    lastValid = i;
    stack.pop();
  };
  const valueStart = (c: string, i: number, after: JsonState) => {
    const next = c >= "0" && c <= "9" ? "NUM" : VALUE_START[c];
    if (!next) return;
    if (c !== "-") lastValid = i;
    if (next === "LIT") literalStart = i;
    swap(after);
    stack.push(next);
  };
  const afterValue = (c: string, i: number) => {
    const top = stack.at(-1);
    const [comma, closer] =
      top === "OBJ_AFTER_VALUE" ? ["OBJ_AFTER_COMMA", "}"] : top === "ARR_AFTER_VALUE" ? ["ARR_AFTER_COMMA", "]"] : [];
    if (comma && c === ",") swap(comma as JsonState);
    else if (closer && c === closer) close(i);
  };
  for (let i = 0; i < input.length; i++) {
    const c = input.charAt(i);
    switch (stack.at(-1)) {
      case "ROOT":
        valueStart(c, i, "FINISH");
        break;
      case "OBJ_START":
        if (c === '"') swap("OBJ_KEY");
        else if (c === "}") close(i);
        break;
      case "OBJ_AFTER_COMMA":
        if (c === '"') swap("OBJ_KEY");
        break;
      case "OBJ_KEY":
        if (c === '"') swap("OBJ_AFTER_KEY");
        break;
      case "OBJ_AFTER_KEY":
        if (c === ":") swap("OBJ_BEFORE_VALUE");
        break;
      case "OBJ_BEFORE_VALUE":
        valueStart(c, i, "OBJ_AFTER_VALUE");
        break;
      case "OBJ_AFTER_VALUE":
        afterValue(c, i);
        break;
      case "STR":
        if (c === '"') close(i);
        else if (c === "\\") stack.push("STR_ESC");
        else lastValid = i;
        break;
      case "STR_ESC":
        stack.pop();
        hexDigits = 0;
        if (c === "u") stack.push("STR_U");
        else lastValid = i;
        break;
      case "STR_U":
        if (/[0-9a-fA-F]/.test(c) && ++hexDigits === 4) close(i);
        break;
      case "ARR_START":
        if (c === "]") close(i);
        else valueStart(c, i, "ARR_AFTER_VALUE");
        break;
      case "ARR_AFTER_VALUE":
        if (c === "," || c === "]") afterValue(c, i);
        else lastValid = i;
        break;
      case "ARR_AFTER_COMMA":
        valueStart(c, i, "ARR_AFTER_VALUE");
        break;
      case "NUM":
        if (c >= "0" && c <= "9") lastValid = i;
        else if (!"eE-.".includes(c)) {
          stack.pop();
          afterValue(c, i);
        }
        break;
      case "LIT":
        if (LITERALS.some((lit) => lit.startsWith(input.substring(literalStart, i + 1)))) lastValid = i;
        else {
          stack.pop();
          afterValue(c, i);
        }
        break;
    }
  }
  let result = input.slice(0, lastValid + 1);
  for (const state of stack.reverse()) {
    if (state === "STR") result += '"';
    else if (state.startsWith("OBJ")) result += "}";
    else if (state.startsWith("ARR")) result += "]";
    else if (state === "LIT") {
      const partial = input.substring(literalStart);
      result += LITERALS.find((lit) => lit.startsWith(partial))?.slice(partial.length) ?? "";
    }
  }
  return result;
}

/** in the SDK's order of preference when completing a partial literal */
const LITERALS = ["true", "false", "null"];
