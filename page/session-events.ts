import { z } from "zod";
import { type SessionSummary, sessionSummarySchema } from "./api-client";
import { authHeaders, reportUnauthorized } from "./auth-token";

/**
 * The user's session events (`GET /api/session-events`, Server-Sent Events): a session created,
 * renamed, active, or deleted, pushed by the server. The sidebar and an open chat follow these instead
 * of polling. Read with fetch, not EventSource, which cannot send the Authorization header.
 */
export type SessionEvent = { type: "upsert"; session: SessionSummary } | { type: "remove"; id: string } | { type: "connected" };

const eventSchema = z.discriminatedUnion("type", [
  z.object({ type: z.literal("upsert"), session: sessionSummarySchema }),
  z.object({ type: z.literal("remove"), id: z.string() }),
]);

/** ms before the first reconnect; doubled up to the maximum after each failure */
const RECONNECT_MIN_MS = 1_000;
const RECONNECT_MAX_MS = 30_000;

type Listener = (event: SessionEvent) => void;
const listeners = new Set<Listener>();
let connection: AbortController | undefined;

/**
 * Listens to the events; the first listener opens the stream. `connected` is sent on every
 * (re)connect: events missed while away are not replayed, so listeners reload what they show.
 */
export function onSessionEvent(listener: Listener): () => void {
  listeners.add(listener);
  if (!connection) connect();
  return () => {
    listeners.delete(listener);
    if (listeners.size === 0) {
      connection?.abort();
      connection = undefined;
    }
  };
}

/** Connects again with the current token (after one was pasted or cleared). */
export function reconnectSessionEvents(): void {
  connection?.abort();
  connection = undefined;
  if (listeners.size > 0) connect();
}

function emit(event: SessionEvent): void {
  for (const listener of listeners) listener(event);
}

function connect(): void {
  const own = new AbortController();
  connection = own;
  let delay = RECONNECT_MIN_MS;
  const run = async () => {
    while (!own.signal.aborted) {
      try {
        const response = await fetch("/api/session-events", { headers: authHeaders(), signal: own.signal });
        if (response.status === 401) {
          // Wait for a token: pasting one calls reconnectSessionEvents().
          reportUnauthorized();
          return;
        }
        if (!response.ok || !response.body) throw new Error(`session events answered ${response.status}`);
        delay = RECONNECT_MIN_MS;
        emit({ type: "connected" });
        await readEvents(response.body, own.signal);
      } catch {
        // Network loss, a deploy, or our own abort: retry unless aborted.
      }
      if (own.signal.aborted) return;
      await new Promise((resolve) => setTimeout(resolve, delay));
      delay = Math.min(delay * 2, RECONNECT_MAX_MS);
    }
  };
  void run();
}

async function readEvents(body: ReadableStream<Uint8Array>, signal: AbortSignal): Promise<void> {
  const reader = body.getReader();
  const decoder = new TextDecoder();
  signal.addEventListener("abort", () => void reader.cancel().catch(() => {}), { once: true });
  let buffer = "";
  for (;;) {
    const { done, value } = await reader.read();
    if (done) return;
    buffer += decoder.decode(value, { stream: true });
    for (let end = buffer.indexOf("\n\n"); end >= 0; end = buffer.indexOf("\n\n")) {
      const frame = buffer.slice(0, end);
      buffer = buffer.slice(end + 2);
      const data = frame
        .split("\n")
        .filter((line) => line.startsWith("data:"))
        .map((line) => line.slice(5).trimStart())
        .join("\n");
      if (!data) continue;
      try {
        const parsed = eventSchema.safeParse(JSON.parse(data));
        if (parsed.success) emit(parsed.data);
      } catch {
        // Not JSON: an event this page does not know; skip it.
      }
    }
  }
}
