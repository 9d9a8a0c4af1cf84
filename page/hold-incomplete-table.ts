/**
 * While an answer streams, a table's rows arrive before its delimiter row (`| --- | --- |`), and
 * until that row is complete the Markdown is no table at all: the header and a half-written delimiter
 * would show as raw pipes and dashes for a moment. So a table that ends the text is held back until its
 * delimiter row is complete; the renderer's own repair (remend) covers the other half-written syntax.
 */
export function holdIncompleteTable(text: string): string {
  const start = text.lastIndexOf("\n\n") + 1;
  const block = text.slice(start).replace(/^\n/, "");
  if (!block.trimStart().startsWith("|")) return text;
  const lines = block.split("\n");
  // A delimiter row is complete once a line follows it (the first body row, even if still empty).
  if (lines.length >= 3 && /^\s*\|?\s*:?-+:?\s*(\|\s*:?-+:?\s*)*\|?\s*$/.test(lines[1] ?? "")) return text;
  return text.slice(0, start);
}
