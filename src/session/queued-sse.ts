import { encodeSse, SSE_DONE } from "../protocol/sse";

/**
 * The SSE response of a queued send: nothing until its turn starts, then that turn, as for any send.
 * A message cancelled (or refused) before it ran ends the stream with a coded error chunk.
 */
export function queuedSse<S>(
  started: Promise<S | undefined>,
  follow: (started: S) => ReadableStream<Uint8Array>,
  log: (event: string, detail: Record<string, unknown>) => void,
): ReadableStream<Uint8Array> {
  const { readable, writable } = new TransformStream<Uint8Array, Uint8Array>();
  started
    .then(async (begun) => {
      if (begun) return follow(begun).pipeTo(writable);
      const writer = writable.getWriter();
      const error = { type: "error", errorText: "queued_cancelled: The queued message was cancelled before it ran." };
      await writer.write(encodeSse(`data: ${JSON.stringify(error)}\n\n`));
      await writer.write(SSE_DONE);
      await writer.close();
    })
    // The client went away while it waited: nothing to tell anyone but the log.
    .catch((error: unknown) => log("queued_stream_failed", { error: String(error) }));
  return readable;
}
