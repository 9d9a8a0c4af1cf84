import type { DynamicToolUIPart, FinishReason, ProviderMetadata, ReasoningUIPart, TextUIPart, UIMessage, UIMessageChunk } from "ai";

type Part = UIMessage["parts"][number];
type JSONObject = NonNullable<DynamicToolUIPart["toolMetadata"]>;
type DataChunk = Extract<UIMessageChunk, { type: `data-${string}` }>;
type DataPart = Extract<Part, { type: `data-${string}` }>;
type ToolState = "input-streaming" | "input-available" | "output-available" | "output-error";

/**
 * A tool part as the SDK handles it: one object mutated through every state, so it carries the
 * union of their fields. It is cast to `UIMessage` parts only where it enters or leaves `parts`.
 */
interface ToolPart {
  type: string;
  toolName?: string;
  toolCallId: string;
  state: string;
  title?: string;
  toolMetadata?: JSONObject;
  input?: unknown;
  inputEncoding?: "json" | "text";
  output?: unknown;
  rawInput?: unknown;
  errorText?: string;
  providerExecuted?: boolean;
  preliminary?: boolean;
  callProviderMetadata?: ProviderMetadata;
  resultProviderMetadata?: ProviderMetadata;
}

interface ToolUpdate extends Omit<ToolPart, "type" | "toolName" | "state" | "callProviderMetadata" | "resultProviderMetadata"> {
  dynamic: boolean;
  toolName: string;
  state: ToolState;
  providerMetadata?: ProviderMetadata | undefined;
}

interface PartialToolCall {
  text: string;
  inputEncoding: "json" | "text" | undefined;
  toolName: string;
  dynamic: boolean | undefined;
  title: string | undefined;
  toolMetadata: JSONObject | undefined;
}

export interface PendingToolCall {
  toolCallId: string;
  toolName: string;
  state: "input-streaming" | "input-available";
  dynamic: boolean;
}

/**
 * Builds the assistant message from our UI message chunks exactly as `readUIMessageStream` in ai 7.0.173
 * does (`processUIMessageStream` with `resetStateOnMessageIdChange`), so stored history equals what live
 * clients assembled. Unlike the SDK it never rescans `parts` or re-parses tool input per chunk: parts are
 * indexed by id, and partial tool input JSON is parsed only when a snapshot (or a tool outcome) needs it.
 * A chunk the SDK would reject throws here too: that is a bug in our producer.
 */
export class MessageAssembler {
  private msg: UIMessage;
  private readonly texts = new Map<string, TextUIPart>();
  private readonly reasonings = new Map<string, ReasoningUIPart>();
  private readonly partialCalls = new Map<string, PartialToolCall>();
  /** every tool part per toolCallId, in message order (duplicates only in pathological streams) */
  private readonly tools = new Map<string, { part: ToolPart; index: number }[]>();
  private readonly dataParts = new Map<string, DataPart>();
  /** streaming JSON tool input not yet parsed into `input`: raw text per part */
  private readonly pendingInput = new Map<ToolPart, string>();
  /** index of the last `step-start` part; parts after it are the SDK's "current step" */
  private stepStart = -1;
  private stepIsOpen = false;
  private hasStarted = false;
  private hasFinished = false;
  private lastFinishReason: FinishReason | undefined;

  constructor(init: { messageId: string } | { message: UIMessage }) {
    if ("messageId" in init) {
      this.msg = freshMessage(init.messageId);
      return;
    }
    if (init.message.role !== "assistant") throw new Error(`MessageAssembler: cannot continue a ${init.message.role} message`);
    this.msg = structuredClone(init.message);
    this.hasStarted = true;
    this.reindex();
    // As createStreamingUIMessageState: only the last step's streaming tool calls can take more input.
    for (const entries of this.tools.values()) {
      for (const { part, index } of entries) {
        if (index <= this.stepStart || part.state !== "input-streaming") continue;
        const dynamic = part.type === "dynamic-tool";
        const text = typeof part.rawInput === "string" ? part.rawInput : "";
        this.partialCalls.set(part.toolCallId, {
          text,
          inputEncoding: part.inputEncoding,
          toolName: toolNameOf(part),
          dynamic,
          title: part.title,
          toolMetadata: part.toolMetadata,
        });
      }
    }
  }

  /** A copy safe to store: call it at checkpoints, not per chunk (it clones the whole message). */
  get message(): UIMessage {
    for (const part of this.pendingInput.keys()) this.inputOf(part);
    return structuredClone(this.msg);
  }

  get messageId(): string {
    return this.msg.id;
  }
  get started(): boolean {
    return this.hasStarted;
  }
  get finished(): boolean {
    return this.hasFinished;
  }
  /** Kept beside the message, as the SDK does: `UIMessage` has no place for it. */
  get finishReason(): FinishReason | undefined {
    return this.lastFinishReason;
  }
  /** A `start-step` was applied and no `finish-step` after it. */
  get stepOpen(): boolean {
    return this.stepIsOpen;
  }
  openTextIds(): string[] {
    return [...this.texts.keys()];
  }
  openReasoningIds(): string[] {
    return [...this.reasonings.keys()];
  }
  /** Tool parts without an outcome, in message order. */
  pendingToolCalls(): PendingToolCall[] {
    const pending: PendingToolCall[] = [];
    for (const entries of this.tools.values()) {
      for (const { part } of entries) {
        if (part.state !== "input-streaming" && part.state !== "input-available") continue;
        pending.push({ toolCallId: part.toolCallId, toolName: toolNameOf(part), state: part.state, dynamic: part.type === "dynamic-tool" });
      }
    }
    return pending;
  }

  apply(chunk: UIMessageChunk): void {
    const c = chunk;
    switch (c.type) {
      case "start":
        if (c.messageId != null && c.messageId !== this.msg.id) this.restart(c.messageId);
        this.hasStarted = true;
        return this.mergeMetadata(c.messageMetadata);
      case "finish":
        if (c.finishReason != null) this.lastFinishReason = c.finishReason;
        this.hasFinished = true;
        return this.mergeMetadata(c.messageMetadata);
      case "message-metadata":
        return this.mergeMetadata(c.messageMetadata);
      case "error": // the SDK reports it through onError; the message is unchanged
      case "abort": // not handled by the SDK's message builder at all
        return;
      case "start-step":
        this.stepStart = this.push({ type: "step-start" });
        this.stepIsOpen = true;
        return;
      case "finish-step":
        // ai 7 leaves text/reasoning parts open across finish-step (merged streams); 5.x/6.x closed them.
        this.stepIsOpen = false;
        return;
      case "reset-step":
        for (const part of this.pendingInput.keys()) this.inputOf(part);
        this.texts.clear();
        this.reasonings.clear();
        this.partialCalls.clear();
        this.msg.parts.length = this.stepStart + 1;
        this.reindex();
        return;
      case "text-start": {
        const part: TextUIPart = { type: "text", text: "", providerMetadata: c.providerMetadata, state: "streaming" };
        this.texts.set(c.id, part);
        this.push(part);
        return;
      }
      case "text-delta":
      case "reasoning-delta": {
        const part = openPart<TextUIPart | ReasoningUIPart>(c.type === "text-delta" ? this.texts : this.reasonings, c.type, c.id);
        part.text += c.delta;
        part.providerMetadata = c.providerMetadata ?? part.providerMetadata;
        return;
      }
      case "text-end": {
        const part = openPart(this.texts, c.type, c.id);
        part.state = "done";
        if (c.citations != null) part.citations = c.citations;
        part.providerMetadata = c.providerMetadata ?? part.providerMetadata;
        this.texts.delete(c.id);
        return;
      }
      case "reasoning-start": {
        const part: ReasoningUIPart = { type: "reasoning", id: c.id, text: "", providerMetadata: c.providerMetadata, state: "streaming" };
        this.reasonings.set(c.id, part);
        this.push(part);
        return;
      }
      case "reasoning-end": {
        const part = openPart(this.reasonings, c.type, c.id);
        part.providerMetadata = c.providerMetadata ?? part.providerMetadata;
        part.state = "done";
        this.reasonings.delete(c.id);
        return;
      }
      case "custom":
        this.push({ type: "custom", kind: c.kind, providerMetadata: c.providerMetadata });
        return;
      case "file":
      case "reasoning-file":
        this.push({
          type: c.type,
          mediaType: c.mediaType,
          url: c.url,
          ...(c.providerMetadata != null ? { providerMetadata: c.providerMetadata } : {}),
        });
        return;
      case "source-url":
        this.push({ type: "source-url", sourceId: c.sourceId, url: c.url, title: c.title, providerMetadata: c.providerMetadata });
        return;
      case "source-document":
        this.push({
          type: "source-document",
          sourceId: c.sourceId,
          mediaType: c.mediaType,
          title: c.title,
          filename: c.filename,
          providerMetadata: c.providerMetadata,
        });
        return;
      case "steering-message":
        this.push({ type: "steering-message", id: c.id, parts: c.parts });
        return;
      case "tool-input-start": {
        const { toolCallId, toolName, inputEncoding, dynamic, title, toolMetadata } = c;
        this.partialCalls.set(toolCallId, { text: "", inputEncoding, toolName, dynamic, title, toolMetadata });
        this.updateTool({
          dynamic: !!dynamic,
          toolCallId,
          toolName,
          state: "input-streaming",
          inputEncoding,
          input: undefined,
          providerExecuted: c.providerExecuted,
          title,
          toolMetadata,
          providerMetadata: c.providerMetadata,
        });
        return;
      }
      case "tool-input-delta": {
        const call = this.partialCalls.get(c.toolCallId);
        if (!call) throw new Error(`MessageAssembler: tool-input-delta for unknown tool call "${c.toolCallId}" (no tool-input-start)`);
        call.text += c.inputTextDelta;
        const isText = call.inputEncoding === "text";
        const { toolName, inputEncoding, title, toolMetadata } = call;
        const part = this.updateTool({
          dynamic: !!call.dynamic,
          toolCallId: c.toolCallId,
          toolName,
          state: "input-streaming",
          inputEncoding,
          input: isText ? call.text : undefined,
          rawInput: call.text,
          title,
          toolMetadata,
        });
        if (!isText) this.pendingInput.set(part, call.text);
        return;
      }
      case "tool-input-available":
        this.updateTool({
          dynamic: !!c.dynamic,
          toolCallId: c.toolCallId,
          toolName: c.toolName,
          state: "input-available",
          input: c.input,
          providerExecuted: c.providerExecuted,
          providerMetadata: c.providerMetadata,
          title: c.title,
          toolMetadata: c.toolMetadata,
        });
        return;
      case "tool-input-error": {
        // Like the SDK: an existing part of this call in the current step decides static vs dynamic; `title` is ignored.
        const existing = this.findInStep(c.toolCallId, () => true);
        const dynamic = existing ? existing.type === "dynamic-tool" : !!c.dynamic;
        this.updateTool({
          dynamic,
          toolCallId: c.toolCallId,
          toolName: c.toolName,
          state: "output-error",
          input: c.input,
          errorText: c.errorText,
          providerExecuted: c.providerExecuted,
          providerMetadata: c.providerMetadata,
          toolMetadata: c.toolMetadata,
        });
        return;
      }
      case "tool-output-available":
      case "tool-output-error": {
        const part = this.toolInvocation(c.toolCallId, c.type);
        const dynamic = part.type === "dynamic-tool";
        const common = {
          dynamic,
          toolCallId: c.toolCallId,
          toolName: toolNameOf(part),
          input: this.inputOf(part),
          providerExecuted: c.providerExecuted,
          providerMetadata: c.providerMetadata,
          title: part.title,
          toolMetadata: c.toolMetadata ?? part.toolMetadata,
        };
        if (c.type === "tool-output-available")
          this.updateTool({ ...common, state: "output-available", output: c.output, preliminary: c.preliminary }, part);
        else
          this.updateTool(
            { ...common, state: "output-error", errorText: c.errorText, rawInput: dynamic ? undefined : part.rawInput },
            part,
          );
        return;
      }
      case "tool-output-denied": {
        const part = this.toolInvocation(c.toolCallId, c.type);
        this.inputOf(part);
        part.state = "output-denied";
        return;
      }
      case "tool-approval-request":
      case "tool-approval-response":
        throw new Error(`MessageAssembler: ${c.type} is not supported (we never emit tool approvals)`);
      default:
        return this.applyData(c);
    }
  }

  private applyData(chunk: DataChunk): void {
    if (chunk.transient) return;
    const key = chunk.id != null ? dataKey(chunk.type, chunk.id) : undefined;
    const existing = key !== undefined ? this.dataParts.get(key) : undefined;
    if (existing) {
      existing.data = chunk.data;
      return;
    }
    // The SDK stores the chunk object itself (so an explicit `transient: false` stays); copy it so we never alias the caller's.
    const part = { ...chunk } as DataPart;
    this.push(part);
    if (key !== undefined) this.dataParts.set(key, part);
  }

  /** updateToolPart / updateDynamicToolPart of the SDK, field for field: key presence matters for equality. */
  private updateTool(u: ToolUpdate, existingPart?: ToolPart): ToolPart {
    const isOutcome = u.state === "output-available" || u.state === "output-error";
    const part = existingPart ?? this.findInStep(u.toolCallId, (p) => (p.type === "dynamic-tool") === u.dynamic);
    const pm = u.providerMetadata;
    if (part) {
      this.pendingInput.delete(part);
      part.state = u.state;
      if (u.dynamic) part.toolName = u.toolName;
      else part.type = `tool-${u.toolName}`;
      part.input = u.input;
      part.output = u.output;
      part.errorText = u.errorText;
      part.rawInput = u.rawInput;
      if (u.inputEncoding != null) part.inputEncoding = u.inputEncoding;
      else delete part.inputEncoding;
      part.preliminary = u.preliminary;
      if (u.title !== undefined) part.title = u.title;
      if (u.toolMetadata !== undefined) part.toolMetadata = u.toolMetadata;
      part.providerExecuted = u.providerExecuted ?? part.providerExecuted;
      if (pm != null && isOutcome) part.resultProviderMetadata = pm;
      else if (pm != null) part.callProviderMetadata = pm;
      return part;
    }
    const created: ToolPart = {
      // The SDK's new dynamic part has no rawInput key; a new static part always has one.
      ...(u.dynamic ? { type: "dynamic-tool", toolName: u.toolName } : { type: `tool-${u.toolName}`, rawInput: u.rawInput }),
      toolCallId: u.toolCallId,
      state: u.state,
      title: u.title,
      ...(u.toolMetadata !== undefined ? { toolMetadata: u.toolMetadata } : {}),
      input: u.input,
      ...(u.inputEncoding != null ? { inputEncoding: u.inputEncoding } : {}),
      output: u.output,
      errorText: u.errorText,
      providerExecuted: u.providerExecuted,
      preliminary: u.preliminary,
      ...(pm != null ? (isOutcome ? { resultProviderMetadata: pm } : { callProviderMetadata: pm }) : {}),
    };
    this.indexTool(created, this.push(created as unknown as Part));
    return created;
  }

  /** The SDK's getToolInvocation: first match in the current step, else the last match anywhere. */
  private toolInvocation(toolCallId: string, chunkType: string): ToolPart {
    const found = this.findInStep(toolCallId, () => true) ?? this.tools.get(toolCallId)?.at(-1)?.part;
    if (!found) throw new Error(`MessageAssembler: ${chunkType} for unknown tool call "${toolCallId}"`);
    return found;
  }

  private findInStep(toolCallId: string, accept: (part: ToolPart) => boolean): ToolPart | undefined {
    return this.tools.get(toolCallId)?.find((e) => e.index > this.stepStart && accept(e.part))?.part;
  }

  /** The part's input, parsing streamed JSON now if it is still pending (the SDK parsed it on every delta). */
  private inputOf(part: ToolPart): unknown {
    const text = this.pendingInput.get(part);
    if (text !== undefined) {
      part.input = parsePartialJson(text);
      this.pendingInput.delete(part);
    }
    return part.input;
  }

  private mergeMetadata(metadata: unknown): void {
    if (metadata == null) return;
    this.msg.metadata = this.msg.metadata != null ? mergeObjects(this.msg.metadata, metadata) : metadata;
  }

  private push(part: Part): number {
    return this.msg.parts.push(part) - 1;
  }

  private indexTool(part: ToolPart, index: number): void {
    const entries = this.tools.get(part.toolCallId);
    if (entries) entries.push({ part, index });
    else this.tools.set(part.toolCallId, [{ part, index }]);
  }

  /** A `start` with another message id begins a separate response (readUIMessageStream's resetStateOnMessageIdChange). */
  private restart(messageId: string): void {
    this.msg = freshMessage(messageId);
    for (const map of [this.texts, this.reasonings, this.partialCalls, this.pendingInput]) map.clear();
    this.reindex();
    this.stepIsOpen = this.hasFinished = false;
    this.lastFinishReason = undefined;
  }

  private reindex(): void {
    this.tools.clear();
    this.dataParts.clear();
    this.stepStart = -1;
    this.msg.parts.forEach((part, index) => {
      if (part.type === "step-start") this.stepStart = index;
      else if (part.type === "dynamic-tool" || part.type.startsWith("tool-")) this.indexTool(part as unknown as ToolPart, index);
      else if (part.type.startsWith("data-")) {
        const data = part as DataPart;
        const key = data.id != null ? dataKey(data.type, data.id) : undefined;
        if (key !== undefined && !this.dataParts.has(key)) this.dataParts.set(key, data);
      }
    });
  }
}

function freshMessage(id: string): UIMessage {
  // `metadata: undefined` is a present key in the SDK's fresh message; keep it for exact equality.
  return { id, metadata: undefined, role: "assistant", parts: [] };
}

function openPart<P>(open: Map<string, P>, chunkType: string, id: string): P {
  const part = open.get(id);
  if (!part) throw new Error(`MessageAssembler: ${chunkType} for part "${id}" that is not open (missing ${chunkType.split("-")[0]}-start)`);
  return part;
}

function toolNameOf(part: ToolPart): string {
  return part.type === "dynamic-tool" ? (part.toolName ?? "") : part.type.slice("tool-".length);
}

function dataKey(type: string, id: string): string {
  return `${type}\u0000${id}`;
}

const isMergeable = (v: unknown): v is object =>
  v !== null && typeof v === "object" && !Array.isArray(v) && !(v instanceof Date) && !(v instanceof RegExp);

/** The SDK's internal mergeObjects: deep merge of plain objects; arrays and primitives replace; undefined is skipped. */
function mergeObjects(base: unknown, overrides: unknown): unknown {
  const result: Record<string, unknown> = { ...(base as object) };
  for (const key of Object.keys(overrides as object)) {
    if (key === "__proto__" || key === "constructor" || key === "prototype") continue;
    const value = (overrides as Record<string, unknown>)[key];
    if (value === undefined) continue;
    const baseValue = (base as Record<string, unknown>)[key];
    result[key] = isMergeable(value) && isMergeable(baseValue) ? mergeObjects(baseValue, value) : value;
  }
  return result;
}

/**
 * The SDK's parsePartialJson, synchronously: parse, else parse the repaired prefix (fixJson), else undefined.
 * Like its secureJsonParse, a `__proto__` key or a `constructor.prototype` makes the parse fail.
 */
function parsePartialJson(text: string): unknown {
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

/** Port of the SDK's internal fixJson (ai/src/util/fix-json.ts): closes a JSON prefix at its last complete token. */
function fixJson(input: string): string {
  const stack: JsonState[] = ["ROOT"];
  let lastValid = -1;
  let literalStart = 0;
  let hexDigits = 0;
  const swap = (state: JsonState) => {
    stack.pop();
    stack.push(state);
  };
  const valueStart = (c: string, i: number, after: JsonState) => {
    const next: JsonState | undefined =
      c === '"'
        ? "STR"
        : c === "{"
          ? "OBJ_START"
          : c === "["
            ? "ARR_START"
            : c === "-" || (c >= "0" && c <= "9")
              ? "NUM"
              : c === "f" || c === "t" || c === "n"
                ? "LIT"
                : undefined;
    if (!next) return;
    if (c !== "-") lastValid = i;
    if (next === "LIT") literalStart = i;
    swap(after);
    stack.push(next);
  };
  const afterValue = (c: string, i: number) => {
    const top = stack.at(-1);
    const [comma, close] =
      top === "OBJ_AFTER_VALUE"
        ? (["OBJ_AFTER_COMMA", "}"] as const)
        : top === "ARR_AFTER_VALUE"
          ? (["ARR_AFTER_COMMA", "]"] as const)
          : [];
    if (comma && c === ",") swap(comma);
    else if (close && c === close) {
      lastValid = i;
      stack.pop();
    }
  };
  for (let i = 0; i < input.length; i++) {
    const c = input.charAt(i);
    switch (stack.at(-1)) {
      case "ROOT":
        valueStart(c, i, "FINISH");
        break;
      case "OBJ_START":
        if (c === '"') swap("OBJ_KEY");
        else if (c === "}") {
          lastValid = i;
          stack.pop();
        }
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
        if (c === '"') {
          stack.pop();
          lastValid = i;
        } else if (c === "\\") stack.push("STR_ESC");
        else lastValid = i;
        break;
      case "ARR_START":
        if (c === "]") {
          lastValid = i;
          stack.pop();
        } else valueStart(c, i, "ARR_AFTER_VALUE");
        break;
      case "ARR_AFTER_VALUE":
        if (c === "," || c === "]") afterValue(c, i);
        else lastValid = i;
        break;
      case "ARR_AFTER_COMMA":
        valueStart(c, i, "ARR_AFTER_VALUE");
        break;
      case "STR_ESC":
        stack.pop();
        if (c === "u") {
          hexDigits = 0;
          stack.push("STR_U");
        } else lastValid = i;
        break;
      case "STR_U":
        if (/[0-9a-fA-F]/.test(c) && ++hexDigits === 4) {
          stack.pop();
          lastValid = i;
        }
        break;
      case "NUM":
        if (c >= "0" && c <= "9") lastValid = i;
        else if (c !== "e" && c !== "E" && c !== "-" && c !== ".") {
          stack.pop();
          afterValue(c, i);
        }
        break;
      case "LIT": {
        const partial = input.substring(literalStart, i + 1);
        if (["false", "true", "null"].some((lit) => lit.startsWith(partial))) lastValid = i;
        else {
          stack.pop();
          afterValue(c, i);
        }
        break;
      }
    }
  }
  let result = input.slice(0, lastValid + 1);
  for (let i = stack.length - 1; i >= 0; i--) {
    const state = stack[i];
    if (state === "STR") result += '"';
    else if (state?.startsWith("OBJ")) result += "}";
    else if (state?.startsWith("ARR")) result += "]";
    else if (state === "LIT") {
      const partial = input.substring(literalStart);
      const lit = ["true", "false", "null"].find((l) => l.startsWith(partial));
      if (lit) result += lit.slice(partial.length);
    }
  }
  return result;
}
