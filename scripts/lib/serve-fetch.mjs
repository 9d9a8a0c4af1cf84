// @ts-check
/**
 * Serves a fetch handler (web Request -> web Response) from Node on 127.0.0.1, for the local
 * stand-ins the service talks to (the fake Anthropic API, the demo MCP server). A thin adapter:
 * Node request -> web Request, web Response -> Node response, streamed chunk by chunk with
 * backpressure; a client that goes away aborts the request and cancels the body, so a stalled or
 * paced stream stops at once.
 */
import { createServer } from "node:http";

/** @typedef {(request: Request) => Promise<Response>} FetchHandler */

/**
 * @param {FetchHandler} handler
 * @param {{ port?: number, name: string }} options `name` labels the adapter's own failures in the log
 * @returns {Promise<{ origin: string, close: () => Promise<void> }>}
 */
export async function serveFetch(handler, { port = 0, name }) {
  const server = createServer((req, res) => {
    serve(handler, req, res).catch((error) => {
      console.error(`${name}: adapter failure`, error);
      res.destroy();
    });
  });
  await new Promise((resolve, reject) => {
    server.once("error", reject);
    server.listen(port, "127.0.0.1", () => resolve(undefined));
  });
  const address = server.address();
  if (address === null || typeof address === "string") throw new Error(`${name}: no TCP address`);
  return {
    origin: `http://127.0.0.1:${address.port}`,
    close: () =>
      new Promise((resolve, reject) => {
        server.close((error) => (error ? reject(error) : resolve()));
        // Streams (a stall above all) keep connections open; close() alone would wait for them.
        server.closeAllConnections();
      }),
  };
}

/**
 * @param {FetchHandler} handler
 * @param {import('node:http').IncomingMessage} req
 * @param {import('node:http').ServerResponse} res
 */
async function serve(handler, req, res) {
  const gone = new AbortController();
  /** @type {ReadableStreamDefaultReader<Uint8Array> | undefined} */
  let reader;
  // 'close' fires on the response both after a normal end and when the client disconnects.
  res.on("close", () => {
    if (res.writableFinished) return;
    gone.abort();
    reader?.cancel().catch(() => {}); // the body may already be closed; nothing is left to cancel then
  });

  const chunks = [];
  for await (const chunk of req) chunks.push(chunk);
  const headers = new Headers();
  for (let i = 0; i < req.rawHeaders.length; i += 2) headers.append(req.rawHeaders[i] ?? "", req.rawHeaders[i + 1] ?? "");
  const hasBody = req.method !== "GET" && req.method !== "HEAD";
  const request = new Request(`http://${req.headers.host ?? "127.0.0.1"}${req.url ?? "/"}`, {
    method: req.method,
    headers,
    signal: gone.signal,
    ...(hasBody ? { body: Buffer.concat(chunks) } : {}),
  });

  const response = await handler(request);
  res.writeHead(response.status, Object.fromEntries(response.headers));
  res.flushHeaders(); // the client sees the status before the first event, as with the real API
  if (!response.body || gone.signal.aborted) {
    res.end();
    return;
  }
  reader = response.body.getReader();
  for (;;) {
    const { done, value } = await reader.read();
    if (done || gone.signal.aborted) break;
    if (!res.write(value)) await drainedOrGone(res);
  }
  if (!gone.signal.aborted) res.end();
}

/** @param {import('node:http').ServerResponse} res */
function drainedOrGone(res) {
  return new Promise((resolve) => {
    const settle = () => {
      res.off("drain", settle);
      res.off("close", settle);
      resolve(undefined);
    };
    res.on("drain", settle);
    res.on("close", settle);
  });
}
