import { useCallback, useEffect, useRef, useState } from "react";
import { ApiError, listSessions, type SessionSummary } from "./api-client";

/** sessions per page of the list */
const PAGE_SIZE = 30;
/** ms between refreshes while the page is visible: titles are generated after the first turn */
const REFRESH_MS = 15_000;

export interface SessionsState {
  sessions: SessionSummary[];
  /** the first page has arrived */
  loaded: boolean;
  hasMore: boolean;
  error: string | null;
  refresh: () => void;
  loadMore: () => void;
  forget: (id: string) => void;
}

/** The user's sessions, newest activity first. */
export function useSessions(authEpoch: number): SessionsState {
  const [sessions, setSessions] = useState<SessionSummary[]>([]);
  const [cursor, setCursor] = useState<string | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [loaded, setLoaded] = useState(false);
  // How many sessions the user has paged in, so a refresh keeps them all.
  const shown = useRef(PAGE_SIZE);
  // Only the latest request may write: an older one can finish after a newer one.
  const requestId = useRef(0);

  const refresh = useCallback(() => {
    const id = ++requestId.current;
    listSessions({ limit: Math.min(shown.current, 100) }).then(
      (page) => {
        if (id !== requestId.current) return;
        setSessions(page.sessions);
        setCursor(page.nextCursor);
        setError(null);
        setLoaded(true);
      },
      (failure: unknown) => {
        if (id !== requestId.current) return;
        setError(describeListFailure(failure));
      },
    );
  }, []);

  const loadMore = useCallback(() => {
    if (!cursor) return;
    const id = ++requestId.current;
    listSessions({ limit: PAGE_SIZE, cursor }).then(
      (page) => {
        if (id !== requestId.current) return;
        shown.current += PAGE_SIZE;
        setSessions((current) => [...current, ...page.sessions.filter((s) => !current.some((c) => c.id === s.id))]);
        setCursor(page.nextCursor);
      },
      () => {
        // The list stays as it is; the next refresh tries again.
      },
    );
  }, [cursor]);

  const forget = useCallback((id: string) => setSessions((current) => current.filter((s) => s.id !== id)), []);

  useEffect(() => {
    // authEpoch changes when a token is pasted: load the list again as that user.
    void authEpoch;
    refresh();
    const timer = setInterval(() => {
      if (document.visibilityState === "visible") refresh();
    }, REFRESH_MS);
    return () => clearInterval(timer);
  }, [refresh, authEpoch]);

  return { sessions, loaded, hasMore: cursor !== null, error, refresh, loadMore, forget };
}

function describeListFailure(failure: unknown): string {
  // A 401 already brought up the token field; say what it is for instead of the raw API message.
  if (failure instanceof ApiError && failure.status === 401) return "Paste your token to see your chats.";
  return failure instanceof ApiError ? failure.message : "Could not load your chats.";
}
