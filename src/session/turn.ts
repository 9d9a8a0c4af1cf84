import type { UIMessage, UIMessageChunk } from "ai";
import type { TurnEnd } from "../agent/turn-end";
import { asApprovalResponse } from "../protocol/approval-record";
import type { ClientTool } from "../protocol/client-tools";
import { closeOpenParts } from "../protocol/close-open-parts";
import type { ErrorCode } from "../protocol/error-code";
import { MessageAssembler } from "../protocol/message-assembler";
import { outcomeChunk } from "../protocol/turn-outcome";
import type { ChunkLog } from "../storage/chunk-log";
import type { TurnStatus } from "../storage/turn-log";
import { TurnStream } from "./turn-stream";

export const CANCELLED_TEXT = "Turn was cancelled";

export type { TurnEnd };

/** The narrow storage seam a turn needs: it never sees the database. Calls are synchronous. */
export interface TurnRecorder {
  /** Saves the in-flight assistant message (a checkpoint). */
  saveMessage(message: UIMessage): void;
  /** Saves the final message and closes the turn record, in one synchronous step. */
  endTurn(end: { status: Exclude<TurnStatus, "running">; errorCode: ErrorCode | null; lastChunk: number }, message: UIMessage): void;
}

/** ms of streamed text between checkpoints of the assistant message */
const TEXT_CHECKPOINT_INTERVAL_MS = 2_000;

/** Chunks after which the assistant message is saved, so a second device sees calls and results mid-turn. */
export const CHECKPOINT_AFTER = new Set<UIMessageChunk["type"]>([
  "tool-input-available",
  "tool-output-available",
  "tool-output-error",
  "finish-step",
]);

export interface TurnOptions {
  seq: number;
  messageId: string;
  firstChunk: number;
  chunkLog: ChunkLog;
  recorder: TurnRecorder;
  flushIntervalMs: number;
  /** deltas per chunk-log row (TurnStreamOptions.flushDeltas) */
  flushDeltas?: number;
  heartbeatIntervalMs: number;
  log: (event: string, detail: Record<string, unknown>) => void;
  /** Continue an interrupted turn: the assembler state rebuilt from its chunks, and its last sequence. */
  resume?: { assembler: MessageAssembler; lastChunk: number; base?: UIMessage };
  /** The message as its earlier turns left it, when this turn carries on a message that waited for answers. */
  base?: UIMessage;
  /** The first chunk of this turn's message (its first turn's `start`); defaults to this turn's first. */
  messageFirstChunk?: number;
  /** The browser tools this turn's request declared (none when absent). */
  clientTools?: ClientTool[];
}

/**
 * One running turn: the assistant message being built, its resumable stream, and the abort signal
 * shared by the model call and every tool. `end` is the only way out and runs once: it closes open
 * parts, gives every unresolved tool call its one outcome, writes `error` (when there is one) and
 * `finish`, and persists the final message together with the turn record.
 */
export class Turn {
  readonly seq: number;
  readonly messageId: string;
  readonly stream: TurnStream;
  readonly assembler: MessageAssembler;
  /** The message as it stood before this turn, when the turn continues one (history shows it meanwhile). */
  readonly base: UIMessage | undefined;
  readonly clientTools: ClientTool[];
  private readonly abort = new AbortController();
  private outcome: TurnEnd | undefined;
  private lastCheckpoint = Date.now();
  private checkpointFailed = false;
  private resolveDone!: () => void;
  /** Settles when the turn has ended and its final state is saved. */
  readonly done = new Promise<void>((resolve) => (this.resolveDone = resolve));

  constructor(private readonly options: TurnOptions) {
    this.seq = options.seq;
    this.messageId = options.messageId;
    this.base = options.resume ? options.resume.base : options.base;
    this.clientTools = options.clientTools ?? [];
    this.assembler =
      options.resume?.assembler ??
      (options.base ? new MessageAssembler({ message: options.base }) : new MessageAssembler({ messageId: options.messageId }));
    this.stream = new TurnStream(
      {
        turn: options.seq,
        firstSeq: options.firstChunk,
        replayFrom: options.messageFirstChunk ?? options.firstChunk,
        log: options.chunkLog,
        flushIntervalMs: options.flushIntervalMs,
        flushDeltas: options.flushDeltas,
        heartbeatIntervalMs: options.heartbeatIntervalMs,
      },
      options.resume?.lastChunk,
    );
    if (!options.resume) this.emit({ type: "start", messageId: options.messageId });
  }

  get signal(): AbortSignal {
    return this.abort.signal;
  }

  get ended(): boolean {
    return this.outcome !== undefined;
  }

  /** The message as streamed so far. */
  snapshot(): UIMessage {
    return this.assembler.message;
  }

  /**
   * Adds a chunk to the turn. After the turn ended this is a no-op: the model loop may still be
   * unwinding from an abort, and nothing it says then may reach the log.
   */
  emit(chunk: UIMessageChunk): void {
    if (this.outcome) return;
    this.assembler.apply(chunk);
    // A decision on an approval is streamed as a record every client version accepts, and applied to
    // the message as ai 7 applies its own approval response (protocol/approval-record.ts).
    const response = asApprovalResponse(chunk);
    if (response) this.assembler.apply(response);
    this.stream.append(chunk);
    const now = Date.now();
    const isDelta = chunk.type === "text-delta" || chunk.type === "reasoning-delta";
    if (CHECKPOINT_AFTER.has(chunk.type) || (isDelta && now - this.lastCheckpoint >= TEXT_CHECKPOINT_INTERVAL_MS)) {
      this.checkpoint(now);
    }
  }

  end(end: TurnEnd): void {
    if (this.outcome) return;
    // Closing chunks go through the same path as every other chunk, so they are logged and
    // followers get them like any other; only after that is the turn marked ended.
    const status: Exclude<TurnStatus, "running"> = end.kind === "failed" ? "failed" : end.kind;
    const errorCode: ErrorCode | null = end.kind === "failed" ? end.code : end.kind === "cancelled" ? "turn_cancelled" : null;
    const errorText = end.kind === "finished" || end.kind === "waiting" ? null : end.kind === "cancelled" ? CANCELLED_TEXT : end.errorText;
    const closing =
      end.kind === "waiting"
        ? // The message waits for answers: its pending calls keep no outcome; the answer's turn gives them one.
          closeOpenParts(this.assembler, { errorText: "", finishReason: "tool-calls", withoutError: true, keepPendingCalls: true })
        : errorText === null
          ? closeOpenParts(this.assembler, {
              errorText: "",
              finishReason: end.kind === "finished" ? end.finishReason : "stop",
              withoutError: true,
            })
          : closeOpenParts(this.assembler, { errorText, finishReason: end.kind === "cancelled" ? "other" : "error" });
    // The outcome goes into the message before the closing chunks (after `start` if that is among
    // them), so a stored message carries it exactly as live clients assembled it, and the stream
    // still ends with `error`, `finish`. Nothing when the turn had already finished (closing is empty).
    if (closing.length > 0) closing.splice(closing[0]?.type === "start" ? 1 : 0, 0, outcomeChunk({ status, errorCode, errorText }));
    for (const chunk of closing) this.emit(chunk);
    this.outcome = end;
    this.abort.abort(end.kind === "cancelled" ? new Error(CANCELLED_TEXT) : new Error("turn ended"));
    this.stream.flush();
    this.persistFinal({ status, errorCode, lastChunk: this.stream.durableThrough });
    // Followers always get their end: the chunks (finish included) are durable in the log. If the
    // final save failed twice, the turn stays marked running and the next start closes it from the log.
    this.stream.end();
    this.compactChunks();
    this.resolveDone();
  }

  /**
   * Shrinks the finished turn's rows to one compressed row (storage/chunk-log.ts), after every
   * follower had its end. A failure keeps the rows as written, which resumes read just the same.
   */
  private compactChunks(): void {
    try {
      this.options.chunkLog.compact(this.stream.firstSeq, this.stream.durableThrough);
    } catch (error) {
      this.options.log("chunk_compaction_failed", { turn: this.seq, error: String(error) });
    }
  }

  private checkpoint(now: number): void {
    this.lastCheckpoint = now;
    try {
      this.options.recorder.saveMessage(this.assembler.message);
      this.checkpointFailed = false;
    } catch (error) {
      // A failed intermediate save never kills the stream: the final save at the end retries it.
      this.checkpointFailed = true;
      this.options.log("checkpoint_failed", { turn: this.seq, error: String(error) });
    }
  }

  private persistFinal(end: Parameters<TurnRecorder["endTurn"]>[0]): void {
    const message = this.assembler.message;
    for (let attempt = 1; ; attempt++) {
      try {
        this.options.recorder.endTurn(end, message);
        return;
      } catch (error) {
        this.options.log("final_save_failed", {
          turn: this.seq,
          attempt,
          hadCheckpointFailure: this.checkpointFailed,
          error: String(error),
        });
        // Give up without throwing: the caller still ends the stream (see end()).
        if (attempt >= 2) return;
      }
    }
  }
}
