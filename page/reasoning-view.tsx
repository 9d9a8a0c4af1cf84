/** The model's reasoning: collapsed by default, since the answer is what most readers want. */
export function ReasoningView({ text, streaming }: { text: string; streaming: boolean }) {
  return (
    <details className="reasoning" data-testid="reasoning">
      <summary>
        <span className={streaming ? "shimmer" : undefined}>{streaming ? "Thinking…" : "Reasoning"}</span>
      </summary>
      <div className="reasoning-text">{text}</div>
    </details>
  );
}
