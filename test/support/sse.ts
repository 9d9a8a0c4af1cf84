import {
  parseJsonEventStream,
  readUIMessageStream,
  type UIMessage,
  type UIMessageChunk,
  UIMessageStreamError,
  uiMessageChunkSchema,
} from "ai";

export interface SseEvent {
  id?: number;
  data: string;
}

export interface SseRead {
  events: SseEvent[];
  chunks: UIMessageChunk[];
  ids: number[];
  comments: string[];
  sawDone: boolean;
}

/**
 * A strict reader of our SSE bodies that keeps what the AI SDK's parser throws away (ids and
 * comments), so tests can check cursors and heartbeats. `stopAfter` stops reading (and cancels the
 * body, like a client going away) once that many chunks arrived.
 */
export async function readSse(
  body: ReadableStream<Uint8Array>,
  options: { stopAfter?: number; onChunk?: (chunk: UIMessageChunk, id: number | undefined) => void } = {},
): Promise<SseRead> {
  const reader = body.pipeThrough(new TextDecoderStream()).getReader();
  const out: SseRead = { events: [], chunks: [], ids: [], comments: [], sawDone: false };
  let buffer = "";
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    buffer += value;
    for (let end = buffer.indexOf("\n\n"); end >= 0; end = buffer.indexOf("\n\n")) {
      const frame = buffer.slice(0, end);
      buffer = buffer.slice(end + 2);
      let id: number | undefined;
      let data: string | undefined;
      for (const line of frame.split("\n")) {
        if (line.startsWith(":")) out.comments.push(line.slice(1).trim());
        else if (line.startsWith("id: ")) id = Number(line.slice(4));
        else if (line.startsWith("data: ")) data = line.slice(6);
        else throw new Error(`unexpected SSE line: ${JSON.stringify(line)}`);
      }
      if (data === undefined) continue;
      if (data === "[DONE]") {
        out.sawDone = true;
        continue;
      }
      out.events.push({ ...(id === undefined ? {} : { id }), data });
      const chunk = JSON.parse(data) as UIMessageChunk;
      out.chunks.push(chunk);
      if (id !== undefined) out.ids.push(id);
      options.onChunk?.(chunk, id);
      if (options.stopAfter !== undefined && out.chunks.length >= options.stopAfter) {
        await reader.cancel();
        return out;
      }
    }
  }
  if (buffer.trim() !== "") throw new Error(`trailing bytes after the last SSE frame: ${JSON.stringify(buffer)}`);
  return out;
}

/** Parses a body exactly as the AI SDK client does, and assembles the message with its own code. */
export async function assembleWithSdk(
  body: ReadableStream<Uint8Array>,
): Promise<{ chunks: UIMessageChunk[]; message: UIMessage | undefined }> {
  const chunks: UIMessageChunk[] = [];
  const parsed = parseJsonEventStream({ stream: body, schema: uiMessageChunkSchema }).pipeThrough(
    new TransformStream({
      transform(result, controller) {
        if (!result.success) throw result.error;
        chunks.push(result.value);
        controller.enqueue(result.value);
      },
    }),
  );
  const message = await assembleChunks(parsed);
  return { chunks, message };
}

/**
 * The message `readUIMessageStream` builds from chunks. An `error` chunk is reported by the SDK
 * through onError and is fine (tests check it as a chunk); a chunk the SDK rejects (a delta without
 * its start, an unknown tool call) is a UIMessageStreamError and fails the caller.
 */
export async function assembleChunks(chunks: ReadableStream<UIMessageChunk> | readonly UIMessageChunk[]): Promise<UIMessage | undefined> {
  const stream = Array.isArray(chunks) ? streamOf(chunks as readonly UIMessageChunk[]) : (chunks as ReadableStream<UIMessageChunk>);
  let last: UIMessage | undefined;
  let rejected: unknown;
  const onError = (error: unknown) => {
    if (UIMessageStreamError.isInstance(error) || !(error instanceof Error) || error.name !== "Error") rejected ??= error;
  };
  for await (const message of readUIMessageStream({ stream, onError })) last = message;
  if (rejected !== undefined) throw rejected;
  return last;
}

export function streamOf<T>(items: readonly T[]): ReadableStream<T> {
  return new ReadableStream<T>({
    start(controller) {
      for (const item of items) controller.enqueue(item);
      controller.close();
    },
  });
}
