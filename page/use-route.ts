import { generateId } from "ai";
import { useCallback, useEffect, useState } from "react";

/**
 * The open session lives in the URL (`/c/<id>`), so a reload or a second tab opens the same one.
 * Workers assets serve index.html for these paths (single-page-application fallback).
 */
const SESSION_PATH = /^\/c\/([A-Za-z0-9_-]{1,64})\/?$/;

/** sessionStorage key of the ids this tab made up and has not sent a message in yet */
const FRESH_KEY = "edgechat.fresh";

function freshIds(): Set<string> {
  try {
    return new Set(JSON.parse(sessionStorage.getItem(FRESH_KEY) ?? "[]") as string[]);
  } catch {
    // Disabled storage or a bad value: no id is known to be fresh, and the page asks the server.
    return new Set();
  }
}

function saveFreshIds(ids: Set<string>): void {
  try {
    sessionStorage.setItem(FRESH_KEY, JSON.stringify([...ids].slice(-20)));
  } catch {
    // Disabled storage: a reload of a new chat then asks the server (a 404 that means "new").
  }
}

/**
 * A fresh session id; the session itself is created by its first message. The tab remembers it (in
 * sessionStorage, so a reload too) so it does not ask the server for a chat that cannot exist yet.
 */
export function newSessionId(): string {
  const id = `s_${generateId()}`;
  const ids = freshIds();
  ids.add(id);
  saveFreshIds(ids);
  return id;
}

/** Whether this tab made the id up and has sent nothing in it: its history is empty, no need to ask. */
export function isFreshSession(id: string): boolean {
  return freshIds().has(id);
}

/** The first message was sent: from now on the session exists on the server. */
export function markSessionUsed(id: string): void {
  const ids = freshIds();
  if (ids.delete(id)) saveFreshIds(ids);
}

function sessionIdFromLocation(): string | null {
  return SESSION_PATH.exec(location.pathname)?.[1] ?? null;
}

/** The session the page opened on. `/` opens a new chat, whose id goes into the URL at once so a reload keeps it. */
function initialSessionId(): string {
  const id = sessionIdFromLocation();
  if (id) return id;
  const fresh = newSessionId();
  history.replaceState(null, "", `/c/${fresh}`);
  return fresh;
}

export function useRoute(): { sessionId: string; open: (id: string) => void } {
  const [sessionId, setSessionId] = useState(initialSessionId);

  useEffect(() => {
    const onPop = () => {
      const id = sessionIdFromLocation();
      if (id) setSessionId(id);
    };
    addEventListener("popstate", onPop);
    return () => removeEventListener("popstate", onPop);
  }, []);

  const open = useCallback((id: string) => {
    if (`/c/${id}` !== location.pathname) history.pushState(null, "", `/c/${id}`);
    setSessionId(id);
  }, []);

  return { sessionId, open };
}
