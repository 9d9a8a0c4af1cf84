import { hc } from "hono/client";
import type { AppType } from "./http/app";

export type { AppType };

/**
 * A typed client of the REST API for TypeScript users (Hono's `hc`): paths, parameters, bodies and
 * JSON responses are checked at compile time, from the same route declarations that validate
 * requests. Streams (`POST /api/chat`, `/stream`) are best consumed with the AI SDK (`useChat` /
 * `DefaultChatTransport`); this client is for the sessions API and stop.
 *
 *   const api = createClient("https://edgechat.example.workers.dev", token);
 *   const page = await (await api.api.sessions.$get({ query: { limit: "10" } })).json();
 */
export function createClient(baseUrl: string, token: string, options: { fetch?: typeof fetch } = {}) {
  return hc<AppType>(baseUrl, {
    headers: { authorization: `Bearer ${token}` },
    ...(options.fetch ? { fetch: options.fetch } : {}),
  });
}
