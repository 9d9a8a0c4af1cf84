import type { Context } from "hono";
import type { z } from "zod";
import { fail, type Result } from "../protocol/error-code";

/**
 * Reads a JSON body: content type, size limit (checked while reading, not trusted from headers),
 * syntax, then the schema. Every way it can go wrong is a coded failure; nothing is thrown.
 */
export async function readJson<T>(c: Context, schema: z.ZodType<T>, maxBytes: number): Promise<Result<{ value: T }>> {
  const type = c.req.header("content-type") ?? "";
  if (!/^application\/json\b/i.test(type)) {
    return fail("unsupported_media_type", "Send the body as JSON with Content-Type: application/json.");
  }
  const text = await readLimited(c.req.raw, maxBytes);
  if (text === undefined) return fail("body_too_large", `The request body is over ${maxBytes} bytes.`);
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    return fail("invalid_json", "The request body is not valid JSON.");
  }
  const parsed = schema.safeParse(json);
  if (!parsed.success) return fail("invalid_request", describeIssues(parsed.error));
  return { ok: true, value: parsed.data };
}

export function describeIssues(error: z.ZodError): string {
  return error.issues
    .slice(0, 3)
    .map((issue) => (issue.path.length > 0 ? `${issue.path.join(".")}: ${issue.message}` : issue.message))
    .join("; ");
}

async function readLimited(request: Request, maxBytes: number): Promise<string | undefined> {
  const declared = Number(request.headers.get("content-length") ?? "0");
  if (declared > maxBytes) return undefined;
  if (!request.body) return "";
  const reader = request.body.getReader();
  const chunks: Uint8Array[] = [];
  let total = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    total += value.byteLength;
    if (total > maxBytes) {
      await reader.cancel();
      return undefined;
    }
    chunks.push(value);
  }
  const decoder = new TextDecoder();
  return chunks.map((chunk) => decoder.decode(chunk, { stream: true })).join("") + decoder.decode();
}
