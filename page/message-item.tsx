import { getToolName, isToolUIPart } from "ai";
import { memo } from "react";
import type { ChatMessage, ChatPart, Progress } from "./chat-message";
import { ProgressBar } from "./progress-bar";
import { ReasoningView } from "./reasoning-view";
import { ToolCallView } from "./tool-call-view";

interface MessageItemProps {
  message: ChatMessage;
  /** the answer being written right now */
  streaming: boolean;
}

/** One message: its parts in order. Memoised: while one answer streams, the others need no render. */
export const MessageItem = memo(function MessageItem({ message, streaming }: MessageItemProps) {
  const progress = progressByToolCall(message.parts);
  return (
    <article className={`message message-${message.role}`} data-testid="message" data-role={message.role} data-message-id={message.id}>
      {message.parts.map((part, index) => (
        // biome-ignore lint/suspicious/noArrayIndexKey: parts have no ids of their own and only ever grow at the end, so the index is stable
        <PartView key={index} part={part} progress={progress} streaming={streaming} />
      ))}
      {streaming && message.parts.length === 0 && <span className="cursor" aria-hidden="true" />}
    </article>
  );
});

function PartView({ part, progress, streaming }: { part: ChatPart; progress: Map<string, Progress>; streaming: boolean }) {
  if (part.type === "text") {
    return (
      <div className="part-text" data-testid="text">
        {part.text}
        {streaming && part.state === "streaming" && <span className="cursor" aria-hidden="true" />}
      </div>
    );
  }
  if (part.type === "reasoning") return <ReasoningView text={part.text} streaming={part.state === "streaming"} />;
  if (isToolUIPart(part)) return <ToolCallView part={part} name={getToolName(part)} progress={progress.get(part.toolCallId)} />;
  if (part.type === "data-progress") {
    // Progress of a tool call is drawn inside that call; only progress without a call shows alone.
    if (part.data.toolCallId !== undefined && progress.has(part.data.toolCallId)) return null;
    return <ProgressBar progress={part.data} />;
  }
  if (part.type === "source-url") {
    return (
      <a className="source" href={part.url} target="_blank" rel="noreferrer">
        {part.title ?? part.url}
      </a>
    );
  }
  // step-start and anything newer: nothing to show.
  return null;
}

/** The latest progress of each tool call of the message that has a part for it. */
function progressByToolCall(parts: ChatPart[]): Map<string, Progress> {
  const calls = new Set(parts.filter(isToolUIPart).map((part) => part.toolCallId));
  const byCall = new Map<string, Progress>();
  for (const part of parts) {
    if (part.type === "data-progress" && part.data.toolCallId !== undefined && calls.has(part.data.toolCallId)) {
      byCall.set(part.data.toolCallId, part.data);
    }
  }
  return byCall;
}
