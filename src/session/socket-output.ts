/** close code for a socket that used its output allowance (the 4000 range is the application's) */
export const OUTPUT_LIMIT_CLOSE_CODE = 4008;
const OUTPUT_LIMIT_CLOSE_REASON = "Output limit reached; reconnect and resume";
/**
 * bytes the runtime holds per queued frame besides its text. Measured in wrangler dev's workerd on
 * Linux (`npm run bench:slow-socket`): a client that stopped reading during a 300,000-frame turn cost
 * the Worker process 250-285 MiB more than one that read, about 1 KB per frame, nine times a text
 * delta's ~112 characters. So frames, not characters, are what a stalled socket costs.
 */
export const FRAME_OVERHEAD_BYTES = 1024;

/**
 * Everything the session sends on one WebSocket goes through here, so that a socket's share of the
 * object's memory is bounded.
 *
 * workerd gives a server no way to tell whether a client reads: `send()` queues without limit and
 * returns nothing, and `bufferedAmount` is not implemented (it is `undefined`; cloudflare/workerd#988).
 * So the bound is on what this object queues, not on what is unread: each socket has an allowance of
 * `limit` estimated bytes (each frame's characters plus a fixed overhead) for its life, counted across
 * hibernation. The frame that would pass it closes the socket with 4008 instead, and the client
 * reconnects and resumes from its last sequence. A client that stops reading, or asks for replays
 * without end, thus holds at most `limit` of the object's memory; a client that reads pays one
 * reconnect per `limit` of output.
 *
 * Closing between requests instead (a "recycle") would spare readers the mid-request reconnect, but it
 * races the stock transport: a request sent in the moment between `end` and the close fails. So no.
 *
 * Closing does not free what is already queued (the close frame queues behind it); it stops the queue
 * from growing, and the runtime frees it when the connection ends.
 */
export class SocketOutput<A extends { sentBytes?: number }> {
  private closed = false;
  private sentBytes: number;
  private persisted: number;

  constructor(
    readonly socket: WebSocket,
    /** the socket's attachment; its `sentBytes` is what earlier instances sent (hibernation keeps it) */
    private readonly attachment: A,
    /** estimated bytes this socket may be sent in its life */
    private readonly limit: number,
    /** called once when the limit closes the socket, so its requests can be dropped */
    private readonly onLimit: () => void,
  ) {
    this.sentBytes = attachment.sentBytes ?? 0;
    this.persisted = this.sentBytes;
  }

  get open(): boolean {
    return !this.closed && this.socket.readyState === WebSocket.OPEN;
  }

  /** Sends one frame; false when the socket is closed or this frame would pass the limit (which closes it). */
  send(frame: string): boolean {
    // Not `open`: readyState is a call into the runtime, and this runs per frame per socket in fan-out;
    // send() itself throws once the socket is closed on this side, and a client's close reaches webSocketClose.
    if (this.closed) return false;
    const cost = frame.length + FRAME_OVERHEAD_BYTES;
    if (this.sentBytes + cost > this.limit) {
      this.closed = true;
      try {
        this.socket.close(OUTPUT_LIMIT_CLOSE_CODE, OUTPUT_LIMIT_CLOSE_REASON);
      } catch {
        // Already closing: the client is gone either way.
      }
      this.onLimit();
      return false;
    }
    try {
      this.socket.send(frame);
    } catch {
      // send() throws only on a socket that is closing or closed.
      return false;
    }
    this.sentBytes += cost;
    return true;
  }

  /**
   * Writes the count into the socket's attachment when it changed, so a session that hibernates and wakes
   * keeps counting instead of granting a fresh allowance. Called when the object may go idle (a frame
   * handled, a request or turn ended), not per frame.
   */
  persist(): void {
    if (this.sentBytes === this.persisted) return;
    try {
      this.socket.serializeAttachment({ ...this.attachment, sentBytes: this.sentBytes });
      this.persisted = this.sentBytes;
    } catch {
      // A closed socket's attachment no longer matters.
    }
  }
}
