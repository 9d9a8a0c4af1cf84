import { inject } from "vitest";

/**
 * Setup file of the `node` test project: every outbound fetch goes to the fake upstream that
 * `start-fake-upstream.mjs` serves, whatever host it names, over real HTTP (so aborts and cancelled
 * bodies behave as they do on the network). The workerd project gets the same through
 * `miniflare.outboundService`; the tests that fetch (fake-anthropic, fetch_url) run in either.
 */
declare module "vitest" {
  export interface ProvidedContext {
    fakeUpstreamUrl: string;
  }
}

const upstream = new URL(inject("fakeUpstreamUrl"));
const networkFetch = globalThis.fetch;

globalThis.fetch = async (input, init) => {
  const request = new Request(input, init);
  const url = new URL(request.url);
  url.protocol = upstream.protocol;
  url.host = upstream.host;
  // A body is passed as bytes: re-sending a Request's stream would need Node's `duplex` option.
  const body = request.body === null ? null : await request.arrayBuffer();
  return networkFetch(url, { method: request.method, headers: request.headers, body, redirect: request.redirect, signal: request.signal });
};
