import { UI_MESSAGE_STREAM_HEADERS } from "ai";

/**
 * SSE framing of the AI SDK UI message stream v1. Chunks arrive here already serialised (the chunk
 * log stores them as JSON text), so an SSE frame is string concatenation, never a re-stringify.
 * The cursor goes in the SSE `id:` line: clients ignore it, EventSource echoes it as Last-Event-ID, and
 * the chunk JSON stays exactly what the `ai` schema expects (strict versions reject unknown keys).
 */
export const SSE_HEADERS: Readonly<Record<string, string>> = UI_MESSAGE_STREAM_HEADERS;

const encoder = new TextEncoder();

export function sseFrames(firstSeq: number, chunkJson: readonly string[]): string {
  let out = "";
  for (let i = 0; i < chunkJson.length; i++) {
    out += `id: ${firstSeq + i}\ndata: ${chunkJson[i]}\n\n`;
  }
  return out;
}

export function encodeSse(text: string): Uint8Array {
  return encoder.encode(text);
}

export const SSE_DONE = encoder.encode("data: [DONE]\n\n");
/** A comment line: every SSE parser skips it, proxies see traffic. Never a chunk. */
export const SSE_HEARTBEAT = encoder.encode(": heartbeat\n\n");
