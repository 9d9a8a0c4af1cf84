import type { ConfigVars } from "../config";

/** What a session object reads from its env: the configuration vars, the per-user session index, the file bucket. */
export interface SessionEnv extends ConfigVars {
  USER_SESSIONS: DurableObjectNamespace<import("../sessions-index/user-sessions").UserSessions>;
  /** File bytes (attachments), content-addressed per user; see sessions-index/file-registry.ts. */
  FILES: R2Bucket;
}
