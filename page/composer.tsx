import { type FormEvent, type KeyboardEvent, useEffect, useRef, useState } from "react";

interface ComposerProps {
  busy: boolean;
  stopping: boolean;
  onSend: (text: string) => void;
  onStop: () => void;
}

/** lines the input grows to before it scrolls */
const MAX_ROWS = 8;

/** The message input. Enter sends, Shift+Enter is a new line; while an answer runs, Send becomes Stop. */
export function Composer({ busy, stopping, onSend, onStop }: ComposerProps) {
  const [text, setText] = useState("");
  const input = useRef<HTMLTextAreaElement>(null);

  // biome-ignore lint/correctness/useExhaustiveDependencies: the textarea is re-measured whenever its text changes
  useEffect(() => {
    // Grow with the text, up to MAX_ROWS lines.
    const element = input.current;
    if (!element) return;
    element.style.height = "auto";
    const lineHeight = Number.parseFloat(getComputedStyle(element).lineHeight) || 22;
    element.style.height = `${Math.min(element.scrollHeight, lineHeight * MAX_ROWS + 20)}px`;
  }, [text]);

  const submit = (event?: FormEvent) => {
    event?.preventDefault();
    const trimmed = text.trim();
    if (!trimmed || busy || stopping) return;
    onSend(trimmed);
    setText("");
  };

  const onKeyDown = (event: KeyboardEvent<HTMLTextAreaElement>) => {
    // isComposing: Enter that confirms an IME composition (Japanese, Chinese...) must not send.
    if (event.key === "Enter" && !event.shiftKey && !event.nativeEvent.isComposing) submit(event);
  };

  return (
    <form className="composer" onSubmit={submit}>
      <textarea
        ref={input}
        className="composer-input"
        data-testid="composer-input"
        rows={1}
        placeholder="Message edgechat"
        aria-label="Message"
        value={text}
        onChange={(event) => setText(event.target.value)}
        onKeyDown={onKeyDown}
        // On a phone, focusing on load would pop the keyboard over the conversation.
        // biome-ignore lint/a11y/noAutofocus: on a desktop the input is the page's purpose
        autoFocus={matchMedia("(pointer: fine)").matches}
      />
      {busy || stopping ? (
        <button type="button" className="button button-stop" data-testid="stop" onClick={onStop} disabled={stopping}>
          <span className="stop-square" aria-hidden="true" />
          {stopping ? "Stopping" : "Stop"}
        </button>
      ) : (
        <button type="submit" className="button button-primary" data-testid="send" disabled={!text.trim()}>
          Send
        </button>
      )}
    </form>
  );
}
