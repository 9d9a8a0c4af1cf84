// Just enough of source maps (v3) to name the original file and line of a bundle position.
const B64 = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
const DIGIT = new Map([...B64].map((c, i) => [c, i]));

function decodeVlq(segment) {
  const out = [];
  let value = 0;
  let shift = 0;
  for (const c of segment) {
    const digit = DIGIT.get(c);
    value += (digit & 31) << shift;
    if (digit & 32) shift += 5;
    else {
      out.push(value & 1 ? -(value >>> 1) : value >>> 1);
      value = 0;
      shift = 0;
    }
  }
  return out;
}

/** `lookup(line, column)` (both 0-based, as in V8 profiles) -> "src/x.ts:12" or undefined. */
export function sourceMap(map) {
  const lines = [];
  let src = 0;
  let srcLine = 0;
  for (const text of map.mappings.split(";")) {
    const segments = [];
    let col = 0;
    for (const seg of text.split(",")) {
      if (seg === "") continue;
      const f = decodeVlq(seg);
      col += f[0];
      if (f.length >= 4) {
        src += f[1];
        srcLine += f[2];
        segments.push([col, src, srcLine]);
      }
    }
    lines.push(segments);
  }
  const name = (i) => (map.sources[i] ?? "?").replace(/^(\.\.\/)+/, "").replace(/^.*?\/?((src|node_modules)\/)/, "$1");
  return (line, column) => {
    const segments = lines[line];
    if (!segments || segments.length === 0) return undefined;
    let best = segments[0];
    for (const s of segments) {
      if (s[0] > column) break;
      best = s;
    }
    return `${name(best[1])}:${best[2] + 1}`;
  };
}
