import { lazy, Suspense } from "react";

/**
 * The renderer and its Markdown/highlighting libraries are a separate chunk (about as large as the rest
 * of the page): the page paints without them and fetches them right after (`preloadMarkdown`), so by
 * the time an answer arrives they are there. Until then an answer shows as plain text.
 */
const loadRenderer = () => import("./markdown-renderer");
const Renderer = lazy(loadRenderer);

export function preloadMarkdown(): void {
  const start = () =>
    void loadRenderer().catch(() => {
      // Offline or a failed chunk: answers stay plain text until the lazy component retries.
    });
  if ("requestIdleCallback" in window) requestIdleCallback(start, { timeout: 2_000 });
  else setTimeout(start, 200);
}

/** An answer's text as Markdown, rendered as it streams. */
export function Markdown({ text, streaming }: { text: string; streaming: boolean }) {
  return (
    <Suspense fallback={<div className="part-text part-plain">{text}</div>}>
      <Renderer text={text} streaming={streaming} />
    </Suspense>
  );
}
