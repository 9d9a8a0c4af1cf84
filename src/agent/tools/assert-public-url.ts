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
