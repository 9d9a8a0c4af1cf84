import { z } from "zod";
import { defineTool } from "../tool";

/** ms: formatting a date never waits on anything, so anything slower is a bug */
const CURRENT_TIME_TIMEOUT_MS = 2_000;
/** characters; the longest IANA zone names are about 30 */
const MAX_TIME_ZONE_CHARS = 64;
const MS_PER_MINUTE = 60_000;

const inputSchema = z.object({
  timeZone: z
    .string()
    .min(1)
    .max(MAX_TIME_ZONE_CHARS)
    .optional()
    .describe('IANA time zone name, e.g. "Europe/Berlin", "America/New_York" or "Asia/Tokyo". Defaults to "UTC".'),
});

export const currentTime = defineTool({
  name: "current_time",
  description:
    "Returns the current date and time: ISO 8601 in UTC, the local wall-clock time with weekday in the requested IANA time zone, " +
    "that zone's UTC offset at this moment, and Unix milliseconds. Use it whenever the answer depends on today's date or the time.",
  inputSchema,
  timeoutMs: CURRENT_TIME_TIMEOUT_MS,
  async execute({ timeZone = "UTC" }) {
    const now = new Date();
    const local = zoneFormat(timeZone, {
      weekday: "long",
      year: "numeric",
      month: "long",
      day: "numeric",
      hour: "2-digit",
      minute: "2-digit",
      second: "2-digit",
      hourCycle: "h23",
      timeZoneName: "short",
    });
    return {
      iso: now.toISOString(),
      timeZone: displayName(timeZone, local.resolvedOptions().timeZone),
      local: local.format(now),
      utcOffset: formatOffset(offsetMinutes(timeZone, now)),
      unixMs: now.getTime(),
    };
  },
});

/** Intl throws a bare RangeError for unknown zones; say what a valid one looks like instead. */
function zoneFormat(timeZone: string, options: Intl.DateTimeFormatOptions): Intl.DateTimeFormat {
  try {
    return new Intl.DateTimeFormat("en-US", { ...options, timeZone });
  } catch (error) {
    if (error instanceof RangeError) {
      throw new Error(`Unknown time zone "${timeZone}". Use an IANA name such as "UTC", "Europe/London" or "America/Los_Angeles".`);
    }
    throw error;
  }
}

/**
 * The zone's offset from UTC at `at`, in minutes: the zone's wall-clock fields read back as if they were UTC, minus
 * the real instant. Computed from the fields rather than parsed from `timeZoneName` text, whose format varies by
 * engine and locale data.
 */
function offsetMinutes(timeZone: string, at: Date): number {
  const parts = zoneFormat(timeZone, {
    year: "numeric",
    month: "numeric",
    day: "numeric",
    hour: "numeric",
    minute: "numeric",
    second: "numeric",
    hourCycle: "h23",
  }).formatToParts(at);
  const field = (type: Intl.DateTimeFormatPartTypes) => Number(parts.find((part) => part.type === type)?.value ?? Number.NaN);
  const wallClockAsUtc = Date.UTC(field("year"), field("month") - 1, field("day"), field("hour"), field("minute"), field("second"));
  const instant = Math.floor(at.getTime() / 1000) * 1000; // the fields have no milliseconds
  return Math.round((wallClockAsUtc - instant) / MS_PER_MINUTE);
}

/**
 * The requested name in its canonical case ("europe/berlin" -> "Europe/Berlin"). Not the resolved name itself: ICU
 * resolves current names to legacy aliases ("Asia/Kolkata" -> "Asia/Calcutta"), which would only confuse the model.
 */
function displayName(requested: string, resolved: string): string {
  return resolved.toLowerCase() === requested.toLowerCase() ? resolved : requested;
}

function formatOffset(minutes: number): string {
  const sign = minutes < 0 ? "-" : "+";
  const abs = Math.abs(minutes);
  return `${sign}${String(Math.floor(abs / 60)).padStart(2, "0")}:${String(abs % 60).padStart(2, "0")}`;
}
