import type {
  ContentBlockParam,
  MessageDeltaUsage,
  RawContentBlockDelta,
  RawContentBlockStartEvent,
  RawMessageStreamEvent,
  StopReason,
  TextCitationParam,
  Usage,
} from "@anthropic-ai/sdk/resources/messages/messages";
import type { UIMessageChunk } from "ai";
import { NO_USAGE, type TokenUsage } from "../protocol/token-usage";
import { serverToolErrorText } from "./server-tools";

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
  | { kind: "text"; id: string; text: string; citations: TextCitationParam[] }
  | { kind: "thinking"; id: string; thinking: string; signature: string }
  | { kind: "redacted_thinking"; data: string }
  | { kind: "tool_use"; id: string; name: string; json: string }
  /** A call of one of Claude's own tools (web search, web fetch): Claude runs it, we only show it. */
  | { kind: "server_tool_use"; id: string; name: string; json: string }
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
  readonly usage: StepUsage = { ...NO_USAGE };

  /**
   * `partPrefix` makes part ids unique across the steps of one message; `citedUrls` (shared by the
   * steps of a turn) keeps one `source-url` part per cited page.
   */
  constructor(
    private readonly partPrefix: string,
    private readonly citedUrls: Set<string> = new Set(),
  ) {}

  /** The assistant content of this step, as Claude needs it back in the next request. */
  assistantContent(): ContentBlockParam[] {
    return this.content;
  }

  map(event: RawMessageStreamEvent): UIMessageChunk[] {
    switch (event.type) {
      case "message_start":
        this.readUsage(event.message.usage);
        return [];
      case "content_block_start":
        return this.start(event.index, event.content_block);
      case "content_block_delta":
        return this.delta(event.index, event.delta);
      case "content_block_stop":
        return this.stop(event.index);
      case "message_delta":
        this.stopReason = event.delta.stop_reason ?? this.stopReason;
        this.readUsage(event.usage);
        return [];
      case "message_stop":
        this.completed = true;
        return [];
      default:
        return [];
    }
  }

  /**
   * The API's usage counts are cumulative within a message: `message_delta` repeats or updates what
   * `message_start` said, so each field present replaces the one before.
   */
  private readUsage(u: Partial<Usage> | MessageDeltaUsage): void {
    if (u.input_tokens != null) this.usage.inputTokens = u.input_tokens;
    if (u.output_tokens != null) this.usage.outputTokens = u.output_tokens;
    if (u.cache_read_input_tokens != null) this.usage.cacheReadTokens = u.cache_read_input_tokens;
    if (u.cache_creation_input_tokens != null) {
      this.usage.cacheWriteTokens = u.cache_creation_input_tokens;
      // Without the split (older responses), every write was a 5-minute one.
      this.usage.cacheWrite5mTokens = u.cache_creation_input_tokens;
    }
    const split = "cache_creation" in u ? u.cache_creation : undefined;
    if (split) {
      this.usage.cacheWrite5mTokens = split.ephemeral_5m_input_tokens;
      this.usage.cacheWrite1hTokens = split.ephemeral_1h_input_tokens;
    }
    if (u.output_tokens_details) this.usage.thinkingTokens = u.output_tokens_details.thinking_tokens;
    if (u.server_tool_use) {
      this.usage.webSearchRequests = u.server_tool_use.web_search_requests ?? 0;
      this.usage.webFetchRequests = u.server_tool_use.web_fetch_requests ?? 0;
    }
  }

  private start(index: number, block: RawContentBlockStartEvent["content_block"]): UIMessageChunk[] {
    const id = `${this.partPrefix}${index}`;
    switch (block.type) {
      case "text":
        this.blocks.set(index, { kind: "text", id, text: "", citations: [] });
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
      case "server_tool_use":
        this.blocks.set(index, { kind: "server_tool_use", id: block.id, name: block.name, json: "" });
        return [{ type: "tool-input-start", toolCallId: block.id, toolName: block.name, providerExecuted: true }];
      case "web_search_tool_result":
      case "web_fetch_tool_result": {
        // The whole result arrives in the start event; it settles the call Claude made just before.
        this.blocks.set(index, { kind: "ignored" });
        this.content.push({ type: block.type, tool_use_id: block.tool_use_id, content: block.content } as ContentBlockParam);
        const errorText = serverToolErrorText(block.content);
        if (errorText !== undefined)
          return [{ type: "tool-output-error", toolCallId: block.tool_use_id, errorText, providerExecuted: true }];
        return [{ type: "tool-output-available", toolCallId: block.tool_use_id, output: block.content, providerExecuted: true }];
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
    if (block.kind === "text" && delta.type === "citations_delta") {
      const citation = delta.citation;
      block.citations.push(citation as TextCitationParam);
      // Web search citations name a page: a `source-url` part the first time a turn cites it.
      if (citation.type !== "web_search_result_location" || this.citedUrls.has(citation.url)) return [];
      this.citedUrls.add(citation.url);
      return [
        {
          type: "source-url",
          sourceId: `src-${this.partPrefix}${this.citedUrls.size}`,
          url: citation.url,
          ...(citation.title ? { title: citation.title } : {}),
        },
      ];
    }
    if ((block.kind === "tool_use" || block.kind === "server_tool_use") && delta.type === "input_json_delta") {
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
        // Citations go back with the text within the turn (Claude needs them to cite again); history drops them.
        this.content.push({ type: "text", text: block.text, ...(block.citations.length > 0 ? { citations: block.citations } : {}) });
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
      case "server_tool_use": {
        const parsed = parseToolInput(block.json);
        const input = parsed.ok ? parsed.value : {};
        this.content.push({ type: "server_tool_use", id: block.id, name: block.name as "web_search", input });
        return [{ type: "tool-input-available", toolCallId: block.id, toolName: block.name, input, providerExecuted: true }];
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
