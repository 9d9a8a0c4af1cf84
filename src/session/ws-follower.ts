import { chunkFrame, controlFrame } from "../protocol/ws-frames";
import type { ChunkBatch, ChunkSource, Follower } from "./chunk-source";

/** chunks read from the log per replay page */
const REPLAY_PAGE = 512;

/** Where a follower's frames go: one socket's SocketOutput, which bounds what the socket is sent. */
export interface FrameSink {
  /** false when the socket is closed, or was just closed for passing its output limit */
  send(frame: string): boolean;
}

/**
 * One request (`send` or `resume`) of one WebSocket, following one turn. Frame sequences are the
 * chunk's index from `sequenceBase` (the turn's `start` is 0; a full replay of a message that waited
 * for answers counts from that message's first `start`), so they are consecutive within the request,
 * as the transport requires, and the same for every socket and every reconnect.
 */
export class WsFollower implements Follower {
  private next: number;
  private done = false;

  constructor(
    private readonly output: FrameSink,
    readonly requestId: string,
    private readonly source: ChunkSource,
    startAt: number,
    private readonly onGone: (follower: WsFollower) => void,
    private readonly sequenceBase = source.firstSeq,
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
    for (let i = 0; i < lines.length; i++) {
      if (!this.output.send(chunkFrame(this.requestId, firstSeq + i - this.sequenceBase, lines[i]!))) {
        // The socket closed (or its output limit closed it): the client resumes from its last sequence.
        this.cancel();
        return;
      }
    }
    this.next = firstSeq + lines.length;
  }

  private finish(): void {
    if (this.done) return;
    this.output.send(controlFrame({ type: "end", requestId: this.requestId }));
    this.cancel();
  }

  private fail(): void {
    this.output.send(
      controlFrame({ type: "error", requestId: this.requestId, errorText: "invalid_cursor: These chunks are no longer kept." }),
    );
    this.cancel();
  }
}
