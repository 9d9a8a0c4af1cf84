import type { ChatStatus } from "ai";
import { useEffect, useLayoutEffect, useRef, useState } from "react";
import { type ChatMessage, outcomeOf, showsSomething, type TurnOutcome, textOf } from "./chat-message";
import { EmptyState } from "./empty-state";
import { MessageActions } from "./message-actions";
import { MessageItem, OutcomeNote } from "./message-item";
import { asksQuestion } from "./tool-answers";

interface MessageListProps {
  messages: ChatMessage[];
  status: ChatStatus;
  /** user message ids whose answer this tab stopped (shown before the stored outcome arrives) */
  stoppedTurns: ReadonlySet<string>;
  hasOlder: boolean;
  onRedo: () => void;
  onSuggest: (text: string) => void;
}

/** px from the bottom within which the list keeps following new text */
const FOLLOW_SLACK_PX = 80;
/** ms of waiting after which the dots say so: the server may be retrying a busy model */
const SLOW_WAIT_MS = 4_000;

const CANCELLED: TurnOutcome = { status: "cancelled", errorCode: "turn_cancelled", errorText: null };

/** The conversation, following the newest text unless the user scrolled up to read. */
export function MessageList({ messages, status, stoppedTurns, hasOlder, onRedo, onSuggest }: MessageListProps) {
  const scroller = useRef<HTMLDivElement>(null);
  const following = useRef(true);
  const [awayFromBottom, setAwayFromBottom] = useState(false);

  useLayoutEffect(() => {
    const element = scroller.current;
    if (element && following.current) element.scrollTop = element.scrollHeight;
  });

  const onScroll = () => {
    const element = scroller.current;
    if (!element) return;
    following.current = element.scrollHeight - element.scrollTop - element.clientHeight < FOLLOW_SLACK_PX;
    setAwayFromBottom(!following.current);
  };

  const toBottom = () => {
    const element = scroller.current;
    if (!element) return;
    following.current = true;
    setAwayFromBottom(false);
    element.scrollTo({ top: element.scrollHeight, behavior: "smooth" });
  };

  const busy = status === "submitted" || status === "streaming";
  const last = messages.at(-1);
  // From the send until something shows: the answer may exist already, still empty, while the server
  // waits for the model (or retries it).
  const waiting = busy && last !== undefined && (last.role === "user" || !showsSomething(last));
  let turnUserId: string | undefined;

  return (
    <div className="messages-frame">
      <div className="messages" ref={scroller} onScroll={onScroll} data-testid="messages">
        <div className="messages-inner">
          {hasOlder && <p className="messages-note">Earlier messages are not shown.</p>}
          {messages.length === 0 && <EmptyState onSuggest={onSuggest} />}
          {messages.map((message, index) => {
            if (message.role === "user") turnUserId = message.id;
            const endsTurn = messages[index + 1]?.role !== "assistant";
            const isLast = message === last;
            const streaming = isLast && message.role === "assistant" && busy;
            const outcome =
              message.role === "assistant" && endsTurn
                ? (outcomeOf(message) ?? (turnUserId !== undefined && stoppedTurns.has(turnUserId) ? CANCELLED : undefined))
                : undefined;
            // An answer that waits for the user is not over: copying or regenerating it comes after.
            const showActions = message.role === "assistant" && endsTurn && !streaming && !asksQuestion(message);
            const redoLabel = outcome?.status === "failed" ? "Retry" : "Regenerate";
            return (
              <div key={message.id} className="turn-piece">
                <MessageItem message={message} streaming={streaming} />
                {outcome && <OutcomeNote outcome={outcome} />}
                {showActions && (
                  <MessageActions text={textOf(message)} redo={isLast && !busy ? { label: redoLabel, run: onRedo } : undefined} />
                )}
              </div>
            );
          })}
          {waiting && <Waiting />}
        </div>
      </div>
      {awayFromBottom && (
        <button
          type="button"
          className="to-bottom"
          data-testid="scroll-to-bottom"
          aria-label="Scroll to the newest message"
          onClick={toBottom}
        >
          ↓
        </button>
      )}
    </div>
  );
}

function Waiting() {
  const [slow, setSlow] = useState(false);
  useEffect(() => {
    const timer = setTimeout(() => setSlow(true), SLOW_WAIT_MS);
    return () => clearTimeout(timer);
  }, []);
  return (
    <div className="message message-assistant waiting" data-testid="pending">
      <span className="typing" role="status" aria-label="Waiting for the answer">
        <i />
        <i />
        <i />
      </span>
      {slow && <span className="waiting-note">Still waiting for the model…</span>}
    </div>
  );
}
