/**
 * A request body, read up to `maxBytes`: the size is checked while reading, never trusted from
 * Content-Length alone (a chunked body has none). Undefined when the body is larger.
 *
 * With a Content-Length the bytes are read straight into one array of that size: a 20 MB upload
 * then holds 20 MB, not its chunks and their 20 MB copy at once. A body longer than it said is
 * refused like an oversized one (the runtime would cut it anyway); a shorter one is what arrived.
 */
export async function readLimited(request: Request, maxBytes: number): Promise<Uint8Array | undefined> {
  const declared = Number(request.headers.get("content-length") ?? Number.NaN);
  if (declared > maxBytes) return undefined;
  if (!request.body) return new Uint8Array();
  const reader = request.body.getReader();
  if (Number.isSafeInteger(declared) && declared >= 0) {
    const bytes = new Uint8Array(declared);
    let filled = 0;
    for (;;) {
      const { done, value } = await reader.read();
      if (done) return filled === declared ? bytes : bytes.slice(0, filled);
      if (filled + value.byteLength > declared) {
        await reader.cancel();
        return undefined;
      }
      bytes.set(value, filled);
      filled += value.byteLength;
    }
  }
  const chunks: Uint8Array[] = [];
  let total = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    total += value.byteLength;
    if (total > maxBytes) {
      await reader.cancel();
      return undefined;
    }
    chunks.push(value);
  }
  const bytes = new Uint8Array(total);
  let offset = 0;
  for (const chunk of chunks) {
    bytes.set(chunk, offset);
    offset += chunk.byteLength;
  }
  return bytes;
}
