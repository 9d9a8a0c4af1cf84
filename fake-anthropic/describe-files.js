// @ts-check
/**
 * `fake:describe-files`: one line per content block of the prompt (the last user message with text),
 * so a test can assert exactly what reached the model: block type, media type, and size (bytes for
 * base64 data, characters for text, and pages for a PDF).
 */

/** @param {string} base64 */
function decodedLength(base64) {
  const padding = base64.endsWith("==") ? 2 : base64.endsWith("=") ? 1 : 0;
  return (base64.length * 3) / 4 - padding;
}

/** Pages of a PDF: its `/Type /Page` objects (not `/Pages`). Enough for the small PDFs tests make. @param {string} base64 */
function pdfPages(base64) {
  return (atob(base64).match(/\/Type\s*\/Page(?!s)/g) ?? []).length;
}

/** @param {any} block @returns {string} */
function describeBlock(block) {
  if (block?.type === "text") return `text ${String(block.text).length} chars`;
  const source = block?.source ?? {};
  if (block?.type === "image") return `image ${source.media_type} ${decodedLength(String(source.data))} bytes`;
  if (block?.type === "document" && source.type === "base64") {
    return `document ${source.media_type} ${decodedLength(String(source.data))} bytes ${pdfPages(String(source.data))} pages`;
  }
  if (block?.type === "document" && source.type === "text") {
    return `document ${source.media_type} ${String(source.data).length} chars title=${block.title ?? ""}`;
  }
  return `${block?.type ?? "unknown"}`;
}

/**
 * @param {{ role: string, content: any }[]} messages
 * @param {(content: any) => string} textOf
 * @returns {string}
 */
export function describeFiles(messages, textOf) {
  let index = messages.length - 1;
  while (index >= 0 && !(messages[index]?.role === "user" && textOf(messages[index]?.content).trim() !== "")) index -= 1;
  const content = messages[index]?.content;
  const blocks = typeof content === "string" ? [{ type: "text", text: content }] : Array.isArray(content) ? content : [];
  return blocks.map(describeBlock).join("\n");
}
