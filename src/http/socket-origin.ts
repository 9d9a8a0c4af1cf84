import { ApiError } from "./api-error";

/**
 * Cross-site WebSocket hijacking guard. A browser always sends its page's Origin on a WebSocket
 * handshake and lets any page open a socket to any host, so without this check a page the user visits
 * could attach to the service as them (under `npm run dev`: as the local identity, spending the real
 * API key in `.dev.vars`). Allowed: the service's own origin and the configured ALLOWED_ORIGINS.
 * Clients that are not browsers send no Origin and are judged by their token alone.
 */
export function checkSocketOrigin(requestUrl: string, origin: string | undefined, allowed: string | undefined): void {
  if (origin === undefined) return;
  if (origin === new URL(requestUrl).origin) return;
  const extra = (allowed ?? "")
    .split(",")
    .map((entry) => entry.trim().replace(/\/+$/, ""))
    .filter(Boolean);
  if (extra.includes(origin)) return;
  throw new ApiError("forbidden_origin", "WebSockets may only be opened from this service's own pages or an allowed origin.");
}
