import type { ChatStatus } from "ai";
import { useLayoutEffect, useRef } from "react";
import type { ChatMessage } from "./chat-message";
import { MessageItem } from "./message-item";

interface MessageListProps {
  messages: ChatMessage[];
  status: ChatStatus;
  /** user message ids whose answer was stopped */
  stoppedTurns: ReadonlySet<string>;
  hasOlder: boolean;
}

/** px from the bottom within which the list keeps following new text */
const FOLLOW_SLACK_PX = 80;

/** The conversation, following the newest text unless the user scrolled up to read. */
export function MessageList({ messages, status, stoppedTurns, hasOlder }: MessageListProps) {
  const scroller = useRef<HTMLDivElement>(null);
  const following = useRef(true);

  useLayoutEffect(() => {
    const element = scroller.current;
    if (element && following.current) element.scrollTop = element.scrollHeight;
  });

  const onScroll = () => {
    const element = scroller.current;
    if (element) following.current = element.scrollHeight - element.scrollTop - element.clientHeight < FOLLOW_SLACK_PX;
  };

  const last = messages.at(-1);
  const waiting = status === "submitted" && last?.role === "user";
  let turnUserId: string | undefined;

  return (
    <div className="messages" ref={scroller} onScroll={onScroll} data-testid="messages">
      <div className="messages-inner">
        {hasOlder && <p className="messages-note">Earlier messages are not shown.</p>}
        {messages.length === 0 && <EmptyState />}
        {messages.map((message, index) => {
          if (message.role === "user") turnUserId = message.id;
          const endsTurn = messages[index + 1]?.role !== "assistant";
          const streaming = message === last && message.role === "assistant" && status === "streaming";
          return (
            <div key={message.id} className="turn-piece">
              <MessageItem message={message} streaming={streaming} />
              {endsTurn && turnUserId !== undefined && stoppedTurns.has(turnUserId) && (
                <p className="stopped-note" data-testid="stopped">
                  Stopped
                </p>
              )}
            </div>
          );
        })}
        {waiting && (
          <div className="message message-assistant" data-testid="pending">
            <span className="typing" role="status" aria-label="Waiting for the answer">
              <i />
              <i />
              <i />
            </span>
          </div>
        )}
      </div>
    </div>
  );
}

function EmptyState() {
  return (
    <div className="empty">
      <h2>What can I help with?</h2>
      <p>
        Answers stream in as they are written. Reload mid-answer and it picks up where it was; open this chat in a second tab and it follows
        along.
      </p>
    </div>
  );
}
