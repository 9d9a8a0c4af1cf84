/** close code for a socket that used its output allowance (the 4000 range is the application's) */
export const OUTPUT_LIMIT_CLOSE_CODE = 4008;
const OUTPUT_LIMIT_CLOSE_REASON = "Output limit reached; reconnect and resume";

/**
 * Everything the session sends on one WebSocket goes through here, so that a socket's share of the
 * object's memory is bounded.
 *
 * workerd gives a server no way to tell whether a client reads: `send()` queues without limit and
 * returns nothing, and `bufferedAmount` is not implemented (it is `undefined`; cloudflare/workerd#988).
 * So the bound is on what this object queues, not on what is unread: a socket may be sent at most
 * `limit` characters of frames in its life. The frame that would pass it closes the socket with 4008
 * instead, and the client reconnects and resumes from its last sequence. A client that stops reading
 * therefore holds at most `limit` of the object's memory, however long the turns or however often it
 * asks for a replay; a client that reads pays one reconnect per `limit` of output.
 *
 * Closing does not free what is already queued (the close frame queues behind it); it stops the queue
 * from growing, and the runtime frees it when the connection ends.
 */
export class SocketOutput<A extends { sent?: number }> {
  private closedByLimit = false;
  private sent: number;
  private persisted: number;

  constructor(
    readonly socket: WebSocket,
    /** the socket's attachment; its `sent` is what earlier instances sent (hibernation keeps it) */
    private readonly attachment: A,
    private readonly limit: number,
    /** called once when the limit closes the socket, so its requests can be dropped */
    private readonly onLimit: () => void,
  ) {
    this.sent = attachment.sent ?? 0;
    this.persisted = this.sent;
  }

  get open(): boolean {
    return !this.closedByLimit && this.socket.readyState === WebSocket.OPEN;
  }

  /** characters of frames sent on this socket so far */
  get sentChars(): number {
    return this.sent;
  }

  /** Sends one frame; false when the socket is closed or this frame would pass the limit (which closes it). */
  send(frame: string): boolean {
    if (!this.open) return false;
    if (this.sent + frame.length > this.limit) {
      this.closedByLimit = true;
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
    this.sent += frame.length;
    return true;
  }

  /**
   * Writes the count into the socket's attachment when it changed, so a session that hibernates and wakes
   * keeps counting instead of granting a fresh allowance. Called when the object may go idle (a frame
   * handled, a request or turn ended), not per frame.
   */
  persist(): void {
    if (this.sent === this.persisted) return;
    try {
      this.socket.serializeAttachment({ ...this.attachment, sent: this.sent });
      this.persisted = this.sent;
    } catch {
      // A closed socket's attachment no longer matters.
    }
  }
}
