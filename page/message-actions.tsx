import { type ReactNode, useEffect, useState } from "react";

/** ms the "Copied" confirmation stays */
const COPIED_MS = 1_500;

interface MessageActionsProps {
  text: string;
  /** Retry (after a failure) or Regenerate; absent while a turn runs */
  redo?: { label: "Retry" | "Regenerate"; run: () => void } | undefined;
  /** the "‹ n / m ›" switcher, when the answer has siblings */
  switcher?: ReactNode;
}

/** The row under an answer: its switcher if it has siblings, Copy, and Retry or Regenerate. */
export function MessageActions({ text, redo, switcher }: MessageActionsProps) {
  const [copied, setCopied] = useState(false);
  useEffect(() => {
    if (!copied) return;
    const timer = setTimeout(() => setCopied(false), COPIED_MS);
    return () => clearTimeout(timer);
  }, [copied]);

  const copy = async () => {
    try {
      await navigator.clipboard.writeText(text);
      setCopied(true);
    } catch {
      // No clipboard (an insecure origin, or permission refused): nothing to confirm.
    }
  };

  return (
    <div className="message-actions">
      {switcher}
      {text !== "" && (
        <button type="button" className="action" data-testid="copy" onClick={() => void copy()}>
          {copied ? "Copied" : "Copy"}
        </button>
      )}
      {redo && (
        <button type="button" className="action" data-testid={redo.label === "Retry" ? "retry" : "regenerate"} onClick={redo.run}>
          {redo.label}
        </button>
      )}
      <span className="sr-only" aria-live="polite">
        {copied ? "Copied to the clipboard" : ""}
      </span>
    </div>
  );
}
