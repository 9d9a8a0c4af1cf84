import { useChat } from "@ai-sdk/react";
import { APICallError, type FileUIPart } from "ai";
import { useCallback, useEffect, useMemo, useRef, useState } from "react";
import { ApiError, getSessionView, type SessionView, stopTurn, switchBranch } from "./api-client";
import { type Attachment, toFileParts } from "./attachments";
import { reportUnauthorized } from "./auth-token";
import { describeChatError } from "./chat-error";
import { type ChatMessage, outcomeOf, progressSchema } from "./chat-message";
import { chatTransport } from "./chat-transport";
import { clientTool } from "./client-tools";
import { Composer } from "./composer";
import { LiveAnnouncer } from "./live-announcer";
import { MessageList } from "./message-list";
import { sendAnswersWhen } from "./send-answers-when";
import { type ToolAnswers, ToolAnswersContext } from "./tool-answers";
import { useAttachments } from "./use-attachments";
import { markSessionUsed } from "./use-route";
import { HISTORY_LIMIT, useSessionSync } from "./use-session-sync";

interface ChatPanelProps {
  sessionId: string;
  /** History loaded before mounting: the Chat is created once, with these messages. */
  initial: SessionView | null;
}

/** One session's conversation, on the AI SDK's stock `useChat`. Mounted once per session id. */
export function ChatPanel({ sessionId, initial }: ChatPanelProps) {
  // `onToolCall` is read once, when the Chat is made: it reaches `addToolOutput` through this ref.
  const answerClientTool = useRef<(toolCallId: string, toolName: string, input: unknown) => void>(() => {});
  const chat = useChat<ChatMessage>({
    id: sessionId,
    messages: initial?.messages ?? [],
    transport: chatTransport,
    dataPartSchemas: { progress: progressSchema },
    // Stock resume: on mount, GET /api/chat/:id/stream picks a running answer up from its start
    // (204 when none). A session that does not exist yet has nothing to resume (and would be a 404).
    resume: initial !== null,
    // One render per 50 ms at most, however fast tokens arrive.
    throttle: 50,
    // Answers to a waiting turn (approvals, browser tools) go back as soon as all of them are given.
    sendAutomaticallyWhen: sendAnswersWhen,
    onToolCall: ({ toolCall }) => {
      // Every tab that follows the turn runs it; the server takes the first answer (see `answerRefused`).
      const tool = toolCall.dynamic ? undefined : clientTool(toolCall.toolName);
      if (tool) answerClientTool.current(toolCall.toolCallId, tool.name, toolCall.input);
    },
  });
  const {
    status,
    messages,
    error,
    sendMessage,
    regenerate,
    stop,
    setMessages,
    resumeStream,
    clearError,
    addToolApprovalResponse,
    addToolOutput,
  } = chat;
  const sync = useSessionSync(sessionId, { status, messages, setMessages, resumeStream }, initial);
  const [stopping, setStopping] = useState(false);
  const [draft, setDraft] = useState("");
  const attachments = useAttachments();
  const [preparing, setPreparing] = useState(false);
  const input = useRef<HTMLTextAreaElement>(null);
  // Turns (by their user message id) this tab stopped: "Stopped" shows at once, before the stored outcome arrives.
  const [stoppedTurns, setStoppedTurns] = useState<ReadonlySet<string>>(new Set());
  // The last send or edit, until the server has taken it: a refused send goes back into the composer,
  // a refused edit back into its editor.
  const sent = useRef<
    | { kind: "send"; text: string; files: readonly Attachment[]; messageCount: number }
    | { kind: "edit"; messageId: string; text: string; before: ChatMessage[] }
    | null
  >(null);
  // The current error refused a send or an edit (the banner says so, not that an answer broke).
  const [notSent, setNotSent] = useState<"send" | "edit" | null>(null);
  // The user message being edited in place, with the editor's text.
  const [editing, setEditing] = useState<{ id: string; text: string } | null>(null);
  const [switching, setSwitching] = useState(false);
  // Why the last branch switch was refused (a turn runs, tool calls wait), until dismissed or switched.
  const [switchError, setSwitchError] = useState<string | null>(null);

  const busy = status === "submitted" || status === "streaming";
  const failure = useMemo(() => (error ? describeChatError(error) : null), [error]);
  const lastUserId = messages.findLast((m) => m.role === "user")?.id;

  useEffect(() => {
    if (failure?.status === 401) reportUnauthorized();
  }, [failure]);

  answerClientTool.current = (toolCallId, toolName, input) => {
    const tool = clientTool(toolName);
    if (!tool) return;
    sync.claim();
    try {
      void addToolOutput({ tool: toolName, toolCallId, output: tool.run(input) });
    } catch (thrown) {
      void addToolOutput({ tool: toolName, toolCallId, state: "output-error", errorText: String(thrown) });
    }
  };

  const toolAnswers = useMemo<ToolAnswers>(
    () => ({
      idle: !busy,
      decide: (approvalId, approved, reason) => {
        sync.claim();
        if (error) clearError();
        void addToolApprovalResponse({ id: approvalId, approved, ...(reason ? { reason } : {}) });
      },
      runClientTool: (toolCallId, toolName, input) => answerClientTool.current(toolCallId, toolName, input),
    }),
    [busy, sync, error, clearError, addToolApprovalResponse],
  );

  useEffect(() => {
    // An answer another tab gave first (`already_answered`), or sent while its continuation already
    // runs (`stream_already_active`): nothing is wrong, this tab is just behind. Take the server's
    // history and follow the continuation instead of showing an error.
    if (!error || messages.at(-1)?.role !== "assistant" || !answerRefused(error)) return;
    clearError();
    void sync.syncNow();
  }, [error, messages, clearError, sync]);

  useEffect(() => {
    // The server answered: once an answer exists, the send was taken.
    if (messages.at(-1)?.role === "assistant") sent.current = null;
  }, [messages]);

  useEffect(() => {
    // A refused send (an HTTP error before any answer, or no connection at all) never reached the log:
    // take the message back out of the conversation and put its text back in the composer.
    const refused = sent.current;
    if (!error || !refused || !(APICallError.isInstance(error) || error instanceof TypeError)) return;
    sent.current = null;
    setNotSent(refused.kind);
    if (refused.kind === "edit") {
      // The stock client already cut its transcript after the edited message: show the conversation
      // as it was (nothing changed on the server), and the edit back in its editor to try again.
      setMessages(refused.before);
      setEditing({ id: refused.messageId, text: refused.text });
      return;
    }
    if (messages.length === refused.messageCount + 1 && messages.at(-1)?.role === "user") setMessages(messages.slice(0, -1));
    setDraft((current) => (current === "" ? refused.text : current));
    if (refused.files.length > 0) attachments.restore(refused.files);
  }, [error, messages, setMessages, attachments]);

  const send = useCallback(
    async (text: string) => {
      sync.claim();
      if (error) clearError();
      setNotSent(null);
      setSwitchError(null);
      const files = attachments.list;
      let fileParts: FileUIPart[] = [];
      if (files.length > 0) {
        // Read (and, when large, upload) before anything leaves the composer: a refused file keeps the draft.
        setPreparing(true);
        try {
          fileParts = await toFileParts(sessionId, files);
        } catch (failure) {
          attachments.setError(failure instanceof ApiError ? failure.message : "The files could not be read.");
          return;
        } finally {
          setPreparing(false);
        }
      }
      sent.current = { kind: "send", text, files, messageCount: messages.length };
      markSessionUsed(sessionId);
      setDraft("");
      attachments.take();
      void sendMessage(fileParts.length === 0 ? { text } : text ? { text, files: fileParts } : { files: fileParts });
    },
    [sync, error, clearError, sendMessage, messages.length, sessionId, attachments],
  );

  const redo = useCallback(
    (messageId: string) => {
      sync.claim();
      if (error) clearError();
      setSwitchError(null);
      setEditing(null);
      // The server keeps the answer on its own branch and writes a sibling of it.
      void regenerate({ messageId });
    },
    [sync, error, clearError, regenerate],
  );

  const saveEdit = useCallback(
    (messageId: string, text: string) => {
      const edited = messages.find((m) => m.id === messageId);
      if (!edited) return;
      sync.claim();
      if (error) clearError();
      setNotSent(null);
      setSwitchError(null);
      setEditing(null);
      sent.current = { kind: "edit", messageId, text, before: messages };
      // The files of the message stay with its new version; only the text was edited.
      const files = edited.parts.filter((part) => part.type === "file");
      // The stock edit: the client cuts its transcript after the message and sends it with the same id;
      // the server makes it a new version (a sibling) and keeps the old one with its answers.
      void sendMessage(files.length === 0 ? { text, messageId } : { text, files, messageId });
    },
    [messages, sync, error, clearError, sendMessage],
  );

  const switchTo = useCallback(
    async (seq: number) => {
      sync.claim();
      setSwitching(true);
      setSwitchError(null);
      setEditing(null);
      try {
        let view = await switchBranch(sessionId, seq);
        // The switch answers a shorter page than this tab shows: read the rest before showing it.
        if (view.hasOlder) view = (await getSessionView(sessionId, HISTORY_LIMIT)) ?? view;
        sync.adopt(view);
      } catch (failure) {
        setSwitchError(failure instanceof ApiError ? failure.message : "The server could not be reached.");
      } finally {
        setSwitching(false);
      }
    },
    [sessionId, sync],
  );

  const suggest = useCallback((text: string) => {
    setDraft(text);
    input.current?.focus();
  }, []);

  const stopTurnEverywhere = useCallback(async () => {
    if (lastUserId) setStoppedTurns((current) => new Set(current).add(lastUserId));
    setStopping(true);
    sync.setPaused(true);
    try {
      // Both: stop() ends this tab's stream at once; only the stop request ends the turn itself
      // (a closed stream is not a stop, so other tabs and a reload would see it go on).
      await Promise.allSettled([stop(), stopTurn(sessionId)]);
    } finally {
      sync.setPaused(false);
      setStopping(false);
    }
    // Take the stored answer (with its outcome): the server may have written a few more words before the stop landed.
    await sync.syncNow();
  }, [lastUserId, stop, sessionId, sync]);

  const last = messages.at(-1);
  // A stop or a failure of the turn shows under its answer (from the answer's outcome); only other
  // errors (a refused send, a lost connection) need the banner.
  const shownInline = failure?.code === "turn_cancelled" || (last?.role === "assistant" && outcomeOf(last)?.status === "failed");
  const banner = failure && !shownInline ? failure : null;

  return (
    <section className="chat" data-testid="chat" data-chat-status={status} data-session-id={sessionId}>
      <ToolAnswersContext value={toolAnswers}>
        <MessageList
          messages={messages}
          status={status}
          stoppedTurns={stoppedTurns}
          hasOlder={initial?.hasOlder ?? false}
          branches={sync.branches}
          switching={switching}
          editing={editing}
          onEdit={setEditing}
          onSaveEdit={saveEdit}
          onRedo={redo}
          onSwitch={(seq) => void switchTo(seq)}
          onSuggest={suggest}
        />
      </ToolAnswersContext>
      <LiveAnnouncer messages={messages} busy={busy} />
      {banner && <ErrorBanner error={banner} notSent={notSent} onDismiss={clearError} />}
      {switchError && (
        <div className="banner banner-error" role="alert" data-testid="branch-error">
          <span>Not switched: {switchError}</span>
          <button type="button" className="icon-button" aria-label="Dismiss" onClick={() => setSwitchError(null)}>
            ×
          </button>
        </div>
      )}
      <Composer
        draft={draft}
        onDraft={setDraft}
        busy={busy}
        stopping={stopping}
        attachments={attachments}
        preparing={preparing}
        onSend={(text) => void send(text)}
        onStop={() => void stopTurnEverywhere()}
        inputRef={input}
      />
    </section>
  );
}

/** Whether the chat's error is the server refusing an answer that is no longer needed (see its use). */
function answerRefused(error: Error): boolean {
  if (!APICallError.isInstance(error) || error.statusCode !== 409) return false;
  const { code } = describeChatError(error);
  return code === "already_answered" || code === "stream_already_active";
}

function ErrorBanner({ error, notSent, onDismiss }: { error: ApiError; notSent: "send" | "edit" | null; onDismiss: () => void }) {
  const reason = error.code === "network_error" ? "the server could not be reached." : error.message;
  const text =
    error.status === 401
      ? "You are signed out: paste a token above."
      : notSent === "send"
        ? `Not sent: ${reason} Your message is back in the box.`
        : notSent === "edit"
          ? `Not saved: ${reason} Your edit is still open.`
          : error.message;
  return (
    <div className="banner banner-error" role="alert" data-testid="chat-error">
      <span>{text}</span>
      <button type="button" className="icon-button" aria-label="Dismiss" onClick={onDismiss}>
        ×
      </button>
    </div>
  );
}
