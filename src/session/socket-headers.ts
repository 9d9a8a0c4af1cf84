/** Headers the Worker sets on the internal WebSocket upgrade request, after authenticating it. */
export const SOCKET_USER_HEADER = "x-edgechat-user";
export const SOCKET_SESSION_HEADER = "x-edgechat-session";
