import { chunkFrame, controlFrame } from "../protocol/ws-frames";
import type { ChunkBatch, ChunkSource, Follower } from "./chunk-source";

/**
 * bytes a socket may have queued and unsent before it is closed as too slow. The turn and the other
 * followers never wait for it; the client reconnects and resumes (a full replay, from which the
 * transport drops what it already has).
 */
const MAX_BUFFERED_BYTES = 4 * 1024 * 1024;
/** chunks read from the log per replay page */
const REPLAY_PAGE = 512;
/** close code for a consumer that fell too far behind (the 4000 range is the application's) */
export const SLOW_CONSUMER_CLOSE_CODE = 4008;

/**
 * One request (`send` or `resume`) of one WebSocket, following one turn. Frame sequences are the
 * chunk's index in the turn (`start` is 0), so they are consecutive within the request, as the
 * transport requires, and the same for every socket and every reconnect.
 */
export class WsFollower implements Follower {
  private next: number;
  private done = false;

  constructor(
    private readonly socket: WebSocket,
    readonly requestId: string,
    private readonly source: ChunkSource,
    startAt: number,
    private readonly onGone: (follower: WsFollower) => void,
  ) {
    this.next = startAt;
  }

  /** Sends everything already durable, then takes live batches. */
  start(): void {
    this.catchUp();
    if (!this.done && this.source.ended) this.finish();
  }

  deliver(batch: ChunkBatch): boolean {
    if (this.done) return false;
    if (batch.firstSeq !== this.next) this.catchUp();
    else this.sendLines(batch.firstSeq, batch.lines);
    return !this.done;
  }

  /** WebSocket clients need no heartbeat chunks (the transport would reject them); the runtime answers pings. */
  heartbeat(): void {}

  end(): void {
    this.catchUp();
    this.finish();
  }

  /** The client aborted this request, or the socket closed. */
  cancel(): void {
    if (this.done) return;
    this.done = true;
    this.onGone(this);
  }

  private catchUp(): void {
    while (!this.done && this.next <= this.source.durableThrough) {
      const to = Math.min(this.source.durableThrough, this.next + REPLAY_PAGE - 1);
      const lines = this.source.read(this.next, to);
      if (lines.length === 0) {
        this.fail();
        return;
      }
      this.sendLines(this.next, lines);
    }
  }

  private sendLines(firstSeq: number, lines: readonly string[]): void {
    try {
      for (let i = 0; i < lines.length; i++) {
        this.socket.send(chunkFrame(this.requestId, firstSeq + i - this.source.firstSeq, lines[i]!));
      }
      this.next = firstSeq + lines.length;
      if (this.socket.bufferedAmount > MAX_BUFFERED_BYTES) {
        this.socket.close(SLOW_CONSUMER_CLOSE_CODE, "Client too slow; reconnect to resume");
        this.cancel();
      }
    } catch {
      // send() throws only on a socket that is already closing or closed: this follower is gone.
      this.cancel();
    }
  }

  private finish(): void {
    if (this.done) return;
    try {
      this.socket.send(controlFrame({ type: "end", requestId: this.requestId }));
    } catch {
      // Closed socket: nothing left to tell it.
    }
    this.cancel();
  }

  private fail(): void {
    try {
      this.socket.send(
        controlFrame({ type: "error", requestId: this.requestId, errorText: "invalid_cursor: These chunks are no longer kept." }),
      );
    } catch {
      // Closed socket.
    }
    this.cancel();
  }
}
