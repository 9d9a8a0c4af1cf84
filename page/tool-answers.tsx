import { type DynamicToolUIPart, getToolName, isToolUIPart, type ToolUIPart } from "ai";
import { createContext, type FormEvent, useContext, useId, useState } from "react";
import type { ChatMessage } from "./chat-message";
import { clientTool } from "./client-tools";
import { shownValue } from "./tool-call-view";

/**
 * How a tool part answers the questions a waiting turn asks (issue 12): a person's decision on an
 * approval, or the output of a tool that runs in this browser. Given by the chat panel through
 * context, so the memoised messages between it and the tool parts need no new props.
 */
export interface ToolAnswers {
  /** Nothing may be answered while a response streams (the question may be one already answered in a replay). */
  idle: boolean;
  decide: (approvalId: string, approved: boolean, reason?: string) => void;
  runClientTool: (toolCallId: string, toolName: string, input: unknown) => void;
}

export const ToolAnswersContext = createContext<ToolAnswers | null>(null);

type ToolPart = ToolUIPart | DynamicToolUIPart;

/** Whether an answer waits for the user: an approval to decide, or a browser tool to run. */
export function asksQuestion(message: ChatMessage): boolean {
  return message.parts.some(
    (part) =>
      isToolUIPart(part) &&
      (part.state === "approval-requested" || (part.state === "input-available" && clientTool(getToolName(part)) !== undefined)),
  );
}

/** What a waiting tool call asks of the user, shown under its line; nothing for any other call. */
export function ToolQuestion({ part, name }: { part: ToolPart; name: string }) {
  const answers = useContext(ToolAnswersContext);
  if (!answers) return null;
  if (part.state === "approval-requested") return <ApprovalQuestion part={part} name={name} answers={answers} />;
  const tool = part.state === "input-available" ? clientTool(name) : undefined;
  // Live, `onToolCall` answers at once; a call still pending when the turn is over (it was asked
  // before a reload, or in another tab that closed) waits for a click.
  if (!tool || !answers.idle) return null;
  return (
    <div className="tool-question" data-testid="client-tool-question">
      <p className="tool-question-text">The assistant asks this browser for something.</p>
      <div className="tool-question-actions">
        <button
          type="button"
          className="button button-primary"
          data-testid="client-tool-run"
          onClick={() => answers.runClientTool(part.toolCallId, name, part.input)}
        >
          {tool.label}
        </button>
      </div>
    </div>
  );
}

function ApprovalQuestion({
  part,
  name,
  answers,
}: {
  part: ToolPart & { state: "approval-requested" };
  name: string;
  answers: ToolAnswers;
}) {
  const [denying, setDenying] = useState(false);
  const [reason, setReason] = useState("");
  const reasonId = useId();
  const approvalId = part.approval.id;
  const deny = (event: FormEvent) => {
    event.preventDefault();
    answers.decide(approvalId, false, reason.trim() || undefined);
  };
  return (
    <fieldset className="tool-question" data-testid="tool-approval" aria-label={`Approve ${name}?`}>
      <p className="tool-question-text">
        Allow <code>{name}</code> to run with this input?
      </p>
      <pre className="tool-pre" data-testid="approval-input">
        {shownValue(part.input)}
      </pre>
      {denying ? (
        <form className="tool-question-actions" onSubmit={deny}>
          <label className="sr-only" htmlFor={reasonId}>
            Reason for denying (optional)
          </label>
          <input
            id={reasonId}
            className="tool-reason"
            data-testid="deny-reason"
            placeholder="Reason (optional)"
            maxLength={500}
            value={reason}
            onChange={(event) => setReason(event.target.value)}
            // biome-ignore lint/a11y/noAutofocus: the user just asked to type a reason
            autoFocus
          />
          <button type="submit" className="button button-danger" data-testid="deny-confirm" disabled={!answers.idle}>
            Deny
          </button>
          <button type="button" className="button button-quiet" onClick={() => setDenying(false)}>
            Back
          </button>
        </form>
      ) : (
        <div className="tool-question-actions">
          <button
            type="button"
            className="button button-primary"
            data-testid="approve"
            disabled={!answers.idle}
            onClick={() => answers.decide(approvalId, true)}
          >
            Approve
          </button>
          <button type="button" className="button" data-testid="deny" disabled={!answers.idle} onClick={() => setDenying(true)}>
            Deny…
          </button>
        </div>
      )}
    </fieldset>
  );
}
