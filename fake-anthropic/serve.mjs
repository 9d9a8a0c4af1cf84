// @ts-check
/**
 * Serves the fake Anthropic API from Node (22+) on 127.0.0.1, for `npm run dev` without an API key
 * and for benchmarks. A thin adapter: Node request -> web Request, web Response -> Node response,
 * streamed chunk by chunk; a client that goes away aborts the request and cancels the body, so a
 * stalled or paced stream stops at once.
 *
 *   node fake-anthropic/serve.mjs [--port 8788] [--rate <tokens per second>]
 *
 * `--rate` (or FAKE_TOKENS_PER_SECOND) paces deltas when a directive has no `rate=`; 0 = unpaced.
 */
import { createServer } from "node:http";
import { pathToFileURL } from "node:url";
import { parseArgs } from "node:util";
import { handleAnthropicRequest } from "./fake-anthropic.js";

/**
 * @param {{ port?: number, tokensPerSecond?: number | string }} [options]
 * @returns {Promise<{ url: string, close: () => Promise<void> }>}
 */
export async function startFakeAnthropic({ port = 0, tokensPerSecond = process.env.FAKE_TOKENS_PER_SECOND } = {}) {
  const server = createServer((req, res) => {
    serve(req, res, tokensPerSecond).catch((error) => {
      console.error("fake-anthropic: adapter failure", error);
      res.destroy();
    });
  });
  await new Promise((resolve, reject) => {
    server.once("error", reject);
    server.listen(port, "127.0.0.1", () => resolve(undefined));
  });
  const address = server.address();
  if (address === null || typeof address === "string") throw new Error("fake-anthropic: no TCP address");
  return {
    url: `http://127.0.0.1:${address.port}`,
    close: () =>
      new Promise((resolve, reject) => {
        server.close((error) => (error ? reject(error) : resolve()));
        // Streams (a stall above all) keep connections open; close() alone would wait for them.
        server.closeAllConnections();
      }),
  };
}

/**
 * @param {import('node:http').IncomingMessage} req
 * @param {import('node:http').ServerResponse} res
 * @param {number | string | undefined} tokensPerSecond
 */
async function serve(req, res, tokensPerSecond) {
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

  const response = await handleAnthropicRequest(request, { tokensPerSecond });
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

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const { values } = parseArgs({ options: { port: { type: "string", default: "8788" }, rate: { type: "string" } } });
  const { url, close } = await startFakeAnthropic({
    port: Number(values.port),
    ...(values.rate === undefined ? {} : { tokensPerSecond: values.rate }),
  });
  console.log(`fake-anthropic listening on ${url}`);
  const stop = () => {
    close().then(
      () => process.exit(0),
      (error) => {
        console.error(error);
        process.exit(1);
      },
    );
  };
  process.once("SIGINT", stop);
  process.once("SIGTERM", stop);
}
