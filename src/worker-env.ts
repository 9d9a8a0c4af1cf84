import type { SessionEnv } from "./session/session-env";

/**
 * The Worker's bindings: what a session object gets, plus what only the Worker reads. Only the Worker
 * (http/, index.ts) imports this; the objects type their own env, so nothing imports back.
 */
export interface Env extends SessionEnv {
  CHAT_SESSION: DurableObjectNamespace<import("./session/chat-session").ChatSession>;
  AUTH_SECRET?: string;
  /**
   * Origins besides the service's own that may open a WebSocket (comma-separated, e.g.
   * `https://app.example.com`): a browser sends its page's Origin on the handshake.
   */
  ALLOWED_ORIGINS?: string;
  /** Local builds only (`npm run dev`): see http/identity.ts and http/local-build.ts. */
  DEV_IDENTITY?: string;
  /** Local builds only (`npm run bench`): the no-persistence baseline route (see http/bench-routes.ts). */
  BENCH_BASELINE?: string;
}
