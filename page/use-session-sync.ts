import type { ChatStatus } from "ai";
import { useCallback, useEffect, useMemo, useRef, useState } from "react";
import { getSessionView, type SessionView, type Siblings } from "./api-client";
import type { ChatMessage } from "./chat-message";
import { onSessionEvent } from "./session-events";
import { sameHistory, sameMessage } from "./session-sync";
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
  /** The shown messages that have siblings, by id, as of the last history read. */
  branches: ReadonlyMap<string, Siblings>;
  /** Shows a view the server just answered (a branch switch): its messages and branches. */
  adopt: (view: SessionView) => void;
}

const NO_BRANCHES: ReadonlyMap<string, Siblings> = new Map();

const isIdle = (status: ChatStatus) => status === "ready" || status === "error";

/**
 * Keeps an idle tab in step with the session: when the server says the session changed (a session
 * event: a turn started or ended, in another tab or device), or the page becomes visible again, it
 * checks whether a turn is running; when one is (started in another tab), it loads the history
 * up to that turn's user message and follows the turn with the stock `resumeStream()`. When a turn
 * ends, or a check finds history this tab has not seen, it takes the server's history (the truth).
 * A branch switch (here or in another tab) moves the session's head: that too loads the history.
 */
export function useSessionSync(sessionId: string, chat: SyncedChat, initial: SessionView | null): SessionSync {
  const latest = useRef(chat);
  latest.current = chat;
  const epoch = useRef(0);
  const paused = useRef(false);
  const [branches, setBranches] = useState(initial?.branches ?? NO_BRANCHES);
  // The head of the history last read: a new message anywhere, or a switch, moves it (sequences are
  // never reused), and with it which messages have siblings, even when the last message looks the same.
  const knownHead = useRef(initial?.headSeq ?? null);

  const adopt = useCallback((view: SessionView) => {
    if (!sameHistory(latest.current.messages, view.messages)) latest.current.setMessages(view.messages);
    setBranches(view.branches);
    knownHead.current = view.headSeq;
  }, []);

  const syncNow = useCallback(async () => {
    const started = epoch.current;
    const stillIdle = () => !paused.current && epoch.current === started && isIdle(latest.current.status);
    if (!stillIdle()) return;
    try {
      // A one-message probe first: cheap enough to poll, and enough to see a turn or a new message.
      const probe = await getSessionView(sessionId, 1);
      if (probe === null || !stillIdle()) return;
      const unchanged =
        probe.activeMessageId === null &&
        probe.headSeq === knownHead.current &&
        sameMessage(latest.current.messages.at(-1), probe.messages.at(-1));
      if (unchanged) return;
      const view = await getSessionView(sessionId, HISTORY_LIMIT);
      if (view === null || !stillIdle()) return;
      adopt(view);
      if (view.activeMessageId !== null) {
        epoch.current += 1;
        // The history ends at the running turn's user message; the resume replays the answer from its start.
        await latest.current.resumeStream();
      }
    } catch {
      // A failed check changes nothing; the next one tries again (a 401 was already reported).
    }
  }, [sessionId, adopt]);

  // A chat that does not exist yet has nothing to check (and would answer 404) until it gets an event.
  const known = useRef(initial !== null);
  const busy = !isIdle(chat.status);
  const wasBusy = useRef(busy);
  useEffect(() => {
    // A turn just ended (ours or one we followed): take the stored history, which is the truth.
    if (wasBusy.current && !busy && known.current) void syncNow();
    wasBusy.current = busy;
  }, [busy, syncNow]);

  useEffect(() => {
    const onVisible = () => {
      if (document.visibilityState === "visible" && known.current) void syncNow();
    };
    document.addEventListener("visibilitychange", onVisible);
    const stopListening = onSessionEvent((event) => {
      if (event.type === "upsert" && event.session.id === sessionId) {
        known.current = true;
        void syncNow();
      } else if (event.type === "connected" && known.current) {
        // Reconnected: whatever happened while the stream was down was not sent.
        void syncNow();
      }
    });
    return () => {
      stopListening();
      document.removeEventListener("visibilitychange", onVisible);
    };
  }, [syncNow, sessionId]);

  const claim = useCallback(() => {
    epoch.current += 1;
  }, []);
  const setPaused = useCallback((value: boolean) => {
    paused.current = value;
    epoch.current += 1;
  }, []);

  return useMemo(() => ({ claim, setPaused, syncNow, branches, adopt }), [claim, setPaused, syncNow, branches, adopt]);
}
