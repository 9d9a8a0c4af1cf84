import type { DynamicToolUIPart, ToolUIPart } from "ai";
import type { ReactNode } from "react";
import type { Progress } from "./chat-message";
import { ProgressBar } from "./progress-bar";

/** characters of a tool's input or result shown; the rest is cut (a fetched page can be long) */
const MAX_SHOWN_CHARS = 4_000;
/** characters up to which JSON stays on one line: `{"expression":"6*7"}` reads better than five lines */
const ONE_LINE_CHARS = 72;
/** characters of the result shown on the collapsed line */
const SUMMARY_CHARS = 60;

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
  /**
   * Shown below the line whether or not the call is expanded: for controls the user must see without
   * opening it (Approve / Deny, a browser tool's button).
   */
  children?: ReactNode;
}

/**
 * A tool call as one line (name, status, a short result) that expands to its input and output, so
 * several calls do not push the answer off the screen. Progress stays visible while it runs.
 */
export function ToolCallView({ part, name, progress, children }: ToolCallViewProps) {
  const running = part.state === "input-streaming" || part.state === "input-available";
  // A decision shows at once in the tab that made it (before the continuation streams the outcome).
  const status =
    part.state === "approval-responded" && part.approval.approved === false ? "Denied" : (STATE_LABELS[part.state] ?? part.state);
  return (
    <div className={`tool tool-${part.state}`} data-testid="tool-call" data-tool={name} data-state={part.state}>
      <details className="tool-details">
        <summary className="tool-head" aria-label={`${name}: ${status}`}>
          <span className="tool-dot" aria-hidden="true" />
          <code className="tool-name">{name}</code>
          <span className="tool-summary" data-testid="tool-summary">
            {summaryOf(part)}
          </span>
          <span className={`tool-status${running ? " shimmer" : ""}`}>{status}</span>
          <span className="tool-chevron" aria-hidden="true" />
        </summary>
        {part.input !== undefined && <Section label="Input" value={part.input} testId="tool-input" />}
        {part.state === "output-available" && <Section label="Result" value={part.output} testId="tool-output" />}
        {part.state === "output-denied" && part.approval.reason && (
          <Section label="Reason" value={part.approval.reason} testId="tool-denied-reason" />
        )}
        {part.state === "output-error" && (
          <div className="tool-section">
            <div className="tool-label">Error</div>
            <pre className="tool-pre tool-error" data-testid="tool-error">
              {part.errorText}
            </pre>
          </div>
        )}
      </details>
      {running && progress && <ProgressBar progress={progress} />}
      {children}
    </div>
  );
}

/** The collapsed line's hint: the result (or error) in short, else the input. */
function summaryOf(part: ToolUIPart | DynamicToolUIPart): string {
  const value = part.state === "output-available" ? part.output : part.state === "output-error" ? part.errorText : part.input;
  if (value === undefined) return "";
  const text = typeof value === "string" ? value : (JSON.stringify(value) ?? "");
  const line = text.replace(/\s+/g, " ");
  return line.length > SUMMARY_CHARS ? `${line.slice(0, SUMMARY_CHARS)}…` : line;
}

function Section({ label, value, testId }: { label: string; value: unknown; testId: string }) {
  return (
    <div className="tool-section">
      <div className="tool-label">{label}</div>
      <pre className="tool-pre" data-testid={testId}>
        {shownValue(value)}
      </pre>
    </div>
  );
}

/** A tool's input or output as text: short JSON on one line, longer JSON indented, cut at MAX_SHOWN_CHARS. */
export function shownValue(value: unknown): string {
  const text = typeof value === "string" ? value : toJson(value);
  return text.length > MAX_SHOWN_CHARS ? `${text.slice(0, MAX_SHOWN_CHARS)}\n… (${text.length - MAX_SHOWN_CHARS} more characters)` : text;
}

function toJson(value: unknown): string {
  const compact = JSON.stringify(value) ?? String(value);
  return compact.length <= ONE_LINE_CHARS ? compact : (JSON.stringify(value, null, 2) ?? compact);
}
