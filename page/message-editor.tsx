import { useEffect, useRef, useState } from "react";
import { MAX_MESSAGE_CHARS } from "./composer";

interface MessageEditorProps {
  /** the message's text as it stands (or an edit the server refused, to try again) */
  initialText: string;
  onSave: (text: string) => void;
  onCancel: () => void;
}

/**
 * Edits a user message in place. Saving sends the new text as a new version of that message (the
 * server keeps the old one, and its answers, on their own branch); what followed it leaves the view.
 */
export function MessageEditor({ initialText, onSave, onCancel }: MessageEditorProps) {
  const [text, setText] = useState(initialText);
  const input = useRef<HTMLTextAreaElement>(null);

  useEffect(() => {
    const element = input.current;
    if (!element) return;
    element.focus();
    element.setSelectionRange(element.value.length, element.value.length);
  }, []);

  useEffect(() => {
    // Grow with the text, as the composer does, instead of scrolling inside a small box.
    const element = input.current;
    if (!element) return;
    element.style.height = "auto";
    element.style.height = `${element.scrollHeight}px`;
  });

  // The server's limit on a message, as the composer holds it.
  const savable = text.trim() !== "" && text.length <= MAX_MESSAGE_CHARS;
  const save = () => {
    if (savable) onSave(text);
  };

  return (
    <form
      className="message-editor"
      data-testid="message-editor"
      onSubmit={(event) => {
        event.preventDefault();
        save();
      }}
    >
      <textarea
        ref={input}
        className="message-editor-input"
        data-testid="edit-input"
        aria-label="Edit your message"
        value={text}
        rows={1}
        onChange={(event) => setText(event.target.value)}
        onKeyDown={(event) => {
          if (event.key === "Escape") onCancel();
          // Enter saves, as it sends in the composer; Shift+Enter is a new line.
          else if (event.key === "Enter" && !event.shiftKey && !event.nativeEvent.isComposing) {
            event.preventDefault();
            save();
          }
        }}
      />
      <div className="message-editor-actions">
        <button type="button" className="button button-quiet" data-testid="edit-cancel" onClick={onCancel}>
          Cancel
        </button>
        <button type="submit" className="button button-primary" data-testid="edit-save" disabled={!savable}>
          Save
        </button>
      </div>
    </form>
  );
}
