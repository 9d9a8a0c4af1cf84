import type { UserSessions } from "./user-sessions";

export function sessionIndexStub(env: { USER_SESSIONS: DurableObjectNamespace<UserSessions> }, userId: string) {
  return env.USER_SESSIONS.get(env.USER_SESSIONS.idFromName(userId));
}
