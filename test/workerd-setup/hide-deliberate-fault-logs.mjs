// @ts-check
/**
 * Global setup of the `workerd` test project (vitest's main process). workerd's own log lines, unlike
 * the Worker's console output, reach this process's stdout and stderr straight from the plugin's
 * Miniflare, outside any test: neither a test's console spy nor `onConsoleLog` sees them. These are
 * the ones the tests cause on purpose (and one note of a library's probe); they are dropped here, and
 * any other line still prints.
 */
const DELIBERATE = [
  // recovery.test.ts and bounded-storage.test.ts crash an object with `state.abort(reason)`.
  "broken.outputGateBroken; jsg.Error: simulated crash",
  "broken.outputGateBroken; jsg.Error: restart",
  // Follows those crashes when later requests run in the same workerd (reproduced with the crash
  // test and the compaction tests in one file): a promise of the aborted request settled from another.
  "Setting promise cross context follower failed unexpectedly",
  // Clients that drop a stream on purpose: stop, partial reads, a follower that goes away.
  "disconnected: abortRead() has been called",
  "disconnected: read end of pipe was aborted",
  // queue.test.ts crashes an object while a client reads its turn's stream over RPC.
  "ReadableStream received over RPC disconnected prematurely",
  // runDurableObjectAlarm runs an alarm by hand while the scheduled one is due; the handler sets the
  // next one (workerd's NOSENTRY lines are its informational notes, never errors).
  "NOSENTRY SQLite alarm handler canceled with requestScheduledAlarm",
  // Not a fault: the Anthropic SDK's one-time probe before its first multipart upload (the Files API
  // tests) reads `new Response(new FormData()).text()` to see whether fetch encodes FormData, and
  // workerd notes that multipart is not text (internal/uploads.mjs, supportsFormData).
  "Called .text() on an HTTP body which does not appear to be text. The body's Content-Type is \"multipart/form-data",
];

export default function hideDeliberateFaultLogs() {
  const restores = [process.stdout, process.stderr].map((stream) => {
    const write = stream.write;
    /** @type {typeof stream.write} */
    const filtered = (chunk, ...rest) => {
      if (typeof chunk === "string" && DELIBERATE.some((line) => chunk.includes(line))) {
        const callback = rest.at(-1);
        if (typeof callback === "function") callback();
        return true;
      }
      return write.call(stream, chunk, .../** @type {[any]} */ (rest));
    };
    stream.write = filtered;
    return () => {
      stream.write = write;
    };
  });
  return () => {
    for (const restore of restores) restore();
  };
}
