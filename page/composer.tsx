import { type FormEvent, type KeyboardEvent, type RefObject, useEffect } from "react";

/** characters one message may have: the server refuses more (413 message_too_large) */
export const MAX_MESSAGE_CHARS = 32_000;
/** from this many characters on, the composer shows how many are left */
const COUNTER_FROM_CHARS = MAX_MESSAGE_CHARS - 2_000;
/** lines the input grows to before it scrolls */
const MAX_ROWS = 8;

interface ComposerProps {
  /** The draft is the chat's, not the composer's: a refused send puts it back. */
  draft: string;
  onDraft: (text: string) => void;
  busy: boolean;
  stopping: boolean;
  onSend: (text: string) => void;
  onStop: () => void;
  inputRef: RefObject<HTMLTextAreaElement | null>;
}

/** The message input. Enter sends, Shift+Enter is a new line; while an answer runs, Send becomes Stop. */
export function Composer({ draft, onDraft, busy, stopping, onSend, onStop, inputRef }: ComposerProps) {
  // biome-ignore lint/correctness/useExhaustiveDependencies: the textarea is re-measured whenever its text changes
  useEffect(() => {
    // Grow with the text, up to MAX_ROWS lines.
    const element = inputRef.current;
    if (!element) return;
    element.style.height = "auto";
    const lineHeight = Number.parseFloat(getComputedStyle(element).lineHeight) || 22;
    element.style.height = `${Math.min(element.scrollHeight, lineHeight * MAX_ROWS + 20)}px`;
  }, [draft]);

  const trimmed = draft.trim();
  const tooLong = draft.length > MAX_MESSAGE_CHARS;

  const submit = (event?: FormEvent) => {
    event?.preventDefault();
    if (!trimmed || tooLong || busy || stopping) return;
    onSend(trimmed);
  };

  const onKeyDown = (event: KeyboardEvent<HTMLTextAreaElement>) => {
    // isComposing: Enter that confirms an IME composition (Japanese, Chinese...) must not send.
    if (event.key === "Enter" && !event.shiftKey && !event.nativeEvent.isComposing) submit(event);
  };

  return (
    <form className="composer" onSubmit={submit}>
      <div className="composer-field">
        <textarea
          ref={inputRef}
          className="composer-input"
          data-testid="composer-input"
          rows={1}
          placeholder="Message edgechat"
          aria-label="Message"
          aria-describedby={draft.length >= COUNTER_FROM_CHARS ? "composer-counter" : undefined}
          aria-invalid={tooLong || undefined}
          value={draft}
          onChange={(event) => onDraft(event.target.value)}
          onKeyDown={onKeyDown}
          // On a phone, focusing on load would pop the keyboard over the conversation.
          // biome-ignore lint/a11y/noAutofocus: on a desktop the input is the page's purpose
          autoFocus={matchMedia("(pointer: fine)").matches}
        />
        {draft.length >= COUNTER_FROM_CHARS && (
          <span id="composer-counter" className={tooLong ? "composer-counter over" : "composer-counter"} data-testid="composer-counter">
            {tooLong
              ? `${characters(draft.length - MAX_MESSAGE_CHARS)} over the limit`
              : `${characters(MAX_MESSAGE_CHARS - draft.length)} left`}
          </span>
        )}
      </div>
      {busy || stopping ? (
        <button type="button" className="button button-stop" data-testid="stop" onClick={onStop} disabled={stopping}>
          <span className="stop-square" aria-hidden="true" />
          {stopping ? "Stopping" : "Stop"}
        </button>
      ) : (
        <button type="submit" className="button button-primary" data-testid="send" disabled={!trimmed || tooLong}>
          Send
        </button>
      )}
    </form>
  );
}

function characters(count: number): string {
  return `${count.toLocaleString()} ${count === 1 ? "character" : "characters"}`;
}
