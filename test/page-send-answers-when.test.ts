import type { UIMessage } from "ai";
import { describe, expect, it } from "vitest";
import type { ChatMessage } from "../page/chat-message";
import { sendAnswersWhen } from "../page/send-answers-when";

/** The chat page's `sendAutomaticallyWhen`: when a waiting answer goes back to the server on its own. */
const user: UIMessage = { id: "u", role: "user", parts: [{ type: "text", text: "hi" }] };
const answer = (...parts: unknown[]) => [user, { id: "a", role: "assistant", parts: [{ type: "step-start" }, ...parts] }] as ChatMessage[];
const approval = (state: string, approved?: boolean) => ({
  type: "tool-fetch_url",
  toolCallId: "t1",
  state,
  input: { url: "https://example.com/" },
  approval: { id: "ap1", ...(approved === undefined ? {} : { approved }) },
});
const timeZone = (state: string) => ({
  type: "tool-browser_time_zone",
  toolCallId: "t2",
  state,
  input: {},
  ...(state === "output-available" ? { output: "Europe/Paris" } : {}),
});
const calculator = { type: "tool-calculator", toolCallId: "t3", state: "output-available", input: { expression: "1+1" }, output: 2 };

describe("sendAnswersWhen", () => {
  it.each([
    ["an approval still waiting", answer(approval("approval-requested")), false],
    ["an approval decided", answer(approval("approval-responded", true)), true],
    ["a denial decided", answer(approval("approval-responded", false)), true],
    ["a browser tool not run yet", answer(timeZone("input-available")), false],
    ["a browser tool answered", answer(timeZone("output-available")), true],
    [
      "a browser tool answered, another approval still waiting",
      answer(timeZone("output-available"), approval("approval-requested")),
      false,
    ],
    // A turn cut at its step limit ends with finished server tools: sending it would only be refused.
    ["only server tools, all finished", answer(calculator), false],
    ["a user message last", [user] as ChatMessage[], false],
  ])("%s", (_name, messages, expected) => {
    expect(sendAnswersWhen({ messages })).toBe(expected);
  });
});
