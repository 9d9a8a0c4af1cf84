import { getToolName, isToolUIPart } from "ai";
import { useEffect, useRef, useState } from "react";
import { type ChatMessage, outcomeOf, textOf } from "./chat-message";

/** characters of a finished answer read out; the rest is on the page */
const MAX_ANNOUNCED_CHARS = 600;

const TOOL_STATES: Record<string, string> = {
  "input-available": "running",
  "output-available": "done",
  "output-error": "failed",
};

/**
 * A visually hidden `aria-live` region: screen readers hear a tool call start and settle, and the
 * answer once it is complete (reading every streamed word as it arrives would be noise).
 */
export function LiveAnnouncer({ messages, busy }: { messages: ChatMessage[]; busy: boolean }) {
  const [text, setText] = useState("");
  const last = messages.at(-1);
  const tools = last?.role === "assistant" ? toolStates(last) : "";
  const seenTools = useRef(tools);
  const wasBusy = useRef(busy);

  useEffect(() => {
    if (tools === seenTools.current) return;
    const before = new Set(seenTools.current.split("\n"));
    seenTools.current = tools;
    const changed = tools.split("\n").filter((line) => line !== "" && !before.has(line));
    if (busy && changed.length > 0) setText(changed.join(". "));
  }, [tools, busy]);

  useEffect(() => {
    if (wasBusy.current && !busy && last?.role === "assistant") {
      const outcome = outcomeOf(last);
      if (outcome?.status === "cancelled") setText("The answer was stopped.");
      else if (outcome?.status === "failed") setText(`The answer failed: ${outcome.errorText ?? ""}`);
      else setText(`Answer: ${textOf(last).slice(0, MAX_ANNOUNCED_CHARS)}`);
    }
    wasBusy.current = busy;
  }, [busy, last]);

  return (
    <div className="sr-only" aria-live="polite" data-testid="live-region">
      {text}
    </div>
  );
}

function toolStates(message: ChatMessage): string {
  return message.parts
    .filter(isToolUIPart)
    .map((part) => (TOOL_STATES[part.state] ? `${getToolName(part)} ${TOOL_STATES[part.state]}` : ""))
    .join("\n");
}
