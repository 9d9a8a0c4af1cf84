import type {
  ContentBlockParam,
  RawContentBlockDelta,
  RawContentBlockStartEvent,
  RawMessageStreamEvent,
  StopReason,
} from "@anthropic-ai/sdk/resources/messages/messages";
import type { UIMessageChunk } from "ai";
import type { TokenUsage } from "../protocol/token-usage";

export interface ToolCall {
  id: string;
  name: string;
  input: unknown;
  /** Set when the model's input was not valid JSON: the call already has its outcome (tool-input-error). */
  inputError?: string;
}

/** A step's usage: the same shape as a turn's and a session's. */
export type StepUsage = TokenUsage;

type OpenBlock =
  | { kind: "text"; id: string; text: string }
  | { kind: "thinking"; id: string; thinking: string; signature: string }
  | { kind: "redacted_thinking"; data: string }
  | { kind: "tool_use"; id: string; name: string; json: string }
  | { kind: "ignored" };

/**
 * Maps one model call's stream (one step) to UI message chunks as the events arrive, and keeps what
 * the next step needs: the assistant content to send back to Claude, the tool calls, the stop reason
 * and the usage. Pure: no I/O, no clock, so its behaviour is a table of events in and chunks out.
 */
export class AnthropicStepMapper {
  private readonly blocks = new Map<number, OpenBlock>();
  private readonly content: ContentBlockParam[] = [];
  readonly toolCalls: ToolCall[] = [];
  stopReason: StopReason | null = null;
  /** True once `message_stop` arrived: a stream that ends without it was cut. */
  completed = false;
  readonly usage: StepUsage = { inputTokens: 0, outputTokens: 0, cacheReadTokens: 0, cacheWriteTokens: 0 };

  /** `partPrefix` makes part ids unique across the steps of one message. */
  constructor(private readonly partPrefix: string) {}

  /** The assistant content of this step, as Claude needs it back in the next request. */
  assistantContent(): ContentBlockParam[] {
    return this.content;
  }

  map(event: RawMessageStreamEvent): UIMessageChunk[] {
    switch (event.type) {
      case "message_start": {
        const u = event.message.usage;
        this.usage.inputTokens = u.input_tokens;
        this.usage.cacheReadTokens = u.cache_read_input_tokens ?? 0;
        this.usage.cacheWriteTokens = u.cache_creation_input_tokens ?? 0;
        this.usage.outputTokens = u.output_tokens;
        return [];
      }
      case "content_block_start":
        return this.start(event.index, event.content_block);
      case "content_block_delta":
        return this.delta(event.index, event.delta);
      case "content_block_stop":
        return this.stop(event.index);
      case "message_delta":
        this.stopReason = event.delta.stop_reason ?? this.stopReason;
        this.usage.outputTokens = event.usage.output_tokens ?? this.usage.outputTokens;
        if (event.usage.input_tokens != null) this.usage.inputTokens = event.usage.input_tokens;
        return [];
      case "message_stop":
        this.completed = true;
        return [];
      default:
        return [];
    }
  }

  private start(index: number, block: RawContentBlockStartEvent["content_block"]): UIMessageChunk[] {
    const id = `${this.partPrefix}${index}`;
    switch (block.type) {
      case "text":
        this.blocks.set(index, { kind: "text", id, text: "" });
        return [{ type: "text-start", id }];
      case "thinking":
        this.blocks.set(index, { kind: "thinking", id, thinking: "", signature: "" });
        return [{ type: "reasoning-start", id }];
      case "redacted_thinking":
        // Opaque to the user; kept only so the next request can send it back as Claude requires.
        this.blocks.set(index, { kind: "redacted_thinking", data: block.data });
        return [];
      case "tool_use": {
        const toolCallId = block.id;
        const toolName = block.name;
        this.blocks.set(index, { kind: "tool_use", id: toolCallId, name: toolName, json: "" });
        return [{ type: "tool-input-start", toolCallId, toolName }];
      }
      default:
        this.blocks.set(index, { kind: "ignored" });
        return [];
    }
  }

  private delta(index: number, delta: RawContentBlockDelta): UIMessageChunk[] {
    const block = this.blocks.get(index);
    if (!block) return [];
    if (block.kind === "text" && delta.type === "text_delta") {
      const text = delta.text;
      block.text += text;
      return [{ type: "text-delta", id: block.id, delta: text }];
    }
    if (block.kind === "thinking" && delta.type === "thinking_delta") {
      const text = delta.thinking;
      block.thinking += text;
      return [{ type: "reasoning-delta", id: block.id, delta: text }];
    }
    if (block.kind === "thinking" && delta.type === "signature_delta") {
      block.signature += delta.signature;
      return [];
    }
    if (block.kind === "tool_use" && delta.type === "input_json_delta") {
      const piece = delta.partial_json;
      block.json += piece;
      return piece === "" ? [] : [{ type: "tool-input-delta", toolCallId: block.id, inputTextDelta: piece }];
    }
    return [];
  }

  private stop(index: number): UIMessageChunk[] {
    const block = this.blocks.get(index);
    this.blocks.delete(index);
    if (!block) return [];
    switch (block.kind) {
      case "text":
        this.content.push({ type: "text", text: block.text });
        return [{ type: "text-end", id: block.id }];
      case "thinking":
        this.content.push({ type: "thinking", thinking: block.thinking, signature: block.signature });
        return [{ type: "reasoning-end", id: block.id, providerMetadata: { anthropic: { signature: block.signature } } }];
      case "redacted_thinking":
        this.content.push({ type: "redacted_thinking", data: block.data });
        return [];
      case "tool_use": {
        const parsed = parseToolInput(block.json);
        this.content.push({ type: "tool_use", id: block.id, name: block.name, input: parsed.ok ? parsed.value : {} });
        if (!parsed.ok) {
          const errorText = "The model sent tool input that is not valid JSON";
          this.toolCalls.push({ id: block.id, name: block.name, input: block.json, inputError: errorText });
          return [{ type: "tool-input-error", toolCallId: block.id, toolName: block.name, input: block.json, errorText }];
        }
        this.toolCalls.push({ id: block.id, name: block.name, input: parsed.value });
        return [{ type: "tool-input-available", toolCallId: block.id, toolName: block.name, input: parsed.value }];
      }
      default:
        return [];
    }
  }
}

function parseToolInput(json: string): { ok: true; value: unknown } | { ok: false } {
  // Claude streams `{}` as an empty string for tools without parameters.
  if (json.trim() === "") return { ok: true, value: {} };
  try {
    return { ok: true, value: JSON.parse(json) as unknown };
  } catch {
    return { ok: false };
  }
}
