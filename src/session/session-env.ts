import type { ConfigVars } from "../config";

/** What a session object reads from its env: the configuration vars and the per-user session index. */
export interface SessionEnv extends ConfigVars {
  USER_SESSIONS: DurableObjectNamespace<import("../sessions-index/user-sessions").UserSessions>;
}
