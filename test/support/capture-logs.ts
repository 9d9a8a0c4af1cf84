import { onTestFinished, vi } from "vitest";

/** One structured log line of the Worker: `console.log(JSON.stringify({ event, ... }))`. */
export interface LogEvent {
  event: string;
  [key: string]: unknown;
}

/**
 * Takes the Worker's log events that the current test provokes on purpose (a failing upstream, a
 * crash) off the console, for the test to assert on: they are then not printed as if something had
 * gone wrong. Every other line still prints, so an unexpected error shows in a green run. The
 * Worker and its Durable Objects run in the test's isolate, so their `console` is the one spied on
 * here. Ends with the test.
 */
export function captureLogs(expected: readonly string[]) {
  // A second spy would wrap the first, and print through itself.
  if (vi.isMockFunction(console.log)) throw new Error("captureLogs: call it once per test");
  const events: LogEvent[] = [];
  for (const method of ["log", "warn", "error"] as const) {
    const print = console[method];
    const spy = vi.spyOn(console, method).mockImplementation((...args: unknown[]) => {
      const line = args.map(String).join(" ");
      const event = parseEvent(line);
      if (event && expected.includes(event.event)) events.push(event);
      else print.apply(console, args);
    });
    onTestFinished(() => spy.mockRestore());
  }
  return {
    /** the captured events, in order; only those of session `session` if given */
    events: (session?: string) => (session === undefined ? [...events] : events.filter((e) => e.session === session)),
  };
}

function parseEvent(line: string): LogEvent | undefined {
  if (!line.startsWith('{"event":')) return undefined;
  try {
    return JSON.parse(line) as LogEvent;
  } catch {
    return undefined; // not one of the Worker's event lines after all: printed as it is
  }
}
