import type { Env } from "../config";

export function sessionIndexStub(env: Env, userId: string) {
  return env.USER_SESSIONS.get(env.USER_SESSIONS.idFromName(userId));
}
