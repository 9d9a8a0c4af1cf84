import { safeValidateUIMessages } from "ai";
import { z } from "zod";
import { authHeaders, reportUnauthorized } from "./auth-token";
import { type ChatMessage, progressSchema } from "./chat-message";

/** A failed API call, from our one error shape `{ error: { code, message } }`. */
export class ApiError extends Error {
  override readonly name = "ApiError";
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

const errorBodySchema = z.object({ error: z.object({ code: z.string(), message: z.string() }) });

/** Reads our error shape from a failed response's body text; anything else keeps a generic message. */
export function parseErrorBody(status: number, body: string): ApiError {
  try {
    const parsed = errorBodySchema.safeParse(JSON.parse(body));
    if (parsed.success) return new ApiError(status, parsed.data.error.code, parsed.data.error.message);
  } catch {
    // Not JSON (a proxy's HTML error page, say): fall through to the generic message.
  }
  return new ApiError(status, "http_error", `The server answered ${status}.`);
}

async function request(path: string, init: RequestInit = {}): Promise<unknown> {
  const response = await fetch(path, { ...init, headers: { ...authHeaders(), ...init.headers } });
  if (!response.ok) {
    const error = parseErrorBody(response.status, await response.text());
    if (response.status === 401) reportUnauthorized();
    throw error;
  }
  return response.json();
}

export const sessionSummarySchema = z.object({
  id: z.string(),
  title: z.string().nullable(),
  createdAt: z.number(),
  updatedAt: z.number(),
});
export type SessionSummary = z.infer<typeof sessionSummarySchema>;

const sessionPageSchema = z.object({ sessions: z.array(sessionSummarySchema), nextCursor: z.string().nullable() });
export type SessionPage = z.infer<typeof sessionPageSchema>;

const siblingsSchema = z.object({
  index: z.number().int(),
  count: z.number().int(),
  seqs: z.array(z.number().int()),
  ids: z.array(z.string()),
});
/** Where a message stands among its siblings (other versions of an edit, other answers of a regeneration). */
export type Siblings = z.infer<typeof siblingsSchema>;

const sessionViewSchema = z.object({
  session: sessionSummarySchema.loose(),
  messages: z.array(z.unknown()),
  nextBefore: z.number().nullable(),
  activeStream: z.object({ messageId: z.string(), cursor: z.number() }).loose().nullable(),
  siblings: z.array(siblingsSchema.nullable()),
  headSeq: z.number().int().nullable(),
});

export interface SessionView {
  messages: ChatMessage[];
  /** Older messages exist beyond this page. */
  hasOlder: boolean;
  /** A turn is running; its message is not in `messages` (the resume stream rebuilds it). */
  activeMessageId: string | null;
  /** The messages shown that have siblings, by id (ids are unique on the active path): for "‹ 2 / 3 ›". */
  branches: ReadonlyMap<string, Siblings>;
  /** Sequence of the active branch's last message: any new message or switch changes it (sequences are never reused). */
  headSeq: number | null;
}

export async function listSessions(options: { limit: number; cursor?: string | null }): Promise<SessionPage> {
  const query = new URLSearchParams({ limit: String(options.limit) });
  if (options.cursor) query.set("cursor", options.cursor);
  return sessionPageSchema.parse(await request(`/api/sessions?${query}`));
}

/** A session's history, or null while it does not exist yet (a new chat exists from its first message). */
export async function getSessionView(id: string, limit: number): Promise<SessionView | null> {
  let body: unknown;
  try {
    body = await request(`/api/sessions/${encodeURIComponent(id)}?limit=${limit}`);
  } catch (error) {
    if (error instanceof ApiError && error.status === 404) return null;
    throw error;
  }
  return readView(body);
}

/**
 * Makes the branch through message `seq` (one of a message's `Siblings.seqs`) the active one, and
 * answers the session's new view. Refused with 409 while a turn runs (`stream_already_active`) or
 * tool calls wait for answers (`tools_pending`).
 */
export async function switchBranch(id: string, seq: number): Promise<SessionView> {
  const body = await request(`/api/sessions/${encodeURIComponent(id)}/head`, {
    method: "PUT",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ seq }),
  });
  return readView(body);
}

async function readView(body: unknown): Promise<SessionView> {
  const view = sessionViewSchema.parse(body);
  const messages = await validateHistory(view.messages);
  const branches = new Map<string, Siblings>();
  for (const [i, message] of messages.entries()) {
    const siblings = view.siblings[i];
    if (siblings) branches.set(message.id, siblings);
  }
  return {
    messages,
    hasOlder: view.nextBefore !== null,
    activeMessageId: view.activeStream?.messageId ?? null,
    branches,
    headSeq: view.headSeq,
  };
}

/** The AI SDK's own validator: history must be UIMessages the chat can continue from. */
async function validateHistory(messages: unknown[]): Promise<ChatMessage[]> {
  // The validator rejects an empty list, which is a valid (new) history here.
  if (messages.length === 0) return [];
  const result = await safeValidateUIMessages<ChatMessage>({ messages, dataSchemas: { progress: progressSchema } });
  if (!result.success) throw new ApiError(500, "invalid_history", "The session history could not be read.");
  return result.data;
}

export async function renameSession(id: string, title: string): Promise<void> {
  await request(`/api/sessions/${encodeURIComponent(id)}`, {
    method: "PATCH",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ title }),
  });
}

export async function deleteSession(id: string): Promise<void> {
  await request(`/api/sessions/${encodeURIComponent(id)}`, { method: "DELETE" });
}

/** Stops the running turn for everyone. Closing our own stream is not a stop: the turn would go on. */
export async function stopTurn(id: string): Promise<void> {
  await request(`/api/chat/${encodeURIComponent(id)}/stop`, { method: "POST" });
}
