// @ts-check
/**
 * `fake:describe-files`: one line per content block of the prompt (the last user message with text),
 * so a test can assert exactly what reached the model: block type, media type, and size (bytes for
 * base64 data, characters for text, and pages for a PDF). A block whose source is a Files API upload
 * is described from the stored upload, the same way, with `by file_id` at the end.
 */
import { storedFile } from "./files-api.js";

/** @param {string} base64 */
function decodedLength(base64) {
  const padding = base64.endsWith("==") ? 2 : base64.endsWith("=") ? 1 : 0;
  return (base64.length * 3) / 4 - padding;
}

/** Pages of a PDF: its `/Type /Page` objects (not `/Pages`). Enough for the small PDFs tests make. @param {string} binary one character per byte */
function pdfPages(binary) {
  return (binary.match(/\/Type\s*\/Page(?!s)/g) ?? []).length;
}

/** @param {Uint8Array} bytes */
function binaryOf(bytes) {
  let binary = "";
  for (let i = 0; i < bytes.length; i += 0x8000) binary += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  return binary;
}

/** @param {any} block @param {string} fileId */
function describeUpload(block, fileId) {
  const file = storedFile(fileId);
  if (!file) return `${block.type} unknown file_id`;
  const { mime_type: mediaType, size_bytes: size } = file.metadata;
  const pages = mediaType === "application/pdf" ? ` ${pdfPages(binaryOf(file.bytes))} pages` : "";
  return `${block.type} ${mediaType} ${size} bytes${pages} by file_id`;
}

/** @param {any} block @returns {string} */
function describeBlock(block) {
  if (block?.type === "text") return `text ${String(block.text).length} chars`;
  const source = block?.source ?? {};
  if ((block?.type === "image" || block?.type === "document") && source.type === "file")
    return describeUpload(block, String(source.file_id));
  if (block?.type === "image") return `image ${source.media_type} ${decodedLength(String(source.data))} bytes`;
  if (block?.type === "document" && source.type === "base64") {
    return `document ${source.media_type} ${decodedLength(String(source.data))} bytes ${pdfPages(atob(String(source.data)))} pages`;
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
