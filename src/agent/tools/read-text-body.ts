import { extractText } from "./extract-text";

// ---------------------------------------------------------------------------------------------------------------
// What fetch_url makes of the response it ends on: which content types it reads, how much of the body it downloads,
// and how an error response is reported. No network here: it takes a Response, wherever that came from.
// ---------------------------------------------------------------------------------------------------------------

/** bytes of body read; the rest is never downloaded */
export const MAX_BODY_BYTES = 1024 * 1024;
/** bytes and characters of an error response's body: enough for the reason, not a whole error page */
export const MAX_ERROR_BODY_BYTES = 64 * 1024;
export const MAX_ERROR_TEXT_CHARS = 2_000;

const TEXT_MEDIA_TYPES = new Set(["application/json", "application/xml", "application/xhtml+xml"]);
const HTML_MEDIA_TYPES = new Set(["text/html", "application/xhtml+xml"]);

export interface TextBodyLimits {
  /** characters of text returned from a 2xx response; an error response's text is cut to MAX_ERROR_TEXT_CHARS at most */
  maxChars: number;
}

/** A response as the model sees it; `title` only for an HTML page that has one. */
export interface TextBody {
  status: number;
  contentType: string;
  title?: string;
  text: string;
  truncated: boolean;
}

/**
 * Reads `response` as text: HTML reduced to its visible text, other text, JSON and XML as they are, cut to the limits.
 * A 2xx response of any other content type throws, without downloading its body; a non-2xx response is returned with
 * its status (and empty text when its body is not text), since a 404 is an answer, not a failure.
 */
export async function readTextBody(response: Response, { maxChars }: TextBodyLimits): Promise<TextBody> {
  const contentType = response.headers.get("content-type") ?? "";
  const mediaType = (contentType.split(";")[0] ?? "").trim().toLowerCase();
  const base = { status: response.status, contentType };
  if (!mediaType.startsWith("text/") && !TEXT_MEDIA_TYPES.has(mediaType)) {
    await response.body?.cancel();
    // The model should see a failed status (a 404 is an answer) even when the error body is unreadable.
    if (!response.ok) return { ...base, text: "", truncated: false };
    throw new Error(`Unsupported content type "${mediaType || "(none)"}"; only text, HTML, JSON and XML can be read.`);
  }
  const body = await readBody(response, charsetOf(contentType), response.ok ? MAX_BODY_BYTES : MAX_ERROR_BODY_BYTES);
  const extracted = HTML_MEDIA_TYPES.has(mediaType) ? extractText(body.text) : { text: body.text };
  return { ...base, ...limitText(extracted, response.ok ? maxChars : Math.min(maxChars, MAX_ERROR_TEXT_CHARS), body.cut) };
}

function limitText({ title, text }: { title?: string; text: string }, maxChars: number, bodyCut: boolean) {
  return { ...(title === undefined ? {} : { title }), text: text.slice(0, maxChars), truncated: bodyCut || text.length > maxChars };
}

function charsetOf(contentType: string): string {
  return /;\s*charset\s*=\s*"?([^";\s]+)/i.exec(contentType)?.[1] ?? "utf-8";
}

/** Reads at most `maxBytes` of the body as a stream and cancels the rest, so a huge body is never downloaded. */
async function readBody(response: Response, charset: string, maxBytes: number): Promise<{ text: string; cut: boolean }> {
  if (!response.body) return { text: "", cut: false };
  let decoder: TextDecoder;
  try {
    decoder = new TextDecoder(charset);
  } catch (error) {
    // An unknown or unsupported label: most of the web is UTF-8 or ASCII-compatible, so read it as that.
    if (!(error instanceof RangeError)) throw error;
    decoder = new TextDecoder("utf-8");
  }
  const reader = response.body.getReader();
  const parts: string[] = [];
  let received = 0;
  let cut = false;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    const room = maxBytes - received;
    if (value.byteLength > room) {
      parts.push(decoder.decode(value.subarray(0, room), { stream: true }));
      cut = true;
      await reader.cancel();
      break;
    }
    received += value.byteLength;
    parts.push(decoder.decode(value, { stream: true }));
  }
  parts.push(decoder.decode());
  return { text: parts.join(""), cut };
}
