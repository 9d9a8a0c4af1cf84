import { createRoute, OpenAPIHono } from "@hono/zod-openapi";
import { z } from "zod";
import { readConfig } from "../config";
import { sessionParamsSchema } from "../protocol/api-schemas";
import { checkFileBytes, fileRef, sha256Hex } from "../protocol/file-parts";
import { FileStore } from "../session/file-store";
import { fileKey } from "../sessions-index/file-registry";
import { sessionIndexStub } from "../sessions-index/session-index-stub";
import type { Env } from "../worker-env";
import { ApiError, unwrap } from "./api-error";
import { linkKeyMaterial, verifyFileLink } from "./file-links";
import type { IdentityVariables } from "./identity";
import { LOCAL_BUILD } from "./local-build";
import { errorResponse, jsonResponse, unauthorized } from "./openapi";
import { readLimited } from "./read-limited";
import { sessionStub } from "./session-stub";
import { validationHook } from "./validation-hook";

type App = { Bindings: Env; Variables: IdentityVariables };

export const uploadedFileSchema = z.object({
  url: z.string().describe("Put this in the next message's file part (`{ type: 'file', mediaType, filename, url }`)."),
  mediaType: z.string(),
  filename: z.string().nullable(),
  size: z.number().int().describe("bytes"),
  sha256: z.string(),
});

const binary = { schema: { type: "string", format: "binary" } } as const;

const upload = createRoute({
  method: "post",
  path: "/sessions/{id}/files",
  summary: "Upload a file for a session's next message (for files too large for a data URL)",
  description:
    "The body is the file itself, with its media type as Content-Type (PNG, JPEG, GIF, WebP, PDF, text). Stored once per content (SHA-256) for the user; the session is created if it does not exist. The file belongs to the session until it is deleted.",
  request: {
    params: sessionParamsSchema,
    query: z.object({ filename: z.string().max(255).optional() }),
    body: {
      required: true,
      content: {
        "image/png": binary,
        "image/jpeg": binary,
        "image/gif": binary,
        "image/webp": binary,
        "application/pdf": binary,
        "text/plain": binary,
      },
    },
  },
  responses: {
    201: jsonResponse("Stored.", uploadedFileSchema),
    400: errorResponse("An empty file, or a bad session id."),
    401: unauthorized,
    413: errorResponse("`file_too_large`: over the limit of its kind."),
    415: errorResponse("`unsupported_file_type`, or `file_type_mismatch`: the bytes are not the declared type."),
  },
});

const download = createRoute({
  method: "get",
  path: "/files/{token}",
  summary: "A stored file, by the signed link history gives (no Authorization needed: `<img src>` works)",
  security: [],
  request: { params: z.object({ token: z.string().max(4096) }) },
  responses: {
    200: { description: "The file, with its media type and Content-Disposition.", content: { "application/octet-stream": binary } },
    403: errorResponse("`invalid_file_link`: expired or not signed by this service."),
    404: errorResponse("The file is gone (its sessions were deleted)."),
  },
});

/** Uploading a file for a message, and serving stored files by signed link. */
export const fileRoutes = new OpenAPIHono<App>({ defaultHook: validationHook() })
  .openapi(upload, async (c) => {
    const { id } = c.req.valid("param");
    const { filename } = c.req.valid("query");
    const userId = c.get("userId");
    const limits = readConfig(c.env).fileLimits;
    const declared = c.req.header("content-type") ?? "";
    const bytes = await readLimited(c.req.raw, Math.max(limits.maxImageBytes, limits.maxPdfBytes, limits.maxTextBytes));
    if (!bytes) throw new ApiError("file_too_large", "The file is over every file size limit.");
    const { mediaType } = unwrap(checkFileBytes(bytes, declared, limits));
    unwrap(await sessionStub(c.env, userId, id).create({ userId, sessionId: id, requestId: c.get("requestId") }));
    const sha256 = await sha256Hex(bytes);
    const files = new FileStore(c.env.FILES, (user) => sessionIndexStub(c.env, user));
    // Recorded as the session's upload before the bytes are written, and answered once any delete of
    // them already sent has landed, so `put`'s HEAD decides rightly whether to write (see FileStore.attach).
    const use = { sha256, sessionId: id, messageId: `upload:${sha256}` };
    await sessionIndexStub(c.env, userId).addFileUses([use]);
    try {
      await files.put(userId, sha256, bytes, mediaType);
    } catch (error) {
      await files.release(userId, use);
      throw error;
    }
    return c.json({ url: fileRef(sha256), mediaType, filename: filename ?? null, size: bytes.byteLength, sha256 }, 201);
  })
  .openapi(download, async (c) => {
    const keyMaterial = linkKeyMaterial(c.env.AUTH_SECRET, LOCAL_BUILD);
    if (!keyMaterial) throw new ApiError("not_configured", "Authentication is not configured on this server.");
    const link = await verifyFileLink(c.req.valid("param").token, keyMaterial, Date.now());
    if (link === "expired") throw new ApiError("invalid_file_link", "This file link has expired; reload the conversation for a new one.");
    if (!link) throw new ApiError("invalid_file_link", "This is not a file link from this service.");
    const object = await c.env.FILES.get(fileKey(link.u, link.s));
    if (!object) throw new ApiError("not_found", "The file is gone.");
    const inline = link.t.startsWith("image/") || link.t === "application/pdf";
    const name = (link.n ?? "file").replace(/[^\w.\- ]/g, "_");
    return new Response(object.body, {
      headers: {
        "content-type": link.t,
        "content-length": String(object.size),
        "content-disposition": `${inline ? "inline" : "attachment"}; filename="${name}"; filename*=UTF-8''${encodeURIComponent(link.n ?? "file")}`,
        // The link is the authority, so the response may be cached privately until it expires.
        "cache-control": `private, max-age=${Math.max(0, link.e - Math.floor(Date.now() / 1000))}`,
        "x-content-type-options": "nosniff",
        // A stored text or HTML file is never run as a page of this origin.
        "content-security-policy": "default-src 'none'; sandbox",
      },
    });
  });
