import { useEffect, useState } from "react";
import { ApiError, getSessionView, type SessionView } from "./api-client";
import { ChatPanel } from "./chat-panel";
import { isFreshSession } from "./use-route";
import { HISTORY_LIMIT } from "./use-session-sync";

type Load = { state: "loading" } | { state: "failed"; message: string; signedOut: boolean } | { state: "ready"; view: SessionView | null };

interface ChatLoaderProps {
  sessionId: string;
  /** bumped when a token is pasted: load again as that user */
  authEpoch: number;
}

/**
 * Loads a session's history before the chat mounts: `useChat` takes its initial messages once, and
 * its automatic resume runs on mount, so both must see the history first.
 */
export function ChatLoader({ sessionId, authEpoch }: ChatLoaderProps) {
  const [load, setLoad] = useState<Load>({ state: "loading" });
  const [attempt, setAttempt] = useState(0);

  useEffect(() => {
    void authEpoch;
    void attempt;
    let current = true;
    // A chat this tab has just made up has no history yet: asking would only be a 404.
    if (isFreshSession(sessionId)) {
      setLoad({ state: "ready", view: null });
      return;
    }
    setLoad({ state: "loading" });
    getSessionView(sessionId, HISTORY_LIMIT).then(
      (view) => current && setLoad({ state: "ready", view }),
      (error: unknown) => {
        if (!current) return;
        const signedOut = error instanceof ApiError && error.status === 401;
        // Signed out: the token field is already shown, and saving a token loads the chat again.
        const message = signedOut
          ? "Paste your token above to open this chat."
          : error instanceof ApiError
            ? error.message
            : "Could not load this chat.";
        setLoad({ state: "failed", message, signedOut });
      },
    );
    return () => {
      current = false;
    };
  }, [sessionId, authEpoch, attempt]);

  if (load.state === "loading") return <div className="chat chat-loading" data-testid="chat-loading" aria-busy="true" />;
  if (load.state === "failed") {
    return (
      <div className="chat chat-failed">
        <p>{load.message}</p>
        {!load.signedOut && (
          <button type="button" className="button" onClick={() => setAttempt((n) => n + 1)}>
            Try again
          </button>
        )}
      </div>
    );
  }
  return <ChatPanel key={`${sessionId}:${authEpoch}`} sessionId={sessionId} initial={load.view} />;
}
