import { describe, expect, it } from "vitest";
import { wait } from "../../src/agent/tools/wait";
import { type ProgressReport, run } from "./support";

describe("wait", () => {
  it("waits in equal steps, reporting each under the tool call id so the UI keeps one live part", async () => {
    const { output, reports } = await run(wait, { seconds: 0.1, steps: 3 });
    expect(output).toEqual({ waitedSeconds: 0.1, steps: 3 });
    expect(reports).toEqual(
      [1, 2, 3].map((step) => ({ name: "progress", data: { toolCallId: "call-1", step, steps: 3, label: "Waiting" }, id: "call-1" })),
    );
  });

  it("defaults to one step per second, rounded up", async () => {
    const { output, reports } = await run(wait, { seconds: 0.1 });
    expect(output).toEqual({ waitedSeconds: 0.1, steps: 1 });
    expect(reports).toHaveLength(1);
  });

  it("rejects with an AbortError when stopped mid-wait, without finishing the remaining steps", async () => {
    const controller = new AbortController();
    const steps = 5;
    const seen: ProgressReport[] = [];
    const running = run(
      wait,
      { seconds: 0.5, steps },
      {
        signal: controller.signal,
        onProgress: (report) => {
          seen.push(report);
          // After this report returns, `execute` starts the next sleep and awaits it; the microtask aborts that sleep.
          if (seen.length === 1) queueMicrotask(() => controller.abort());
        },
      },
    );
    await expect(running).rejects.toMatchObject({ name: "AbortError" });
    expect(seen.length).toBeGreaterThan(0);
    expect(seen.length).toBeLessThan(steps);
  });

  it("rejects at once when the signal is already aborted", async () => {
    const controller = new AbortController();
    controller.abort();
    const seen: ProgressReport[] = [];
    await expect(
      run(wait, { seconds: 600, steps: 100 }, { signal: controller.signal, onProgress: (r) => seen.push(r) }),
    ).rejects.toMatchObject({
      name: "AbortError",
    });
    expect(seen).toEqual([]);
  });

  it.each([
    { seconds: 0 },
    { seconds: 0.05 },
    { seconds: 601 },
    { seconds: 1, steps: 0 },
    { seconds: 1, steps: 101 },
    { seconds: 1, steps: 1.5 },
    {},
  ])("refuses %j at the schema", (input) => {
    expect(wait.inputSchema.safeParse(input).success).toBe(false);
  });
});
