import type { SessionSummary } from "./api-client";

interface SessionSidebarProps {
  sessions: SessionSummary[];
  currentId: string;
  hasMore: boolean;
  error: string | null;
  onOpen: (id: string) => void;
  onNew: () => void;
  onDelete: (id: string) => void;
  onLoadMore: () => void;
}

/** The user's chats, newest activity first, with New chat on top. */
export function SessionSidebar({ sessions, currentId, hasMore, error, onOpen, onNew, onDelete, onLoadMore }: SessionSidebarProps) {
  return (
    <nav className="sidebar-body" aria-label="Chats">
      <button type="button" className="button new-chat" data-testid="new-chat" onClick={onNew}>
        <span aria-hidden="true">+</span> New chat
      </button>
      <ul className="session-list" data-testid="session-list">
        {sessions.map((session) => (
          <li key={session.id} className={session.id === currentId ? "session current" : "session"}>
            <a
              href={`/c/${session.id}`}
              data-testid="session-link"
              data-session-id={session.id}
              aria-current={session.id === currentId ? "page" : undefined}
              onClick={(event) => {
                // A plain click opens it in place; a modified click (new tab) keeps the browser's behaviour.
                if (event.metaKey || event.ctrlKey || event.shiftKey || event.button !== 0) return;
                event.preventDefault();
                onOpen(session.id);
              }}
            >
              <span className="session-title">{session.title ?? "Untitled chat"}</span>
              <span className="session-time">{relativeTime(session.updatedAt)}</span>
            </a>
            <button
              type="button"
              className="icon-button session-delete"
              aria-label={`Delete ${session.title ?? "chat"}`}
              title="Delete"
              onClick={() => onDelete(session.id)}
            >
              ×
            </button>
          </li>
        ))}
      </ul>
      {sessions.length === 0 && !error && <p className="sidebar-note">No chats yet.</p>}
      {error && <p className="sidebar-note sidebar-error">{error}</p>}
      {hasMore && (
        <button type="button" className="button button-quiet" onClick={onLoadMore}>
          Show more
        </button>
      )}
    </nav>
  );
}

const UNITS: [Intl.RelativeTimeFormatUnit, number][] = [
  ["day", 86_400_000],
  ["hour", 3_600_000],
  ["minute", 60_000],
];
const format = new Intl.RelativeTimeFormat(undefined, { numeric: "auto", style: "short" });

function relativeTime(at: number): string {
  const ago = Date.now() - at;
  if (ago < 60_000) return "now";
  if (ago > 7 * 86_400_000) return new Date(at).toLocaleDateString(undefined, { month: "short", day: "numeric" });
  for (const [unit, ms] of UNITS) if (ago >= ms) return format.format(-Math.floor(ago / ms), unit);
  return "now";
}
