import { isToolUIPart, type UIMessage, type UIMessageChunk, validateUIMessages } from "ai";
import { expect } from "vitest";
import { getSession } from "./api";
import { assembleChunks } from "./sse";

/**
 * What every turn must satisfy, whatever happened in it: the AI SDK's readUIMessageStream accepts the
 * stream and assembles a message whose tool parts are all final, validateUIMessages accepts the
 * history, the stored message equals the assembled one, and each tool call got exactly one outcome.
 */
export async function expectConsistentTurn(sessionId: string, chunks: readonly UIMessageChunk[], user = "alice"): Promise<UIMessage> {
  expect(chunks[0]?.type).toBe("start");
  expect(chunks.at(-1)?.type).toBe("finish");
  expect(chunks.filter((c) => c.type === "finish")).toHaveLength(1);
  const assembled = await assembleChunks(chunks);
  expect(assembled).toBeDefined();
  for (const part of assembled!.parts) {
    if (isToolUIPart(part)) expect(["output-available", "output-error"]).toContain(part.state);
  }
  const outcomes = new Map<string, number>();
  for (const chunk of chunks) {
    if (chunk.type === "tool-output-available" || chunk.type === "tool-output-error" || chunk.type === "tool-input-error") {
      outcomes.set(chunk.toolCallId, (outcomes.get(chunk.toolCallId) ?? 0) + 1);
    }
  }
  for (const chunk of chunks) {
    if (chunk.type === "tool-input-start") expect(outcomes.get(chunk.toolCallId), `outcomes of ${chunk.toolCallId}`).toBe(1);
  }
  const { body } = await getSession(sessionId, user);
  expect(body.activeStream).toBeNull();
  const stored = body.messages.at(-1);
  expect(stored).toEqual(assembled);
  await expect(validateUIMessages({ messages: body.messages })).resolves.toBeDefined();
  return assembled!;
}

export function textOf(message: UIMessage): string {
  return message.parts.map((p) => (p.type === "text" ? p.text : "")).join("");
}

export function toolParts(message: UIMessage) {
  return message.parts.filter(isToolUIPart);
}
