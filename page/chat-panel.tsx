import { useChat } from "@ai-sdk/react";
import { useCallback, useEffect, useMemo, useState } from "react";
import { type ApiError, type SessionView, stopTurn } from "./api-client";
import { reportUnauthorized } from "./auth-token";
import { describeChatError } from "./chat-error";
import { type ChatMessage, progressSchema } from "./chat-message";
import { chatTransport } from "./chat-transport";
import { Composer } from "./composer";
import { MessageList } from "./message-list";
import { useSessionSync } from "./use-session-sync";

interface ChatPanelProps {
  sessionId: string;
  /** History loaded before mounting: the Chat is created once, with these messages. */
  initial: SessionView | null;
  /** A turn started or ended: the session list may have a new entry or title. */
  onActivity: () => void;
}

/** One session's conversation, on the AI SDK's stock `useChat`. Mounted once per session id. */
export function ChatPanel({ sessionId, initial, onActivity }: ChatPanelProps) {
  const chat = useChat<ChatMessage>({
    id: sessionId,
    messages: initial?.messages ?? [],
    transport: chatTransport,
    dataPartSchemas: { progress: progressSchema },
    // Stock resume: on mount, GET /api/chat/:id/stream picks a running answer up from its start
    // (204 when none). A session that does not exist yet has nothing to resume (and would be a 404).
    resume: initial !== null,
    // One render per 50 ms at most, however fast tokens arrive.
    throttle: 50,
  });
  const { status, messages, error, sendMessage, stop, setMessages, resumeStream, clearError } = chat;
  const sync = useSessionSync(sessionId, { status, messages, setMessages, resumeStream });
  const [stopping, setStopping] = useState(false);
  // Turns (by their user message id) this tab stopped; the stored answer carries no such mark.
  const [stoppedTurns, setStoppedTurns] = useState<ReadonlySet<string>>(new Set());

  const busy = status === "submitted" || status === "streaming";
  const failure = useMemo(() => (error ? describeChatError(error) : null), [error]);
  const lastUserId = messages.findLast((m) => m.role === "user")?.id;

  useEffect(() => {
    if (failure?.status === 401) reportUnauthorized();
  }, [failure]);

  useEffect(() => {
    // Runs when a turn starts and when it ends: either can change the session list.
    void busy;
    onActivity();
  }, [busy, onActivity]);

  const send = useCallback(
    (text: string) => {
      sync.claim();
      if (error) clearError();
      void sendMessage({ text });
    },
    [sync, error, clearError, sendMessage],
  );

  const stopTurnEverywhere = useCallback(async () => {
    if (lastUserId) setStoppedTurns((current) => new Set(current).add(lastUserId));
    setStopping(true);
    sync.setPaused(true);
    try {
      // Both: stop() ends this tab's stream at once; only the stop request ends the turn itself
      // (a closed stream is not a stop, so other tabs and a reload would see it go on).
      await Promise.allSettled([stop(), stopTurn(sessionId)]);
    } finally {
      sync.setPaused(false);
      setStopping(false);
    }
    // Take the stored answer: the server may have written a few more words before the stop landed.
    await sync.syncNow();
  }, [lastUserId, stop, sessionId, sync]);

  // A stop from another tab reaches this one as the stream's `error` chunk: shown as stopped, not as a failure.
  const cancelledHere = failure?.code === "turn_cancelled" && lastUserId !== undefined;
  const shownStopped = useMemo(
    () => (cancelledHere && lastUserId ? new Set(stoppedTurns).add(lastUserId) : stoppedTurns),
    [cancelledHere, lastUserId, stoppedTurns],
  );
  const banner = failure && failure.code !== "turn_cancelled" ? failure : null;

  return (
    <section className="chat" data-testid="chat" data-chat-status={status} data-session-id={sessionId}>
      <MessageList messages={messages} status={status} stoppedTurns={shownStopped} hasOlder={initial?.hasOlder ?? false} />
      {banner && <ErrorBanner error={banner} onDismiss={clearError} />}
      <Composer busy={busy} stopping={stopping} onSend={send} onStop={() => void stopTurnEverywhere()} />
    </section>
  );
}

function ErrorBanner({ error, onDismiss }: { error: ApiError; onDismiss: () => void }) {
  return (
    <div className="banner banner-error" role="alert" data-testid="chat-error">
      <span>{error.status === 401 ? "You are signed out: paste a token above." : error.message}</span>
      <button type="button" className="icon-button" aria-label="Dismiss" onClick={onDismiss}>
        ×
      </button>
    </div>
  );
}
