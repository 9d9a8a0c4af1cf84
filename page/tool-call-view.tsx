import type { DynamicToolUIPart, ToolUIPart } from "ai";
import type { Progress } from "./chat-message";
import { ProgressBar } from "./progress-bar";

/** characters of a tool's input or result shown; the rest is cut (a fetched page can be long) */
const MAX_SHOWN_CHARS = 4_000;
/** characters up to which JSON stays on one line: `{"expression":"6*7"}` reads better than five lines */
const ONE_LINE_CHARS = 72;

const STATE_LABELS: Record<string, string> = {
  "input-streaming": "Preparing…",
  "input-available": "Running…",
  "output-available": "Done",
  "output-error": "Failed",
  "output-denied": "Denied",
  "approval-requested": "Awaiting approval",
  "approval-responded": "Approved",
};

interface ToolCallViewProps {
  part: ToolUIPart | DynamicToolUIPart;
  name: string;
  progress: Progress | undefined;
}

/** A tool call: its name and state, the input, then the result or the error. */
export function ToolCallView({ part, name, progress }: ToolCallViewProps) {
  const running = part.state === "input-streaming" || part.state === "input-available";
  return (
    <div className={`tool tool-${part.state}`} data-testid="tool-call" data-tool={name} data-state={part.state}>
      <div className="tool-head">
        <span className="tool-dot" aria-hidden="true" />
        <code className="tool-name">{name}</code>
        <span className={`tool-status${running ? " shimmer" : ""}`}>{STATE_LABELS[part.state] ?? part.state}</span>
      </div>
      {running && progress && <ProgressBar progress={progress} />}
      {part.input !== undefined && <Section label="Input" value={part.input} testId="tool-input" />}
      {part.state === "output-available" && <Section label="Result" value={part.output} testId="tool-output" />}
      {part.state === "output-error" && (
        <div className="tool-section">
          <div className="tool-label">Error</div>
          <pre className="tool-pre tool-error" data-testid="tool-error">
            {part.errorText}
          </pre>
        </div>
      )}
    </div>
  );
}

function Section({ label, value, testId }: { label: string; value: unknown; testId: string }) {
  return (
    <div className="tool-section">
      <div className="tool-label">{label}</div>
      <pre className="tool-pre" data-testid={testId}>
        {show(value)}
      </pre>
    </div>
  );
}

function show(value: unknown): string {
  const text = typeof value === "string" ? value : toJson(value);
  return text.length > MAX_SHOWN_CHARS ? `${text.slice(0, MAX_SHOWN_CHARS)}\n… (${text.length - MAX_SHOWN_CHARS} more characters)` : text;
}

function toJson(value: unknown): string {
  const compact = JSON.stringify(value) ?? String(value);
  return compact.length <= ONE_LINE_CHARS ? compact : (JSON.stringify(value, null, 2) ?? compact);
}
