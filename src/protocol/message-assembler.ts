import type { DynamicToolUIPart, FinishReason, ProviderMetadata, ReasoningUIPart, TextUIPart, UIMessage, UIMessageChunk } from "ai";
// The SDK's own deep merge for message metadata (exported for its packages), so merges match exactly.
import { mergeObjects } from "ai/internal";
import { parsePartialJson } from "./parse-partial-json";

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
  approval?: { id: string; approved?: boolean; reason?: string; [key: string]: unknown };
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
  state: "input-streaming" | "input-available" | "approval-requested" | "approval-responded";
  dynamic: boolean;
}

const PENDING_STATES = new Set(["input-streaming", "input-available", "approval-requested", "approval-responded"]);

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
  /** Tool parts without an outcome (waiting for input, a run, or a person's answer), in message order. */
  pendingToolCalls(): PendingToolCall[] {
    const pending: PendingToolCall[] = [];
    for (const entries of this.tools.values()) {
      for (const { part } of entries) {
        if (!PENDING_STATES.has(part.state)) continue;
        pending.push({
          toolCallId: part.toolCallId,
          toolName: toolNameOf(part),
          state: part.state as PendingToolCall["state"],
          dynamic: part.type === "dynamic-tool",
        });
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
        this.mergeMetadata(c.messageMetadata);
        return;
      case "finish":
        if (c.finishReason != null) this.lastFinishReason = c.finishReason;
        this.hasFinished = true;
        this.mergeMetadata(c.messageMetadata);
        return;
      case "message-metadata":
        this.mergeMetadata(c.messageMetadata);
        return;
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
        this.updateTool({ ...callFields(c), state: "input-streaming", input: undefined, inputEncoding, title });
        return;
      }
      case "tool-input-delta": {
        const call = this.partialCalls.get(c.toolCallId);
        if (!call) throw new Error(`MessageAssembler: tool-input-delta for unknown tool call "${c.toolCallId}" (no tool-input-start)`);
        call.text += c.inputTextDelta;
        const isText = call.inputEncoding === "text";
        const { toolName, inputEncoding, title, toolMetadata, text } = call;
        const update = { toolCallId: c.toolCallId, toolName, inputEncoding, title, toolMetadata, rawInput: text };
        const part = this.updateTool({ ...update, dynamic: !!call.dynamic, state: "input-streaming", input: isText ? text : undefined });
        if (!isText) this.pendingInput.set(part, text);
        return;
      }
      case "tool-input-available":
        this.updateTool({ ...callFields(c), state: "input-available", input: c.input, title: c.title });
        return;
      case "tool-input-error": {
        // As the SDK: an existing part of this call in the current step decides static vs dynamic; `title` is ignored.
        const existing = this.findInStep(c.toolCallId, () => true);
        const dynamic = existing ? existing.type === "dynamic-tool" : !!c.dynamic;
        this.updateTool({ ...callFields(c), dynamic, state: "output-error", input: c.input, errorText: c.errorText });
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
      case "tool-approval-request": {
        // As the SDK: the call's part (anywhere in the message) now waits for a person's answer.
        const part = this.toolInvocation(c.toolCallId, c.type);
        part.state = "approval-requested";
        part.approval = {
          id: c.approvalId,
          ...(c.approvalDescriptor != null ? { descriptor: c.approvalDescriptor } : {}),
          ...(Object.hasOwn(c, "inputSchemaInput") ? { inputSchemaInput: c.inputSchemaInput } : {}),
          ...(c.reason != null ? { requestReason: c.reason } : {}),
          ...(c.isAutomatic === true ? { isAutomatic: true } : {}),
          ...(c.signature != null ? { signature: c.signature } : {}),
        };
        return;
      }
      case "tool-approval-response": {
        const part = this.byApprovalId(c.approvalId);
        part.state = "approval-responded";
        part.approval = {
          ...(part.approval ?? { id: c.approvalId }),
          id: c.approvalId,
          approved: c.approved,
          ...(c.reason != null ? { reason: c.reason } : {}),
        };
        if (c.providerExecuted != null) part.providerExecuted = c.providerExecuted;
        if (c.providerMetadata != null) part.callProviderMetadata = c.providerMetadata;
        return;
      }
      default:
        this.applyData(c);
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

  /** The SDK's getToolInvocationByApprovalId: the first tool part carrying that approval. */
  private byApprovalId(approvalId: string): ToolPart {
    for (const entries of this.tools.values()) {
      for (const { part } of entries) if (part.approval?.id === approvalId) return part;
    }
    throw new Error(`MessageAssembler: tool-approval-response for unknown approval "${approvalId}"`);
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
    this.msg.metadata = this.msg.metadata != null ? mergeObjects(this.msg.metadata as object, metadata as object) : metadata;
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

/** The fields the SDK copies from a tool-input-start, -available or -error chunk into the part. */
function callFields(c: Extract<UIMessageChunk, { type: "tool-input-start" | "tool-input-available" | "tool-input-error" }>) {
  const { toolCallId, toolName, providerExecuted, providerMetadata, toolMetadata } = c;
  return { dynamic: !!c.dynamic, toolCallId, toolName, providerExecuted, providerMetadata, toolMetadata };
}

function toolNameOf(part: ToolPart): string {
  return part.type === "dynamic-tool" ? (part.toolName ?? "") : part.type.slice("tool-".length);
}

function dataKey(type: string, id: string): string {
  return `${type}\u0000${id}`;
}
