import { describe, expect, it } from "vitest";
import { currentTime } from "../../src/agent/tools/current-time";
import { run } from "./support";

describe("current_time", () => {
  it.each([
    ["UTC", "+00:00"],
    ["Etc/GMT-14", "+14:00"],
    ["Etc/GMT+12", "-12:00"],
    ["Asia/Kolkata", "+05:30"],
    ["Asia/Kathmandu", "+05:45"],
  ])("reports %s with offset %s", async (timeZone, utcOffset) => {
    const { output } = await run(currentTime, { timeZone });
    const result = output as { iso: string; timeZone: string; local: string; utcOffset: string; unixMs: number };
    expect(result).toEqual({ iso: expect.any(String), timeZone, local: expect.any(String), utcOffset, unixMs: expect.any(Number) });
    expect(new Date(result.iso).getTime()).toBe(result.unixMs);
    expect(result.local).toMatch(/^(Monday|Tuesday|Wednesday|Thursday|Friday|Saturday|Sunday), /);
  });

  it("defaults to UTC, whose local time matches the ISO time", async () => {
    const { output } = await run(currentTime, {});
    const result = output as { iso: string; timeZone: string; local: string; utcOffset: string };
    expect(result.timeZone).toBe("UTC");
    expect(result.utcOffset).toBe("+00:00");
    const [hours, minutes] = result.iso.slice(11, 16).split(":");
    expect(result.local).toContain(`${hours}:${minutes}`);
  });

  it("gives a daylight-saving zone one of its two offsets, and its canonical name for any casing", async () => {
    const { output } = await run(currentTime, { timeZone: "europe/berlin" });
    const { utcOffset, timeZone } = output as { utcOffset: string; timeZone: string };
    expect(["+01:00", "+02:00"]).toContain(utcOffset);
    expect(timeZone).toBe("Europe/Berlin");
  });

  it.each(["Mars/Olympus_Mons", "Not a zone", "+02:00x"])("refuses the unknown zone %j with a helpful message", async (timeZone) => {
    await expect(run(currentTime, { timeZone })).rejects.toThrow(/Unknown time zone .* IANA name/);
  });
});
