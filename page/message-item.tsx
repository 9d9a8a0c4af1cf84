import { getToolName, isToolUIPart } from "ai";
import { memo } from "react";
import type { ChatMessage, ChatPart, Progress, TurnOutcome } from "./chat-message";
import { FilePartsView } from "./file-parts-view";
import { Markdown } from "./markdown";
import { ProgressBar } from "./progress-bar";
import { ReasoningView } from "./reasoning-view";
import { ToolQuestion } from "./tool-answers";
import { ToolCallView } from "./tool-call-view";

interface MessageItemProps {
  message: ChatMessage;
  /** the answer being written right now */
  streaming: boolean;
}

/** One message: its parts in order. Memoised: while one answer streams, the others need no render. */
export const MessageItem = memo(function MessageItem({ message, streaming }: MessageItemProps) {
  const progress = progressByToolCall(message.parts);
  const markdown = message.role === "assistant";
  const files = message.parts.filter((part) => part.type === "file");
  return (
    <article className={`message message-${message.role}`} data-testid="message" data-role={message.role} data-message-id={message.id}>
      {files.length > 0 && <FilePartsView parts={files} />}
      {message.parts.map((part, index) => (
        // biome-ignore lint/suspicious/noArrayIndexKey: parts have no ids of their own and only ever grow at the end, so the index is stable
        <PartView key={index} part={part} progress={progress} streaming={streaming} markdown={markdown} />
      ))}
    </article>
  );
});

interface PartViewProps {
  part: ChatPart;
  progress: Map<string, Progress>;
  streaming: boolean;
  /** answers are Markdown; what the user typed is shown as typed */
  markdown: boolean;
}

function PartView({ part, progress, streaming, markdown }: PartViewProps) {
  if (part.type === "text") {
    if (!markdown) {
      return (
        <div className="part-text part-plain" data-testid="text">
          {part.text}
        </div>
      );
    }
    return (
      <div className="part-text" data-testid="text">
        <Markdown text={part.text} streaming={streaming && part.state === "streaming"} />
      </div>
    );
  }
  if (part.type === "reasoning") return <ReasoningView text={part.text} streaming={part.state === "streaming"} />;
  if (isToolUIPart(part)) {
    const name = getToolName(part);
    return (
      <ToolCallView part={part} name={name} progress={progress.get(part.toolCallId)}>
        <ToolQuestion part={part} name={name} />
      </ToolCallView>
    );
  }
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
  // step-start (and files, shown together above) and anything newer: nothing to show here.
  return null;
}

/** "Stopped", or what went wrong, under the answer it ended. */
export function OutcomeNote({ outcome }: { outcome: TurnOutcome }) {
  if (outcome.status === "cancelled") {
    return (
      <p className="stopped-note" data-testid="stopped">
        Stopped
      </p>
    );
  }
  if (outcome.status !== "failed") return null;
  return (
    <p className="failed-note" data-testid="failed" data-code={outcome.errorCode ?? undefined} role="alert">
      {outcome.errorText ?? "The answer failed."}
    </p>
  );
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
