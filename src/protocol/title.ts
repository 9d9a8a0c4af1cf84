/** characters a generated session title may have */
export const MAX_TITLE_CHARS = 50;
/** characters a title the user gives may have: room for a longer name than a generated one */
export const MAX_USER_TITLE_CHARS = 100;
/** words a session title may have */
const MAX_TITLE_WORDS = 6;

/**
 * A title as plain text: the model sometimes answers in Markdown (`**Rust** traits`), and a title is
 * shown as text everywhere, so emphasis, code ticks, heading marks and link syntax are dropped.
 */
export function plainTitle(text: string): string {
  return (
    text
      .replace(/!?\[([^\]]*)\]\([^)]*\)/g, "$1")
      .replace(/(\*\*|__|~~|`)(\S(?:.*?\S)?)\1/g, "$2")
      // Single `*`/`_` emphasis only at word edges, so snake_case and 2*3 stay as written.
      .replace(/(?<![\w*])([*_])(\S(?:.*?\S)?)\1(?![\w*])/g, "$2")
      .replace(/^\s*(#{1,6}|>|[-*+])\s+/, "")
      // Unpaired marks too (the title call trims a leading `**` and leaves its partner): a lone `*` or `_`
      // may be meant (snake_case), a doubled one never is.
      .replace(/`|\*\*|__|~~/g, "")
      .replace(/\s+/g, " ")
      .trim()
  );
}

/**
 * A short title from the first user message (or the title model's answer): its first words, as plain
 * text, cut at a word boundary. Null when nothing is left.
 */
export function titleFromText(text: string): string | null {
  const words = plainTitle(text).split(" ").filter(Boolean).slice(0, MAX_TITLE_WORDS);
  let title = "";
  for (const word of words) {
    const next = title === "" ? word : `${title} ${word}`;
    if (next.length > MAX_TITLE_CHARS) break;
    title = next;
  }
  if (title === "" && words[0]) title = words[0].slice(0, MAX_TITLE_CHARS);
  return title === "" ? null : title;
}
