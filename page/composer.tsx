import {
  type ClipboardEvent,
  type DragEvent,
  type FormEvent,
  type KeyboardEvent,
  type RefObject,
  useEffect,
  useRef,
  useState,
} from "react";
import { ACCEPTED, type Attachment, sizeText } from "./attachments";
import type { Attachments } from "./use-attachments";

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
  /** files to send with the draft; kept, like the draft, when a send is refused */
  attachments: Attachments;
  /** files are being read or uploaded: the send is under way */
  preparing: boolean;
  onSend: (text: string) => void;
  onStop: () => void;
  inputRef: RefObject<HTMLTextAreaElement | null>;
}

/**
 * The message input. Enter sends, Shift+Enter is a new line; while an answer runs, Send becomes Stop.
 * Files come by the attach button, a paste or a drop anywhere on it.
 */
export function Composer({ draft, onDraft, busy, stopping, attachments, preparing, onSend, onStop, inputRef }: ComposerProps) {
  const picker = useRef<HTMLInputElement>(null);
  const [dragging, setDragging] = useState(false);
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
  const files = attachments.list;
  const empty = !trimmed && files.length === 0;

  const submit = (event?: FormEvent) => {
    event?.preventDefault();
    if (empty || tooLong || busy || stopping || preparing) return;
    onSend(trimmed);
  };

  const onPaste = (event: ClipboardEvent<HTMLTextAreaElement>) => {
    // A pasted screenshot or file; pasted text goes on into the textarea as usual.
    if (event.clipboardData.files.length === 0) return;
    event.preventDefault();
    attachments.add(event.clipboardData.files);
  };
  const carriesFiles = (event: DragEvent) => event.dataTransfer.types.includes("Files");
  const onDragOver = (event: DragEvent<HTMLFormElement>) => {
    if (!carriesFiles(event)) return;
    event.preventDefault();
    setDragging(true);
  };
  const onDrop = (event: DragEvent<HTMLFormElement>) => {
    setDragging(false);
    if (!carriesFiles(event)) return;
    event.preventDefault();
    attachments.add(event.dataTransfer.files);
  };

  const onKeyDown = (event: KeyboardEvent<HTMLTextAreaElement>) => {
    // isComposing: Enter that confirms an IME composition (Japanese, Chinese...) must not send.
    if (event.key === "Enter" && !event.shiftKey && !event.nativeEvent.isComposing) submit(event);
  };

  return (
    <form
      className={dragging ? "composer dragging" : "composer"}
      onSubmit={submit}
      onDragOver={onDragOver}
      onDragLeave={(event) => {
        if (!event.currentTarget.contains(event.relatedTarget as Node | null)) setDragging(false);
      }}
      onDrop={onDrop}
    >
      <input
        ref={picker}
        type="file"
        multiple
        accept={ACCEPTED}
        hidden
        data-testid="attach-input"
        onChange={(event) => {
          if (event.target.files) attachments.add(event.target.files);
          // The same file may be picked again after it was removed.
          event.target.value = "";
        }}
      />
      <button
        type="button"
        className="button attach-button"
        data-testid="attach"
        aria-label="Attach files"
        title="Attach images, PDFs or text files"
        onClick={() => picker.current?.click()}
      >
        <PaperClip />
      </button>
      <div className="composer-field">
        {attachments.error && (
          <div className="composer-error" role="alert" data-testid="attach-error">
            <span>{attachments.error}</span>
            <button type="button" className="icon-button" aria-label="Dismiss" onClick={() => attachments.setError(null)}>
              ×
            </button>
          </div>
        )}
        {files.length > 0 && (
          <ul className="attachments" data-testid="attachments" aria-label="Attached files">
            {files.map((file) => (
              <AttachmentItem key={file.id} attachment={file} onRemove={() => attachments.remove(file.id)} />
            ))}
          </ul>
        )}
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
          onPaste={onPaste}
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
        <button type="submit" className="button button-primary" data-testid="send" disabled={empty || tooLong || preparing}>
          {preparing ? "Sending" : "Send"}
        </button>
      )}
    </form>
  );
}

function characters(count: number): string {
  return `${count.toLocaleString()} ${count === 1 ? "character" : "characters"}`;
}

function AttachmentItem({ attachment, onRemove }: { attachment: Attachment; onRemove: () => void }) {
  const { file } = attachment;
  // A file named .png that is no image (the server will say so) gets a chip, not a broken picture.
  const [broken, setBroken] = useState(false);
  const preview = broken ? undefined : attachment.preview;
  return (
    <li className={preview ? "attachment attachment-image" : "attachment"} data-testid="attachment" data-name={file.name}>
      {preview ? (
        <img className="attachment-thumb" src={preview} alt={file.name} onError={() => setBroken(true)} />
      ) : (
        <span className="file-chip-text">
          <span className="file-chip-name">{file.name}</span>
          <span className="file-chip-size">{sizeText(file.size)}</span>
        </span>
      )}
      <button type="button" className="attachment-remove" aria-label={`Remove ${file.name}`} onClick={onRemove}>
        ×
      </button>
    </li>
  );
}

function PaperClip() {
  return (
    <svg
      width="18"
      height="18"
      viewBox="0 0 24 24"
      fill="none"
      stroke="currentColor"
      strokeWidth="2"
      strokeLinecap="round"
      aria-hidden="true"
    >
      <path d="M21 11.5 12.5 20a5.5 5.5 0 0 1-7.8-7.8l8.9-8.9a3.7 3.7 0 0 1 5.2 5.2l-8.9 8.9a1.8 1.8 0 0 1-2.6-2.6L15.5 6.6" />
    </svg>
  );
}
