import { env, exports } from "cloudflare:workers";
import { sign } from "hono/jwt";

/** Not a loopback host: the dev identity can never apply to these requests. */
export const ORIGIN = "https://edgechat.test";

export async function tokenFor(
  userId: string,
  options: { expiresIn?: number; secret?: string; claims?: Record<string, unknown> } = {},
): Promise<string> {
  const now = Math.floor(Date.now() / 1000);
  return sign(
    { sub: userId, iat: now, exp: now + (options.expiresIn ?? 3600), ...options.claims },
    options.secret ?? env.AUTH_SECRET!,
    "HS256",
  );
}

export interface CallOptions extends Omit<RequestInit, "body"> {
  user?: string | null;
  json?: unknown;
  body?: BodyInit;
}

/** Calls the Worker through its public fetch handler, as user `alice` unless told otherwise. */
export async function call(path: string, options: CallOptions = {}): Promise<Response> {
  const { user = "alice", json, headers, ...init } = options;
  const h = new Headers(headers);
  if (user !== null && !h.has("authorization")) h.set("authorization", `Bearer ${await tokenFor(user)}`);
  let body = init.body;
  if (json !== undefined) {
    body = JSON.stringify(json);
    if (!h.has("content-type")) h.set("content-type", "application/json");
  }
  return exports.default.fetch(new Request(`${ORIGIN}${path}`, { ...init, headers: h, ...(body === undefined ? {} : { body }) }));
}

/** A `fetch` for clients under test (the AI SDK's transports, hc): every request goes to this Worker. */
export const workerFetch = ((input: RequestInfo | URL, init?: RequestInit) =>
  exports.default.fetch(new Request(input, init))) as typeof fetch;

let counter = 0;
/** A session id no other test uses (storage is shared by every test file a worker runs). */
export function newSessionId(prefix = "s"): string {
  counter += 1;
  return `${prefix}-${counter}-${crypto.randomUUID().slice(0, 8)}`;
}

/** The AI SDK's request body for a new user message. */
export function userMessageBody(sessionId: string, text: string, messageId = `u-${crypto.randomUUID().slice(0, 12)}`) {
  return {
    id: sessionId,
    trigger: "submit-message",
    messageId: undefined,
    messages: [{ id: messageId, role: "user", parts: [{ type: "text", text }] }],
  };
}

export async function send(sessionId: string, text: string, options: { user?: string } = {}): Promise<Response> {
  return call("/api/chat", { method: "POST", json: userMessageBody(sessionId, text), ...(options.user ? { user: options.user } : {}) });
}

export async function getSession(sessionId: string, user = "alice") {
  const res = await call(`/api/sessions/${sessionId}`, { user });
  return { status: res.status, body: (await res.json()) as any };
}
