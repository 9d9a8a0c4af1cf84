/** Starting points for a first message; a click puts one in the composer. */
const SUGGESTIONS = [
  "Explain how Durable Objects keep state, with a short code example",
  "What time is it in Tokyo and in New York right now?",
  "Compare three sorting algorithms in a table",
  "What is (17 * 23) + sqrt(144)?",
];

/** Directives of the fake model that `npm run dev` starts without an API key (fake-anthropic/). */
const FAKE_DIRECTIVES = ["fake:text tokens=40", "fake:markdown", "fake:thinking tokens=20", "fake:tool tool=current_time"];

/** The page served from this machine: most likely `npm run dev`, where the fake model answers. */
const isLocal = ["localhost", "127.0.0.1", "[::1]"].includes(location.hostname);

export function EmptyState({ onSuggest }: { onSuggest: (text: string) => void }) {
  return (
    <div className="empty" data-testid="empty-state">
      <h2>What can I help with?</h2>
      <p>
        Answers stream in as they are written. Reload mid-answer and it picks up where it was; open this chat in a second tab and it follows
        along.
      </p>
      <div className="suggestions">
        {SUGGESTIONS.map((text) => (
          <button key={text} type="button" className="suggestion" data-testid="suggestion" onClick={() => onSuggest(text)}>
            {text}
          </button>
        ))}
      </div>
      {isLocal && (
        <p className="dev-hint" data-testid="dev-hint">
          Running <code>npm run dev</code> without an API key? The fake model takes directives such as{" "}
          {FAKE_DIRECTIVES.map((directive, i) => (
            <span key={directive}>
              {i > 0 && ", "}
              <button type="button" className="code-link" onClick={() => onSuggest(directive)}>
                {directive}
              </button>
            </span>
          ))}
          .
        </p>
      )}
    </div>
  );
}
