import { useEffect, useState } from "react";

/** ms the "Copied" confirmation stays */
const COPIED_MS = 1_500;

interface MessageActionsProps {
  text: string;
  /** Retry (after a failure or a stop) or Regenerate (the last answer); absent when neither applies */
  redo?: { label: "Retry" | "Regenerate"; run: () => void } | undefined;
}

/** The row under an answer: Copy always, and Retry or Regenerate on the last answer. */
export function MessageActions({ text, redo }: MessageActionsProps) {
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
