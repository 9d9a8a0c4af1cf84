/** characters a session title may have */
export const MAX_TITLE_CHARS = 50;
/** words a session title may have */
const MAX_TITLE_WORDS = 6;

/**
 * A short title from the first user message: its first words, cut at a word boundary. Used at once,
 * so a new session never shows up untitled; a model-written title may replace it later.
 */
export function titleFromText(text: string): string | null {
  const words = text.replace(/\s+/g, " ").trim().split(" ").filter(Boolean).slice(0, MAX_TITLE_WORDS);
  let title = "";
  for (const word of words) {
    const next = title === "" ? word : `${title} ${word}`;
    if (next.length > MAX_TITLE_CHARS) break;
    title = next;
  }
  if (title === "" && words[0]) title = words[0].slice(0, MAX_TITLE_CHARS);
  return title === "" ? null : title;
}
