import { z } from "zod";
import { defineTool } from "../tool";

/** seconds; the shortest wait worth a tool call */
const MIN_WAIT_SECONDS = 0.1;
/** seconds; ten minutes, well inside the timeout below */
const MAX_WAIT_SECONDS = 600;
/** progress reports per call; each one is a chunk sent to every follower */
const MAX_STEPS = 100;
/** ms: the longest wait plus ample slack for timer drift */
const WAIT_TIMEOUT_MS = 15 * 60_000;

const inputSchema = z.object({
  seconds: z
    .number()
    .min(MIN_WAIT_SECONDS)
    .max(MAX_WAIT_SECONDS)
    .describe(`How long to wait, in seconds (${MIN_WAIT_SECONDS} to ${MAX_WAIT_SECONDS}).`),
  steps: z
    .number()
    .int()
    .min(1)
    .max(MAX_STEPS)
    .optional()
    .describe(
      `Number of equal parts to split the wait into, with a progress report after each (1 to ${MAX_STEPS}). Defaults to one per second.`,
    ),
});

/**
 * A long-running job that reports progress: it stands in for real work that takes minutes, and exercises the turn's
 * heartbeats, progress parts and stop handling.
 *
 * BEHAVIOURS #15 (a repeated call with the same tool call id does not start the work twice) holds by construction:
 * the agent loop executes each tool call id once and stores its one outcome; replays and reconnecting followers
 * read the stored chunks and never reach `execute`. So this tool keeps no per-id state of its own.
 */
export const wait = defineTool({
  name: "wait",
  description:
    "Waits for the given number of seconds, reporting progress to the user after each step, then returns. " +
    "Use it only when the user asks to wait, pause or simulate a long-running job.",
  inputSchema,
  timeoutMs: WAIT_TIMEOUT_MS,
  async execute({ seconds, steps = Math.min(Math.ceil(seconds), MAX_STEPS) }, { signal, toolCallId, progress }) {
    const stepMs = (seconds * 1000) / steps;
    for (let step = 1; step <= steps; step += 1) {
      await sleep(stepMs, signal);
      // The same id every time, so the message holds one live progress part instead of one per step.
      progress("progress", { toolCallId, step, steps, label: "Waiting" }, toolCallId);
    }
    return { waitedSeconds: seconds, steps };
  },
});

/** Resolves after `ms`, or rejects with an `AbortError` the moment `signal` aborts (and frees the timer). */
function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    const aborted = () => new DOMException("The wait was stopped.", "AbortError");
    if (signal.aborted) {
      reject(aborted());
      return;
    }
    const onAbort = () => {
      clearTimeout(timer);
      reject(aborted());
    };
    const timer = setTimeout(() => {
      signal.removeEventListener("abort", onAbort);
      resolve();
    }, ms);
    signal.addEventListener("abort", onAbort, { once: true });
  });
}
