import type { Tool, ToolContext } from "../../src/agent/tool";

export interface ProgressReport {
  name: string;
  data: unknown;
  id: string | undefined;
}

/** Calls a tool the way the loop does: input through its schema first, then `execute` with a real signal. */
export async function run(
  tool: Tool,
  input: unknown,
  options: { signal?: AbortSignal; onProgress?: (report: ProgressReport) => void } = {},
) {
  const reports: ProgressReport[] = [];
  const context: ToolContext = {
    signal: options.signal ?? new AbortController().signal,
    session: { id: "session-1" },
    toolCallId: "call-1",
    progress(name, data, id) {
      const report = { name, data, id };
      reports.push(report);
      options.onProgress?.(report);
    },
  };
  const output = await tool.execute(tool.inputSchema.parse(input), context);
  return { output, reports };
}
