import type { ChatStatus } from "ai";
import { useEffect, useLayoutEffect, useRef, useState } from "react";
import type { Siblings } from "./api-client";
import { BranchSwitcher } from "./branch-switcher";
import { type ChatMessage, outcomeOf, showsSomething, type TurnOutcome, textOf } from "./chat-message";
import { EmptyState } from "./empty-state";
import { MessageActions } from "./message-actions";
import { MessageEditor } from "./message-editor";
import { MessageItem, OutcomeNote } from "./message-item";
import { asksQuestion } from "./tool-answers";

interface MessageListProps {
  messages: ChatMessage[];
  status: ChatStatus;
  /** user message ids whose answer this tab stopped (shown before the stored outcome arrives) */
  stoppedTurns: ReadonlySet<string>;
  hasOlder: boolean;
  /** the shown messages that have siblings, by id */
  branches: ReadonlyMap<string, Siblings>;
  /** a switch is under way: the switchers wait for it */
  switching: boolean;
  /** the user message being edited, with the text in the editor */
  editing: { id: string; text: string } | null;
  onEdit: (editing: { id: string; text: string } | null) => void;
  onSaveEdit: (messageId: string, text: string) => void;
  /** regenerates this answer (a new sibling of it) */
  onRedo: (messageId: string) => void;
  onSwitch: (seq: number) => void;
  onSuggest: (text: string) => void;
}

/** px from the bottom within which the list keeps following new text */
const FOLLOW_SLACK_PX = 80;
/** ms of waiting after which the dots say so: the server may be retrying a busy model */
const SLOW_WAIT_MS = 4_000;

const CANCELLED: TurnOutcome = { status: "cancelled", errorCode: "turn_cancelled", errorText: null };

/** The conversation, following the newest text unless the user scrolled up to read. */
export function MessageList(props: MessageListProps) {
  const { messages, status, stoppedTurns, hasOlder, branches, switching, editing, onEdit, onSaveEdit, onRedo, onSwitch, onSuggest } = props;
  const scroller = useRef<HTMLDivElement>(null);
  const following = useRef(true);
  /** scrollHeight after the last render: where "the bottom" was */
  const lastHeight = useRef(0);
  const [awayFromBottom, setAwayFromBottom] = useState(false);

  useLayoutEffect(() => {
    const element = scroller.current;
    if (!element) return;
    // Follow only from the bottom of what was shown before this render, read from the position now: a
    // scroll up whose scroll event has not run yet (it fires a frame later) must not be undone by a
    // render that lands first, such as the history reload after a turn.
    const atOldBottom = element.scrollTop + element.clientHeight >= lastHeight.current - FOLLOW_SLACK_PX;
    if (following.current && atOldBottom) element.scrollTop = element.scrollHeight;
    lastHeight.current = element.scrollHeight;
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
    // At once rather than smooth: a render during a smooth scroll would find the view above its old
    // bottom and stop following.
    element.scrollTop = element.scrollHeight;
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
            const streaming = message === last && message.role === "assistant" && busy;
            const outcome =
              message.role === "assistant" && endsTurn
                ? (outcomeOf(message) ?? (turnUserId !== undefined && stoppedTurns.has(turnUserId) ? CANCELLED : undefined))
                : undefined;
            // An answer that waits for the user is not over: copying or regenerating it comes after.
            const showActions = message.role === "assistant" && endsTurn && !streaming && !asksQuestion(message);
            const redoLabel = outcome?.status === "failed" ? "Retry" : "Regenerate";
            const siblings = branches.get(message.id);
            const switcher = siblings && (
              <BranchSwitcher
                siblings={siblings}
                noun={message.role === "user" ? "version" : "answer"}
                disabled={busy || switching}
                onSwitch={onSwitch}
              />
            );
            if (message.role === "user" && editing?.id === message.id) {
              return (
                <div key={message.id} className="turn-piece">
                  <MessageEditor initialText={editing.text} onSave={(text) => onSaveEdit(message.id, text)} onCancel={() => onEdit(null)} />
                </div>
              );
            }
            return (
              <div key={message.id} className="turn-piece">
                <MessageItem message={message} streaming={streaming} />
                {outcome && <OutcomeNote outcome={outcome} />}
                {message.role === "user" && (
                  <div className="message-actions message-actions-user">
                    {/* Edit first: the switcher keeps its place under the message while Edit shows only on hover.
                        Off (not gone) while a turn runs, so the row does not jump at every send. */}
                    <button
                      type="button"
                      className="action action-edit"
                      data-testid="edit"
                      aria-label="Edit this message"
                      disabled={busy}
                      onClick={() => onEdit({ id: message.id, text: textOf(message) })}
                    >
                      Edit
                    </button>
                    {switcher}
                  </div>
                )}
                {showActions ? (
                  <MessageActions
                    text={textOf(message)}
                    switcher={switcher}
                    redo={busy ? undefined : { label: redoLabel, run: () => onRedo(message.id) }}
                  />
                ) : (
                  message.role === "assistant" && switcher && <div className="message-actions">{switcher}</div>
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
