import { env } from "cloudflare:workers";

/** The session's Durable Object stub, for the test helpers that evict it or run its alarm. */
export function sessionObject(sessionId: string, user = "alice") {
  return env.CHAT_SESSION.get(env.CHAT_SESSION.idFromName(JSON.stringify([user, sessionId])));
}
