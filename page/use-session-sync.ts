import type { ChatStatus } from "ai";
import { useCallback, useEffect, useMemo, useRef } from "react";
import { getSessionView } from "./api-client";
import type { ChatMessage } from "./chat-message";
import { sameHistory, sameMessage } from "./session-sync";

/** ms between checks for a turn started elsewhere (another tab, device or client) */
const POLL_MS = 2_000;
/** messages of history the page loads and keeps in step with the server */
export const HISTORY_LIMIT = 200;

export interface SyncedChat {
  status: ChatStatus;
  messages: ChatMessage[];
  setMessages: (messages: ChatMessage[]) => void;
  resumeStream: () => Promise<void>;
}

export interface SessionSync {
  /** Call before this tab sends or stops: a check already under way must not act on what it read. */
  claim: () => void;
  /** While paused (a stop is being sent) nothing is checked: the turn may still look active. */
  setPaused: (paused: boolean) => void;
  /** Checks now (if idle). */
  syncNow: () => Promise<void>;
}

const isIdle = (status: ChatStatus) => status === "ready" || status === "error";

/**
 * Keeps an idle tab in step with the session: while the page is visible and this tab runs no turn, it
 * asks every 2 s whether a turn is running; when one is (started in another tab), it loads the history
 * up to that turn's user message and follows the turn with the stock `resumeStream()`. When a turn
 * ends, or a check finds history this tab has not seen, it takes the server's history (the truth).
 */
export function useSessionSync(sessionId: string, chat: SyncedChat): SessionSync {
  const latest = useRef(chat);
  latest.current = chat;
  const epoch = useRef(0);
  const paused = useRef(false);

  const syncNow = useCallback(async () => {
    const started = epoch.current;
    const stillIdle = () => !paused.current && epoch.current === started && isIdle(latest.current.status);
    if (!stillIdle()) return;
    try {
      // A one-message probe first: cheap enough to poll, and enough to see a turn or a new message.
      const probe = await getSessionView(sessionId, 1);
      if (probe === null || !stillIdle()) return;
      if (probe.activeMessageId === null && sameMessage(latest.current.messages.at(-1), probe.messages.at(-1))) return;
      const view = await getSessionView(sessionId, HISTORY_LIMIT);
      if (view === null || !stillIdle()) return;
      if (!sameHistory(latest.current.messages, view.messages)) latest.current.setMessages(view.messages);
      if (view.activeMessageId !== null) {
        epoch.current += 1;
        // The history ends at the running turn's user message; the resume replays the answer from its start.
        await latest.current.resumeStream();
      }
    } catch {
      // A failed check changes nothing; the next one tries again (a 401 was already reported).
    }
  }, [sessionId]);

  const busy = !isIdle(chat.status);
  const wasBusy = useRef(busy);
  useEffect(() => {
    // A turn just ended (ours or one we followed): take the stored history, which is the truth.
    if (wasBusy.current && !busy) void syncNow();
    wasBusy.current = busy;
  }, [busy, syncNow]);

  useEffect(() => {
    const tick = () => {
      if (document.visibilityState === "visible") void syncNow();
    };
    const timer = setInterval(tick, POLL_MS);
    document.addEventListener("visibilitychange", tick);
    return () => {
      clearInterval(timer);
      document.removeEventListener("visibilitychange", tick);
    };
  }, [syncNow]);

  const claim = useCallback(() => {
    epoch.current += 1;
  }, []);
  const setPaused = useCallback((value: boolean) => {
    paused.current = value;
    epoch.current += 1;
  }, []);

  return useMemo(() => ({ claim, setPaused, syncNow }), [claim, setPaused, syncNow]);
}
