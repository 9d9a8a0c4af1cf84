import { decodeHTML } from "entities";

// ---------------------------------------------------------------------------------------------------------------
// HTML to text
//
// A single linear scan rather than HTMLRewriter: this must be a synchronous pure function (so it runs in plain Node
// tests and on a string already cut at readTextBody's MAX_BODY_BYTES), and rather than chains of regexes, whose
// backtracking on an adversarial 1 MiB page could burn the Worker's CPU budget. Character references are decoded
// by `entities` (pure JS, one pass, every name of the HTML standard) in its text-content mode: a legacy name
// without ";" (`&copy 2024`) and numeric references (C1 controls as windows-1252, surrogates and 0 as U+FFFD) decode
// exactly as a browser shows them.
// ---------------------------------------------------------------------------------------------------------------

/** characters of a page title */
const MAX_TITLE_CHARS = 300;

/** Elements whose content is never visible text; skipped to their closing tag. */
const SKIPPED_ELEMENTS = new Set(["script", "style", "noscript", "template", "svg", "math", "iframe", "object", "title"]);
/** Elements that end a paragraph (a blank line) or a line. */
const PARAGRAPH_ELEMENTS = new Set([
  ..."p h1 h2 h3 h4 h5 h6 ul ol dl table blockquote pre hr section article header footer nav aside main figure form fieldset details address".split(
    " ",
  ),
]);
const LINE_ELEMENTS = new Set([..."div br li tr dt dd figcaption summary option caption".split(" ")]);
const CELL_ELEMENTS = new Set(["td", "th"]);

const TAG_NAME = /[a-zA-Z][a-zA-Z0-9:-]*/y;
const HTML_WHITESPACE = /[\t\n\f\r \u00a0]+/g;

/** The visible text of an HTML document, with block structure as line breaks, and its `<title>`. */
export function extractText(html: string): { title?: string; text: string } {
  const out: string[] = [];
  let pendingBreaks = 0;
  let pendingSpace = false;
  let preDepth = 0;
  let title: string | undefined;

  const breakLines = (count: number) => {
    pendingBreaks = Math.max(pendingBreaks, count);
    pendingSpace = false;
  };
  const write = (chunk: string, spaceBefore: boolean) => {
    if (out.length > 0) {
      if (pendingBreaks > 0) out.push("\n".repeat(pendingBreaks));
      else if (pendingSpace || spaceBefore) out.push(" ");
    }
    pendingBreaks = 0;
    pendingSpace = false;
    out.push(chunk);
  };
  const text = (raw: string) => {
    const decoded = decodeHTML(raw);
    if (preDepth > 0) {
      if (decoded !== "") write(decoded, false);
      return;
    }
    const collapsed = decoded.replace(HTML_WHITESPACE, " ");
    const core = collapsed.trim();
    if (core !== "") write(core, collapsed.startsWith(" "));
    if (collapsed.endsWith(" ")) pendingSpace = true;
  };

  let at = 0;
  while (at < html.length) {
    const open = html.indexOf("<", at);
    if (open === -1) {
      text(html.slice(at));
      break;
    }
    if (open > at) text(html.slice(at, open));
    const next = html[open + 1];
    if (html.startsWith("<!--", open)) {
      at = endOf(html, "-->", open + 4);
      continue;
    }
    if (next === "!" || next === "?") {
      at = endOf(html, ">", open + 2);
      continue;
    }
    const closing = next === "/";
    TAG_NAME.lastIndex = open + (closing ? 2 : 1);
    const name = TAG_NAME.exec(html)?.[0].toLowerCase();
    if (name === undefined) {
      // A "<" that starts no tag ("a < b") is text.
      text("<");
      at = open + 1;
      continue;
    }
    at = tagEnd(html, TAG_NAME.lastIndex);
    if (!closing && SKIPPED_ELEMENTS.has(name)) {
      const close = new RegExp(`</${name}\\b`, "gi");
      close.lastIndex = at;
      const found = close.exec(html);
      if (name === "title" && title === undefined) {
        title =
          decodeHTML(html.slice(at, found?.index ?? html.length))
            .replace(HTML_WHITESPACE, " ")
            .trim()
            .slice(0, MAX_TITLE_CHARS) || undefined;
      }
      at = found ? tagEnd(html, close.lastIndex) : html.length;
      continue;
    }
    if (name === "pre") preDepth = Math.max(0, preDepth + (closing ? -1 : 1));
    if (PARAGRAPH_ELEMENTS.has(name)) breakLines(2);
    else if (LINE_ELEMENTS.has(name)) breakLines(1);
    else if (CELL_ELEMENTS.has(name)) pendingSpace = pendingSpace || out.length > 0;
    if (name === "li" && !closing) {
      write("-", false);
      pendingSpace = true;
    }
  }
  const body = out
    .join("")
    .replace(/[ \t]+\n/g, "\n")
    .replace(/\n{3,}/g, "\n\n")
    .trim();
  return title === undefined ? { text: body } : { title, text: body };
}

/** Index just past the first `terminator` at or after `from`, or the end of `html`. */
function endOf(html: string, terminator: string, from: number): number {
  const found = html.indexOf(terminator, from);
  return found === -1 ? html.length : found + terminator.length;
}

/** Index just past the `>` closing a tag whose attributes start at `from`; quoted values may contain `>`. */
function tagEnd(html: string, from: number): number {
  for (let at = from; at < html.length; at += 1) {
    const char = html[at];
    if (char === ">") return at + 1;
    if (char === '"' || char === "'") {
      const close = html.indexOf(char, at + 1);
      if (close === -1) return html.length;
      at = close;
    }
  }
  return html.length;
}
