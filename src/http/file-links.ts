import type { UIMessage } from "ai";
import { parseFileRef } from "../protocol/file-parts";

/**
 * Short-lived signed links to stored files, for history. A browser loads an image with `<img src>`,
 * which sends no Authorization header, so the link itself carries the proof: who owns the file, which
 * file, how to serve it, until when, signed with HMAC-SHA-256 under a key only this service has.
 */
export interface FileLink {
  /** user id: the file's key is under the user */
  u: string;
  /** SHA-256 of the file */
  s: string;
  /** media type to serve it with */
  t: string;
  /** file name for Content-Disposition */
  n?: string;
  /** expiry, s since the epoch */
  e: number;
}

const encoder = new TextEncoder();
/** Signs links when a local build has no AUTH_SECRET (`npm run dev`): valid until the runtime restarts. */
let localKey: string | undefined;

export function linkKeyMaterial(authSecret: string | undefined, localBuild: boolean): string | undefined {
  if (authSecret) return `edgechat-file-links:${authSecret}`;
  if (!localBuild) return undefined;
  localKey ??= crypto.randomUUID();
  return localKey;
}

async function hmac(keyMaterial: string, payload: string): Promise<string> {
  const key = await crypto.subtle.importKey("raw", encoder.encode(keyMaterial), { name: "HMAC", hash: "SHA-256" }, false, ["sign"]);
  return base64url(new Uint8Array(await crypto.subtle.sign("HMAC", key, encoder.encode(payload))));
}

function base64url(bytes: Uint8Array): string {
  return btoa(String.fromCharCode(...bytes))
    .replaceAll("+", "-")
    .replaceAll("/", "_")
    .replace(/=+$/, "");
}

export async function signFileLink(link: FileLink, keyMaterial: string): Promise<string> {
  const payload = base64url(encoder.encode(JSON.stringify(link)));
  return `${payload}.${await hmac(keyMaterial, payload)}`;
}

/** The link a token stands for, if its signature is ours and it has not expired. */
export async function verifyFileLink(token: string, keyMaterial: string, now: number): Promise<FileLink | "expired" | undefined> {
  const [payload, signature, extra] = token.split(".");
  if (!payload || !signature || extra !== undefined) return undefined;
  const expected = await hmac(keyMaterial, payload);
  // Equal length, compared without an early exit: the timing says nothing about the signature.
  if (expected.length !== signature.length) return undefined;
  let diff = 0;
  for (let i = 0; i < expected.length; i++) diff |= expected.charCodeAt(i) ^ signature.charCodeAt(i);
  if (diff !== 0) return undefined;
  let link: FileLink;
  try {
    const bytes = Uint8Array.from(atob(payload.replaceAll("-", "+").replaceAll("_", "/")), (c) => c.charCodeAt(0));
    link = JSON.parse(new TextDecoder().decode(bytes)) as FileLink;
  } catch {
    return undefined;
  }
  return link.e * 1000 < now ? "expired" : link;
}

/**
 * History with each stored file's reference replaced by a signed link a browser can load directly.
 * The message rows keep the reference; links are made per read, so they are always fresh.
 */
export async function withFileLinks(
  messages: UIMessage[],
  options: { userId: string; origin: string; keyMaterial: string; ttlSeconds: number; now: number },
): Promise<UIMessage[]> {
  const expires = Math.floor(options.now / 1000) + options.ttlSeconds;
  return Promise.all(
    messages.map(async (message) => {
      if (!message.parts.some((part) => part.type === "file" && parseFileRef(part.url))) return message;
      const parts = await Promise.all(
        message.parts.map(async (part) => {
          const sha = part.type === "file" ? parseFileRef(part.url) : undefined;
          if (part.type !== "file" || !sha) return part;
          const link: FileLink = {
            u: options.userId,
            s: sha,
            t: part.mediaType,
            e: expires,
            ...(part.filename ? { n: part.filename } : {}),
          };
          return { ...part, url: `${options.origin}/api/files/${await signFileLink(link, options.keyMaterial)}` };
        }),
      );
      return { ...message, parts };
    }),
  );
}
