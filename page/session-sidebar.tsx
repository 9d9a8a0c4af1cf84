import { useMemo, useRef, useState } from "react";
import type { SessionSummary } from "./api-client";

interface SessionSidebarProps {
  sessions: SessionSummary[];
  currentId: string;
  hasMore: boolean;
  error: string | null;
  onOpen: (id: string) => void;
  onNew: () => void;
  onDelete: (id: string) => void;
  onRename: (id: string, title: string) => void;
  onLoadMore: () => void;
}

/** characters of a title the server takes (PATCH /api/sessions/:id) */
const MAX_TITLE_CHARS = 100;

/** The user's chats, newest activity first and grouped by day, with New chat and a search on top. */
export function SessionSidebar({
  sessions,
  currentId,
  hasMore,
  error,
  onOpen,
  onNew,
  onDelete,
  onRename,
  onLoadMore,
}: SessionSidebarProps) {
  const [query, setQuery] = useState("");
  const [renaming, setRenaming] = useState<string | null>(null);
  const shown = useMemo(() => {
    const words = query.toLocaleLowerCase().split(/\s+/).filter(Boolean);
    if (words.length === 0) return sessions;
    return sessions.filter((s) => {
      const title = (s.title ?? "Untitled chat").toLocaleLowerCase();
      return words.every((word) => title.includes(word));
    });
  }, [sessions, query]);
  const groups = useMemo(() => groupByDay(shown), [shown]);

  return (
    <nav className="sidebar-body" aria-label="Chats">
      <button type="button" className="button new-chat" data-testid="new-chat" onClick={onNew}>
        <span aria-hidden="true">+</span> New chat
      </button>
      <input
        type="search"
        className="session-search"
        data-testid="session-search"
        placeholder="Search chats"
        aria-label="Search chats by title"
        value={query}
        onChange={(event) => setQuery(event.target.value)}
      />
      <div className="session-list" data-testid="session-list">
        {groups.map(([label, items]) => (
          <section key={label} className="session-group" aria-label={label}>
            <h2 className="session-group-title">{label}</h2>
            <ul>
              {items.map((session) =>
                renaming === session.id ? (
                  <li key={session.id} className="session renaming">
                    <RenameForm
                      title={session.title ?? ""}
                      onDone={(title) => {
                        setRenaming(null);
                        if (title !== null && title !== session.title) onRename(session.id, title);
                      }}
                    />
                  </li>
                ) : (
                  <SessionRow
                    key={session.id}
                    session={session}
                    current={session.id === currentId}
                    onOpen={onOpen}
                    onRename={() => setRenaming(session.id)}
                    onDelete={onDelete}
                  />
                ),
              )}
            </ul>
          </section>
        ))}
      </div>
      {sessions.length === 0 && !error && <p className="sidebar-note">No chats yet.</p>}
      {sessions.length > 0 && shown.length === 0 && <p className="sidebar-note">No chat titles match.</p>}
      {error && <p className="sidebar-note sidebar-error">{error}</p>}
      {hasMore && (
        <button type="button" className="button button-quiet" onClick={onLoadMore}>
          Show more
        </button>
      )}
    </nav>
  );
}

interface SessionRowProps {
  session: SessionSummary;
  current: boolean;
  onOpen: (id: string) => void;
  onRename: () => void;
  onDelete: (id: string) => void;
}

function SessionRow({ session, current, onOpen, onRename, onDelete }: SessionRowProps) {
  const name = session.title ?? "Untitled chat";
  return (
    <li className={current ? "session current" : "session"}>
      <a
        href={`/c/${session.id}`}
        data-testid="session-link"
        data-session-id={session.id}
        aria-current={current ? "page" : undefined}
        onClick={(event) => {
          // A plain click opens it in place; a modified click (new tab) keeps the browser's behaviour.
          if (event.metaKey || event.ctrlKey || event.shiftKey || event.button !== 0) return;
          event.preventDefault();
          onOpen(session.id);
        }}
      >
        <span className="session-title" data-testid="session-title">
          {name}
        </span>
      </a>
      <span className="session-actions">
        <button
          type="button"
          className="icon-button session-action"
          data-testid="rename"
          aria-label={`Rename ${name}`}
          title="Rename"
          onClick={onRename}
        >
          <span className="pencil" aria-hidden="true">
            ✎
          </span>
        </button>
        <button
          type="button"
          className="icon-button session-action"
          data-testid="delete"
          aria-label={`Delete ${name}`}
          title="Delete"
          onClick={() => onDelete(session.id)}
        >
          ×
        </button>
      </span>
    </li>
  );
}

/** The title in place, as an input: Enter saves, Escape (or leaving it empty) keeps the old one. */
function RenameForm({ title, onDone }: { title: string; onDone: (title: string | null) => void }) {
  const [value, setValue] = useState(title);
  // Enter, then the blur of the removed input, must not finish twice.
  const done = useRef(false);
  const finish = (result: string | null) => {
    if (done.current) return;
    done.current = true;
    onDone(result);
  };
  const submit = (event: { preventDefault: () => void }) => {
    event.preventDefault();
    const trimmed = value.trim();
    finish(trimmed === "" ? null : trimmed);
  };
  return (
    <form className="rename-form" onSubmit={submit}>
      <input
        // biome-ignore lint/a11y/noAutofocus: the user just asked to edit this title
        autoFocus
        className="rename-input"
        data-testid="rename-input"
        aria-label="Chat title"
        maxLength={MAX_TITLE_CHARS}
        value={value}
        onChange={(event) => setValue(event.target.value)}
        onKeyDown={(event) => {
          if (event.key === "Escape") finish(null);
        }}
        onBlur={submit}
      />
    </form>
  );
}

const DAY_MS = 86_400_000;

/** Today, Yesterday, Previous 7 days, Previous 30 days, then by month; in the list's order. */
function groupByDay(sessions: SessionSummary[]): [string, SessionSummary[]][] {
  const startOfToday = new Date().setHours(0, 0, 0, 0);
  const month = new Intl.DateTimeFormat(undefined, { month: "long", year: "numeric" });
  const groups = new Map<string, SessionSummary[]>();
  for (const session of sessions) {
    const at = session.updatedAt;
    const label =
      at >= startOfToday
        ? "Today"
        : at >= startOfToday - DAY_MS
          ? "Yesterday"
          : at >= startOfToday - 7 * DAY_MS
            ? "Previous 7 days"
            : at >= startOfToday - 30 * DAY_MS
              ? "Previous 30 days"
              : month.format(at);
    const group = groups.get(label);
    if (group) group.push(session);
    else groups.set(label, [session]);
  }
  return [...groups];
}
