import { generateId, isToolUIPart, safeValidateUIMessages, type UIMessage } from "ai";
import { checkText, type IncomingFile, toUserMessage } from "./client-message";
import { type ClientTool, readClientTools } from "./client-tools";
import { fail, type Result } from "./error-code";
import { DEFAULT_FILE_LIMITS, type FileLimits } from "./file-parts";

/**
 * A tool part as the client's copy of the waiting assistant message has it. The server takes from it
 * only what the client may say (its decision on an approval, the output of a browser tool it ran);
 * the rest is compared with the log so that nothing the server produced can be changed.
 */
export interface ClientToolPart {
  toolCallId: string;
  toolName: string;
  state: string;
  input: unknown;
  approval?: { id: string; approved?: boolean | undefined; reason?: string | undefined } | undefined;
  output?: unknown;
  errorText?: string | undefined;
}

/** What a client may ask of a turn, once its request is parsed: the same for every transport. */
export type ChatInput =
  /**
   * A new user message (its files checked but not stored yet): a new turn answers it. `edit`: the
   * client replaced an earlier message of its own (`sendMessage({ text, messageId })` keeps the id),
   * which makes a new branch from that message's place.
   */
  | { action: "send"; message: UIMessage; files: IncomingFile[]; clientTools: ClientTool[]; edit: boolean; onBusy?: BusyPolicy | undefined }
  /** A new answer, as a sibling of `messageId`'s (or of the last answer when absent). */
  | { action: "regenerate"; messageId?: string | undefined; clientTools: ClientTool[] }
  /**
   * Answers to the waiting assistant message (the AI SDK sends its whole transcript with that message
   * last, after `addToolApprovalResponse` or `addToolOutput`): the same message continues.
   */
  | { action: "answer"; messageId: string; parts: ClientToolPart[] };

/**
 * The AI SDK's chat request as both transports carry it: the body `DefaultChatTransport` POSTs and the
 * `send` frame of `WebSocketChatTransport` have the same fields (`clientTools` comes from the
 * transport's `body` option: top level in the POST, `body.clientTools` in the frame).
 */
export interface TranscriptRequest {
  trigger: "submit-message" | "regenerate-message";
  messageId?: string | undefined;
  messages: readonly unknown[];
  clientTools?: unknown;
  /** What to do if a turn is running: refuse (409) or queue the message; absent: the deployment's BUSY_POLICY. */
  onBusy?: unknown;
}

export type BusyPolicy = "reject" | "queue";

/**
 * Turns a chat request into what the session is asked to do. The log, not the client's transcript,
 * is the truth: the transcript is checked as the AI SDK's own validator checks it (so HTTP and the
 * socket accept and refuse the same bodies), and only the new user message, or the answers in the
 * last assistant message, are taken from it.
 */
export async function readChatRequest(
  request: TranscriptRequest | { message: string },
  limits: FileLimits = DEFAULT_FILE_LIMITS,
): Promise<Result<{ input: ChatInput }>> {
  if ("message" in request) {
    const text = request.message;
    const invalid = checkText(text);
    if (invalid) return invalid;
    const message: UIMessage = { id: `msg_${generateId()}`, role: "user", parts: [{ type: "text", text }] };
    return { ok: true, input: { action: "send", message, files: [], clientTools: [], edit: false } };
  }
  const tools = readClientTools(request.clientTools);
  if (!tools.ok) return tools;
  if (request.onBusy !== undefined && request.onBusy !== "reject" && request.onBusy !== "queue") {
    return fail("invalid_request", 'onBusy is "reject" or "queue".');
  }
  const onBusy = request.onBusy as BusyPolicy | undefined;
  if (request.trigger === "regenerate-message") {
    return { ok: true, input: { action: "regenerate", messageId: request.messageId, clientTools: tools.tools } };
  }
  if (request.messages.length === 0) return fail("invalid_request", "messages must not be empty.");
  const lastRaw = request.messages.at(-1) as { role?: unknown } | undefined;
  // Our own rules on the new message first: they give the precise reason (and bound what the
  // validator below has to walk in its metadata).
  const last = lastRaw?.role === "assistant" ? undefined : toUserMessage(lastRaw, limits);
  if (last && !last.ok) return last;
  const transcript = await safeValidateUIMessages({ messages: request.messages as unknown[] });
  if (!transcript.success) return fail("invalid_request", "messages is not a valid AI SDK UIMessage transcript.");
  if (last) {
    const edit = request.messageId !== undefined && request.messageId === last.message.id;
    return { ok: true, input: { action: "send", message: last.message, files: last.files, clientTools: tools.tools, edit, onBusy } };
  }
  const answered = transcript.data.at(-1)!;
  return { ok: true, input: { action: "answer", messageId: answered.id, parts: toolPartsOf(answered) } };
}

function toolPartsOf(message: UIMessage): ClientToolPart[] {
  const parts: ClientToolPart[] = [];
  for (const part of message.parts) {
    if (!isToolUIPart(part)) continue;
    const p = part as unknown as ClientToolPart & { type: string };
    parts.push({
      toolCallId: p.toolCallId,
      toolName: p.type === "dynamic-tool" ? p.toolName : p.type.slice("tool-".length),
      state: p.state,
      input: p.input,
      ...(p.approval ? { approval: { id: p.approval.id, approved: p.approval.approved, reason: p.approval.reason } } : {}),
      ...(p.state === "output-available" ? { output: p.output } : {}),
      ...(p.state === "output-error" ? { errorText: p.errorText } : {}),
    });
  }
  return parts;
}
