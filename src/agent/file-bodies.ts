import { Buffer } from "node:buffer";

/** Where a stored file's bytes come from, by SHA-256: the session's file store (R2). */
export interface FileSource {
  /** The file's bytes as a stream, or undefined when it is gone. */
  stream(sha256: string): Promise<ReadableStream<Uint8Array> | undefined>;
}

/** Wraps a body stream so that it has a known length (workerd's FixedLengthStream sets Content-Length). */
export type FixLength = (body: ReadableStream<Uint8Array>, length: number) => ReadableStream<Uint8Array>;

const fixedLength: FixLength = (body, length) => body.pipeThrough(new FixedLengthStream(length));

/** base64 characters for `bytes` bytes, padding included */
export function base64Length(bytes: number): number {
  return Math.ceil(bytes / 3) * 4;
}

/**
 * Stored files in model requests, streamed instead of held. A base64 block of a 20 MB PDF is a 27 MB
 * string, and the SDK's JSON of the request another 27 MB, then its UTF-8 bytes: one step of one turn
 * would hold over 100 MB, near a Durable Object's 128 MB, and building it holds the thread for
 * hundreds of milliseconds. So a prompt carries a short placeholder where a file's base64 goes, and
 * the client's `fetch` (this object's `fetch`) sends the body as a stream: the JSON around the
 * placeholders, and each file read from storage and encoded a chunk at a time. The bytes on the wire
 * are exactly those of the inline request; memory is a few chunks, whatever the file's size. Each call
 * streams afresh, so the SDK's retries resend the whole body.
 *
 * The marker holds a random nonce, so no text a user or a tool wrote can pass for a placeholder.
 */
export class FileBodies {
  private readonly marker: string;
  /** bytes of each file a placeholder stands for, by SHA-256 */
  private readonly sizes = new Map<string, number>();

  constructor(
    private readonly source: FileSource,
    // Called as a plain function: workerd's fetch refuses to run as a method of another object.
    private readonly baseFetch: typeof fetch = (input, init) => fetch(input, init),
    private readonly fixLength: FixLength = fixedLength,
    nonce: string = crypto.randomUUID(),
  ) {
    this.marker = `edgechat-file-${nonce}-`;
  }

  /** What a request carries in place of the base64 of a file of `size` bytes. */
  placeholder(sha256: string, size: number): string {
    this.sizes.set(sha256, size);
    return `${this.marker}${sha256}`;
  }

  /** The Anthropic client's `fetch`: requests without placeholders pass through untouched. */
  readonly fetch = (input: RequestInfo | URL, init?: RequestInit): Promise<Response> => {
    const body = init?.body;
    if (typeof body !== "string" || !body.includes(this.marker)) return this.baseFetch(input, init);
    const pieces = this.split(body);
    let length = 0;
    for (const piece of pieces) length += piece instanceof Uint8Array ? piece.byteLength : base64Length(this.sizes.get(piece.sha256)!);
    const stream = this.fixLength(this.concat(pieces), length);
    // `duplex` is required by the fetch standard for a stream body; workerd's types do not list it.
    return this.baseFetch(input, { ...init, body: stream, duplex: "half" } as RequestInit);
  };

  /** The body as JSON text (UTF-8) and the files between, in order. */
  private split(body: string): (Uint8Array | { sha256: string })[] {
    const encoder = new TextEncoder();
    const pieces: (Uint8Array | { sha256: string })[] = [];
    let from = 0;
    for (let at = body.indexOf(this.marker); at !== -1; at = body.indexOf(this.marker, from)) {
      const start = at + this.marker.length;
      const sha256 = body.slice(start, start + 64);
      if (!this.sizes.has(sha256)) throw new Error("a file placeholder this request did not make");
      pieces.push(encoder.encode(body.slice(from, at)), { sha256 });
      from = start + 64;
    }
    pieces.push(encoder.encode(body.slice(from)));
    return pieces;
  }

  private concat(pieces: readonly (Uint8Array | { sha256: string })[]): ReadableStream<Uint8Array> {
    const source = this.source;
    let index = 0;
    let reader: ReadableStreamDefaultReader<Uint8Array> | undefined;
    return new ReadableStream<Uint8Array>(
      {
        async pull(controller) {
          for (;;) {
            if (reader) {
              const { done, value } = await reader.read();
              if (!done) return controller.enqueue(value);
              reader = undefined;
              continue;
            }
            const piece = pieces[index++];
            if (piece === undefined) return controller.close();
            if (piece instanceof Uint8Array) {
              if (piece.byteLength > 0) return controller.enqueue(piece);
              continue;
            }
            const file = await source.stream(piece.sha256);
            // Gone since the prompt was built (its last session deleted): the request fails as a whole.
            if (!file) throw new Error("an attached file is no longer stored");
            reader = file.pipeThrough(base64Encoder()).getReader();
          }
        },
        cancel(reason) {
          return reader?.cancel(reason);
        },
      },
      { highWaterMark: 0 },
    );
  }
}

/** Encodes a byte stream as base64 text (ASCII bytes), carrying each chunk's last 0-2 bytes to the next. */
export function base64Encoder(): TransformStream<Uint8Array, Uint8Array> {
  let rest = new Uint8Array(0);
  return new TransformStream<Uint8Array, Uint8Array>({
    transform(chunk, controller) {
      const all = rest.byteLength === 0 ? chunk : joined(rest, chunk);
      const whole = all.byteLength - (all.byteLength % 3);
      if (whole > 0) controller.enqueue(toBase64Bytes(all.subarray(0, whole)));
      rest = all.slice(whole);
    },
    flush(controller) {
      if (rest.byteLength > 0) controller.enqueue(toBase64Bytes(rest));
    },
  });
}

const ascii = new TextEncoder();

function toBase64Bytes(bytes: Uint8Array): Uint8Array {
  // Native encoding (nodejs_compat): a JavaScript loop over megabytes would hold the thread.
  return ascii.encode(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString("base64"));
}

function joined(a: Uint8Array, b: Uint8Array): Uint8Array {
  const out = new Uint8Array(a.byteLength + b.byteLength);
  out.set(a);
  out.set(b, a.byteLength);
  return out;
}
