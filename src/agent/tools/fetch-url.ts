import { z } from "zod";
import { defineTool } from "../tool";

/** characters of a URL the model may pass */
const MAX_URL_CHARS = 2_048;
/** characters of extracted text returned by default, and the most the model may ask for */
const DEFAULT_MAX_CHARS = 20_000;
const MAX_MAX_CHARS = 100_000;
/** redirects followed, each re-checked, before giving up */
const MAX_REDIRECTS = 3;
/** ms for the whole exchange, every redirect and the body included */
const FETCH_TIMEOUT_MS = 10_000;
/** ms the loop allows: the fetch timeout plus time to extract text from a full body */
const FETCH_URL_TOOL_TIMEOUT_MS = 15_000;
/** bytes of body read; the rest is never downloaded */
const MAX_BODY_BYTES = 1024 * 1024;
/** bytes and characters of an error response's body: enough for the reason, not a whole error page */
const MAX_ERROR_BODY_BYTES = 64 * 1024;
const MAX_ERROR_TEXT_CHARS = 2_000;
/** characters of a page title */
const MAX_TITLE_CHARS = 300;

const TEXT_MEDIA_TYPES = new Set(["application/json", "application/xml", "application/xhtml+xml"]);
const HTML_MEDIA_TYPES = new Set(["text/html", "application/xhtml+xml"]);
const REDIRECT_STATUSES = new Set([301, 302, 303, 307, 308]);

const inputSchema = z.object({
  url: z.string().min(1).max(MAX_URL_CHARS).describe("Absolute http:// or https:// URL of a public web page or text document."),
  maxChars: z
    .number()
    .int()
    .min(1)
    .max(MAX_MAX_CHARS)
    .default(DEFAULT_MAX_CHARS)
    .describe(
      `Most characters of text to return (default ${DEFAULT_MAX_CHARS}, at most ${MAX_MAX_CHARS}); longer text is cut and marked truncated.`,
    ),
});

export const fetchUrl = defineTool({
  name: "fetch_url",
  description:
    "Fetches a public web page or text document (HTML, plain text, JSON, XML) over http(s) and returns its HTTP status, content type, " +
    "title and readable text (HTML is reduced to its visible text). Follows up to 3 redirects. Private, local and internal addresses " +
    "are refused. Non-2xx responses are returned with their status and a short excerpt, not as errors.",
  inputSchema,
  timeoutMs: FETCH_URL_TOOL_TIMEOUT_MS,
  async execute({ url, maxChars }, { signal }) {
    let target = assertPublicUrl(url);
    const timeout = AbortSignal.timeout(FETCH_TIMEOUT_MS);
    const combined = AbortSignal.any([signal, timeout]);
    try {
      for (let redirects = 0; ; redirects += 1) {
        const response = await fetch(target, {
          method: "GET",
          // Followed by hand so that every hop is checked again, not just the URL the model gave.
          redirect: "manual",
          signal: combined,
          headers: { accept: "text/html, text/plain;q=0.9, application/json;q=0.9, application/xml;q=0.8, */*;q=0.1" },
        });
        const location = response.headers.get("location");
        if (REDIRECT_STATUSES.has(response.status) && location !== null) {
          await response.body?.cancel();
          if (redirects >= MAX_REDIRECTS) {
            throw new Error(`Too many redirects (more than ${MAX_REDIRECTS}); the last pointed to ${location}.`);
          }
          target = assertPublicUrl(location, target);
          continue;
        }
        return await readResponse(target, response, maxChars);
      }
    } catch (error) {
      if (timeout.aborted && !signal.aborted) {
        throw new Error(`No complete response from ${target.host} within ${FETCH_TIMEOUT_MS / 1000} s.`);
      }
      throw error;
    }
  },
});

async function readResponse(url: URL, response: Response, maxChars: number) {
  const contentType = response.headers.get("content-type") ?? "";
  const mediaType = (contentType.split(";")[0] ?? "").trim().toLowerCase();
  const base = { url: url.href, status: response.status, contentType };
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

// ---------------------------------------------------------------------------------------------------------------
// Which hosts may be fetched
//
// The check runs on the hostname as the WHATWG URL parser normalises it: IPv4 in any notation it accepts (integer,
// hex, octal, short forms like 127.1) comes out dotted-decimal, IPv6 comes out compressed lowercase hex, names come
// out lowercase punycode. On top of that, an IPv4 host must have been written in plain dotted-decimal, because
// odd notations have no honest use and exist to slip past filters.
//
// Limit: Workers cannot resolve DNS before fetching, so a public name whose DNS points at a private address is not
// caught here. Cloudflare's edge does not route a Worker's fetches into private networks, which is what makes this
// check a second line rather than the only one.
// ---------------------------------------------------------------------------------------------------------------

/** [network, prefix length, what it is] */
const BLOCKED_IPV4: readonly (readonly [string, number, string])[] = [
  ["0.0.0.0", 8, "'this network'"],
  ["10.0.0.0", 8, "private"],
  ["100.64.0.0", 10, "carrier-grade NAT"],
  ["127.0.0.0", 8, "loopback"],
  ["169.254.0.0", 16, "link-local"],
  ["172.16.0.0", 12, "private"],
  ["192.0.0.0", 24, "IETF protocol"],
  ["192.168.0.0", 16, "private"],
  ["198.18.0.0", 15, "benchmarking"],
  ["224.0.0.0", 4, "multicast"],
  ["240.0.0.0", 4, "reserved"],
];

/** Names that by convention never leave the local network. */
const BLOCKED_NAME_SUFFIXES = ["localhost", "local", "internal", "home.arpa"];

/** Parses `input` (relative to `base` for redirects) and throws unless it is an http(s) URL of a public host. */
export function assertPublicUrl(input: string, base?: URL): URL {
  let url: URL;
  try {
    url = new URL(input, base);
  } catch {
    throw new Error(`"${input.slice(0, 200)}" is not a valid absolute URL.`);
  }
  if (url.protocol !== "http:" && url.protocol !== "https:") {
    throw new Error(`Only http and https URLs can be fetched, not ${url.protocol.replace(/:$/, "")}.`);
  }
  const host = url.hostname.replace(/\.$/, "");
  const refuse = (what: string) => new Error(`Refusing to fetch ${url.hostname}: ${what}. Only public internet hosts can be fetched.`);

  if (host.startsWith("[")) {
    const groups = parseIPv6(host.slice(1, -1));
    const reason = groups ? blockedIPv6(groups) : "an unreadable IPv6 address";
    if (reason) throw refuse(`it is ${reason}`);
    return url;
  }
  const ipv4 = parseIPv4(host);
  if (ipv4 !== null) {
    // A relative redirect keeps the host already checked; anything else must show its IPv4 plainly.
    const sameHost = base !== undefined && base.hostname === url.hostname;
    if (!sameHost && rawHost(input) !== host) throw refuse("IP addresses must be written in plain dotted-decimal form");
    const reason = blockedIPv4(ipv4);
    if (reason) throw refuse(`it is ${reason}`);
    return url;
  }
  if (!host.includes(".")) throw refuse("a single-label name is a local name");
  if (BLOCKED_NAME_SUFFIXES.some((suffix) => host === suffix || host.endsWith(`.${suffix}`)))
    throw refuse("it is a local or internal name");
  return url;
}

/** The host exactly as written in `input`, before normalisation, or undefined when it has no `//authority`. */
function rawHost(input: string): string | undefined {
  // Like the URL parser: skip leading C0 controls and spaces, drop tabs and newlines anywhere, read "\" as "/".
  let start = 0;
  while (start < input.length && input.charCodeAt(start) <= 0x20) start += 1;
  const authority = /^(?:[a-z][a-z0-9+.-]*:)?[/\\]{2}([^/?#\\]*)/i.exec(input.slice(start).replace(/[\t\n\r]/g, ""))?.[1];
  if (authority === undefined) return undefined;
  return authority
    .slice(authority.lastIndexOf("@") + 1)
    .replace(/:\d*$/, "")
    .replace(/\.$/, "")
    .toLowerCase();
}

function parseIPv4(host: string): number | null {
  const match = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/.exec(host);
  if (!match) return null;
  const octets = match.slice(1).map(Number);
  if (octets.some((octet) => octet > 255)) return null;
  return octets.reduce((value, octet) => value * 256 + octet, 0);
}

function blockedIPv4(address: number): string | null {
  for (const [network, prefix, what] of BLOCKED_IPV4) {
    const shift = 32 - prefix;
    if (address >>> shift === parseIPv4(network)! >>> shift) return `a ${what} address`;
  }
  return null;
}

/** Eight 16-bit groups of a normalised IPv6 address, or null if it is not one. */
function parseIPv6(text: string): number[] | null {
  const halves = text.split("::");
  if (halves.length > 2) return null;
  const parse = (half: string | undefined) =>
    half ? half.split(":").map((group) => (/^[0-9a-f]{1,4}$/i.test(group) ? Number.parseInt(group, 16) : Number.NaN)) : [];
  const head = parse(halves[0]);
  const tail = parse(halves[1]);
  const missing = 8 - head.length - tail.length;
  if (halves.length === 1 ? missing !== 0 : missing < 1) return null;
  const groups = [...head, ...new Array<number>(halves.length === 1 ? 0 : missing).fill(0), ...tail];
  return groups.some(Number.isNaN) ? null : groups;
}

function blockedIPv6(groups: readonly number[]): string | null {
  const [g0 = 0, g1 = 0, g2 = 0, g3 = 0, g4 = 0, g5 = 0, g6 = 0, g7 = 0] = groups;
  const embeddedIPv4 = g6 * 65_536 + g7;
  const zeroTo = (end: number) => groups.slice(0, end).every((group) => group === 0);
  if (zeroTo(7) && g7 <= 1) return g7 === 0 ? "the unspecified IPv6 address" : "the IPv6 loopback address";
  if ((g0 & 0xffc0) === 0xfe80) return "an IPv6 link-local address";
  if ((g0 & 0xffc0) === 0xfec0) return "an IPv6 site-local address";
  if ((g0 & 0xfe00) === 0xfc00) return "an IPv6 unique-local address";
  if ((g0 & 0xff00) === 0xff00) return "an IPv6 multicast address";
  // Forms that carry an IPv4 address inside: mapped (::ffff:a.b.c.d), compatible (::a.b.c.d), NAT64 (64:ff9b::a.b.c.d).
  const carriesIPv4 =
    (zeroTo(5) && (g5 === 0xffff || g5 === 0)) || (g0 === 0x64 && g1 === 0xff9b && g2 === 0 && g3 === 0 && g4 === 0 && g5 === 0);
  if (carriesIPv4) {
    const reason = blockedIPv4(embeddedIPv4);
    return reason && `${reason} inside an IPv6 address`;
  }
  // 6to4 (2002:AABB:CCDD::) routes to the IPv4 address in groups 1 and 2.
  if (g0 === 0x2002) {
    const reason = blockedIPv4(g1 * 65_536 + g2);
    return reason && `${reason} inside a 6to4 address`;
  }
  return null;
}

// ---------------------------------------------------------------------------------------------------------------
// HTML to text
//
// A single linear scan rather than HTMLRewriter: this must be a synchronous pure function (so it runs in plain Node
// tests and on a string already cut at MAX_BODY_BYTES), and rather than chains of regexes, whose backtracking on an
// adversarial 1 MiB page could burn the Worker's CPU budget.
// ---------------------------------------------------------------------------------------------------------------

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

const NAMED_ENTITIES: ReadonlyMap<string, string> = new Map([
  ["amp", "&"],
  ["lt", "<"],
  ["gt", ">"],
  ["quot", '"'],
  ["apos", "'"],
  ["nbsp", " "],
  ["shy", ""],
  ["copy", "©"],
  ["reg", "®"],
  ["trade", "™"],
  ["hellip", "…"],
  ["mdash", "—"],
  ["ndash", "–"],
  ["lsquo", "‘"],
  ["rsquo", "’"],
  ["ldquo", "“"],
  ["rdquo", "”"],
  ["laquo", "«"],
  ["raquo", "»"],
  ["bull", "•"],
  ["middot", "·"],
  ["deg", "°"],
  ["times", "×"],
  ["divide", "÷"],
  ["euro", "€"],
  ["pound", "£"],
  ["yen", "¥"],
  ["cent", "¢"],
  ["sect", "§"],
  ["para", "¶"],
]);

export function decodeEntities(text: string): string {
  return text.replace(
    /&(?:#(\d{1,7})|#[xX]([0-9a-fA-F]{1,6})|([a-zA-Z][a-zA-Z0-9]{1,31}));?/g,
    (entity, decimal?: string, hex?: string, name?: string) => {
      if (name !== undefined) return entity.endsWith(";") ? (NAMED_ENTITIES.get(name) ?? entity) : entity;
      const codePoint = decimal !== undefined ? Number(decimal) : Number.parseInt(hex ?? "", 16);
      const valid = codePoint > 0 && codePoint <= 0x10ffff && !(codePoint >= 0xd800 && codePoint <= 0xdfff);
      return valid ? String.fromCodePoint(codePoint) : "\uFFFD";
    },
  );
}

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
    const decoded = decodeEntities(raw);
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
          decodeEntities(html.slice(at, found?.index ?? html.length))
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
