import { useCallback, useEffect, useRef, useState } from "react";
import { ApiError, listSessions, type SessionSummary } from "./api-client";
import { onSessionEvent, reconnectSessionEvents } from "./session-events";

/** sessions per page of the list */
const PAGE_SIZE = 30;

export interface SessionsState {
  sessions: SessionSummary[];
  /** the first page has arrived */
  loaded: boolean;
  hasMore: boolean;
  error: string | null;
  refresh: () => void;
  loadMore: () => void;
  forget: (id: string) => void;
  /** Shows a title at once (a rename), before the server's event confirms it. */
  retitle: (id: string, title: string) => void;
}

/**
 * The user's sessions, newest activity first. Loaded once (and again after the event stream
 * reconnects), then kept current by the server's session events: a new chat, its title, a rename or
 * a delete in any tab or device shows at once, with no polling.
 */
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
  const retitle = useCallback(
    (id: string, title: string) => setSessions((current) => current.map((s) => (s.id === id ? { ...s, title } : s))),
    [],
  );

  useEffect(
    () =>
      onSessionEvent((event) => {
        if (event.type === "connected") refresh();
        else if (event.type === "remove") setSessions((current) => current.filter((s) => s.id !== event.id));
        else setSessions((current) => upsert(current, event.session));
      }),
    [refresh],
  );

  const firstEpoch = useRef(authEpoch);
  useEffect(() => {
    refresh();
    // authEpoch changes when a token is pasted: follow events as that user from now on.
    if (authEpoch !== firstEpoch.current) reconnectSessionEvents();
  }, [refresh, authEpoch]);

  return { sessions, loaded, hasMore: cursor !== null, error, refresh, loadMore, forget, retitle };
}

/** The list with `entry` in its place by recent activity (the server's order: updatedAt, then id, descending). */
function upsert(list: SessionSummary[], entry: SessionSummary): SessionSummary[] {
  const rest = list.filter((s) => s.id !== entry.id);
  const at = rest.findIndex((s) => s.updatedAt < entry.updatedAt || (s.updatedAt === entry.updatedAt && s.id < entry.id));
  return at < 0 ? [...rest, entry] : [...rest.slice(0, at), entry, ...rest.slice(at)];
}

function describeListFailure(failure: unknown): string {
  // A 401 already brought up the token field; say what it is for instead of the raw API message.
  if (failure instanceof ApiError && failure.status === 401) return "Paste your token to see your chats.";
  return failure instanceof ApiError ? failure.message : "Could not load your chats.";
}
