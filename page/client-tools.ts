/**
 * Tools that run in this browser (issue 12): declared to the server with every request (the
 * transport's `body.clientTools`), called by Claude like any tool, answered here with `addToolOutput`.
 * The declaration is stored with the turn, so an answer after a reload continues with the same set.
 */

/** What the server needs to offer a tool to Claude: its name, what it is for, its input as JSON Schema. */
export interface ClientToolDeclaration {
  name: string;
  description: string;
  inputSchema: { type: "object"; properties: Record<string, unknown> };
}

interface ClientTool extends ClientToolDeclaration {
  /** A short label for the button that runs it by hand (a call found in history, after a reload). */
  label: string;
  run: (input: unknown) => unknown;
}

const TOOLS: readonly ClientTool[] = [
  {
    name: "browser_time_zone",
    description: "The IANA time zone of the user's browser (e.g. Europe/Paris), to give local times.",
    inputSchema: { type: "object", properties: {} },
    label: "Share my time zone",
    run: () => Intl.DateTimeFormat().resolvedOptions().timeZone,
  },
];

export const CLIENT_TOOLS: readonly ClientToolDeclaration[] = TOOLS.map(({ name, description, inputSchema }) => ({
  name,
  description,
  inputSchema,
}));

export function clientTool(name: string): ClientTool | undefined {
  return TOOLS.find((tool) => tool.name === name);
}
