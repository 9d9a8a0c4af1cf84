// When each upstream delta reached a client. The service merges the deltas of one row into one
// chunk, so a client chunk may carry several upstream deltas: they are matched by text offset.
// Upstream delta k (its text ends at offset E_k of the answer) arrived with the first client
// text-delta whose text reaches E_k. Works alike for merged and unmerged streams.

/** Text deltas `{ t, chars }` of parsed SSE events or WebSocket chunk events (`data` is the chunk JSON). */
export function clientTextDeltas(events) {
  const out = [];
  for (const e of events) {
    if (!e.data.startsWith('{"type":"text-delta"')) continue;
    out.push({ t: e.t, chars: JSON.parse(e.data).delta.length });
  }
  return out;
}

/** Arrival time at the client of each upstream delta (`chars`: each upstream delta's text length). */
export function arrivals(upstreamChars, clientDeltas) {
  const out = [];
  let end = 0;
  let reached = 0;
  let c = 0;
  for (const chars of upstreamChars) {
    end += chars;
    while (c < clientDeltas.length && reached < end) reached += clientDeltas[c++].chars;
    out.push(reached >= end && c > 0 ? clientDeltas[c - 1].t : Number.NaN);
  }
  return out;
}

/** Per upstream delta: client arrival minus the upstream's write (ms), for the upstream stream `tapped`. */
export function deliveryDelays(tapped, clientEvents) {
  if (!tapped) return [];
  const times = arrivals(tapped.chars, clientTextDeltas(clientEvents));
  return times.map((t, k) => t - tapped.deltas[k]).filter(Number.isFinite);
}
