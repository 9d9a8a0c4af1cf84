import { createCodePlugin } from "@streamdown/code";
import { Streamdown } from "streamdown";
import { holdIncompleteTable } from "./hold-incomplete-table";

/**
 * Streamdown: Markdown made for streamed AI output. It closes half-written syntax (`**bol`, an open
 * code fence, a table's first row) before parsing, so text never flickers through raw Markdown. Links
 * go through rehype-harden (no `javascript:` or `data:` URLs) and open in a new tab without a referrer.
 * Highlighting is Shiki with each language's grammar loaded on first use.
 */
const plugins = { code: createCodePlugin({ themes: ["github-light", "github-dark"] }) };
// Streamdown's link check is a modal before every external link; a plain new-tab link is what a chat needs.
const linkSafety = { enabled: false };
// Tables: copy only (the download buttons make a file of a two-row table); code: copy, no download.
const controls = { table: { copy: true, download: false, fullscreen: false }, code: { copy: true, download: false }, mermaid: false };

export default function MarkdownRenderer({ text, streaming }: { text: string; streaming: boolean }) {
  return (
    <Streamdown
      className="markdown"
      isAnimating={streaming}
      plugins={plugins}
      linkSafety={linkSafety}
      controls={controls}
      lineNumbers={false}
      caret="block"
    >
      {streaming ? holdIncompleteTable(text) : text}
    </Streamdown>
  );
}
