import { generateId } from "ai";
import { useCallback, useEffect, useState } from "react";

/**
 * The open session lives in the URL (`/c/<id>`), so a reload or a second tab opens the same one.
 * Workers assets serve index.html for these paths (single-page-application fallback).
 */
const SESSION_PATH = /^\/c\/([A-Za-z0-9_-]{1,64})\/?$/;

/** A fresh session id; the session itself is created by its first message. */
export function newSessionId(): string {
  return `s_${generateId()}`;
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
