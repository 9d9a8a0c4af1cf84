import { app } from "./http/app";

export type { AppType } from "./http/app";
export { ChatSession } from "./session/chat-session";
export { UserSessions } from "./sessions-index/user-sessions";

export default app;
