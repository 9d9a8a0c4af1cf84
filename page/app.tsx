import { useCallback, useEffect, useState } from "react";
import { deleteSession, renameSession } from "./api-client";
import { onUnauthorized, readToken, saveToken } from "./auth-token";
import { ChatLoader } from "./chat-loader";
import { SessionSidebar } from "./session-sidebar";
import { TokenPrompt } from "./token-prompt";
import { newSessionId, useRoute } from "./use-route";
import { useSessions } from "./use-sessions";

/** The page: the chat list on the side (a drawer on a phone), the open chat in the middle. */
export function App() {
  const { sessionId, open } = useRoute();
  const [authEpoch, setAuthEpoch] = useState(0);
  const [needsToken, setNeedsToken] = useState(false);
  const [drawerOpen, setDrawerOpen] = useState(false);
  const [hasToken, setHasToken] = useState(() => readToken() !== null);
  const sessions = useSessions(authEpoch);
  const { refresh, retitle } = sessions;

  useEffect(() => onUnauthorized(() => setNeedsToken(true)), []);

  const saveAndRetry = useCallback((token: string) => {
    saveToken(token);
    setHasToken(true);
    setNeedsToken(false);
    setAuthEpoch((n) => n + 1);
  }, []);

  /** Forgets the token: the next call that needs one brings the token field back (to paste another). */
  const signOut = useCallback(() => {
    saveToken(null);
    setHasToken(false);
    setNeedsToken(true);
    setAuthEpoch((n) => n + 1);
  }, []);

  const openSession = useCallback(
    (id: string) => {
      open(id);
      setDrawerOpen(false);
    },
    [open],
  );

  const remove = useCallback(
    async (id: string) => {
      if (!confirm("Delete this chat? This cannot be undone.")) return;
      try {
        await deleteSession(id);
        sessions.forget(id);
      } catch {
        // Still listed: the user sees that it failed; the list is reloaded to be sure.
        refresh();
      }
      if (id === sessionId) openSession(newSessionId());
    },
    [sessions, sessionId, openSession, refresh],
  );

  const rename = useCallback(
    async (id: string, title: string) => {
      retitle(id, title);
      try {
        await renameSession(id, title);
      } catch {
        // Refused or failed: show the server's title again.
        refresh();
      }
    },
    [retitle, refresh],
  );

  // Blank until the list arrives, rather than a "New chat" that then changes to the real title.
  const title = sessions.sessions.find((s) => s.id === sessionId)?.title ?? (sessions.loaded ? "New chat" : "");

  return (
    <div className={drawerOpen ? "app drawer-open" : "app"}>
      <aside className="sidebar">
        <div className="brand">
          <span className="brand-mark" aria-hidden="true" />
          edgechat
        </div>
        <SessionSidebar
          sessions={sessions.sessions}
          currentId={sessionId}
          hasMore={sessions.hasMore}
          error={sessions.error}
          onOpen={openSession}
          onNew={() => openSession(newSessionId())}
          onDelete={(id) => void remove(id)}
          onRename={(id, newTitle) => void rename(id, newTitle)}
          onLoadMore={sessions.loadMore}
        />
        <div className="sidebar-foot">
          {hasToken ? (
            <button type="button" className="button button-quiet" data-testid="sign-out" onClick={signOut}>
              Sign out
            </button>
          ) : (
            <button type="button" className="button button-quiet" data-testid="use-token" onClick={() => setNeedsToken(true)}>
              Use a token
            </button>
          )}
        </div>
      </aside>
      <button type="button" className="scrim" aria-label="Close the chat list" tabIndex={-1} onClick={() => setDrawerOpen(false)} />
      <main className="main">
        <header className="topbar">
          <button type="button" className="icon-button menu-button" aria-label="Chats" onClick={() => setDrawerOpen(true)}>
            <span className="menu-icon" aria-hidden="true" />
          </button>
          <h1 className="topbar-title" data-testid="chat-title">
            {title}
          </h1>
          <button type="button" className="icon-button topbar-new" aria-label="New chat" onClick={() => openSession(newSessionId())}>
            +
          </button>
        </header>
        {needsToken && <TokenPrompt onSave={saveAndRetry} onCancel={hasToken ? undefined : () => setNeedsToken(false)} />}
        <ChatLoader sessionId={sessionId} authEpoch={authEpoch} />
      </main>
    </div>
  );
}
