import { env, exports } from "cloudflare:workers";
import { DefaultChatTransport, type FileUIPart, type UIMessage, validateUIMessages } from "ai";
import { describe, expect, it } from "vitest";
import { call, getSession, newSessionId, ORIGIN, tokenFor, workerFetch } from "./support/api";
import { TestChat } from "./support/chat-client";
import { TestSocket } from "./support/socket";

const PNG = new Uint8Array([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, ...Array.from({ length: 600 }, (_, i) => i % 251)]);
const PDF = new TextEncoder().encode(
  "%PDF-1.4\n1 0 obj << /Type /Page >> endobj\n2 0 obj << /Type /Page >> endobj\n3 0 obj << /Type /Pages /Kids [1 0 R 2 0 R] >> endobj\n%%EOF\n",
);
const TEXT = new TextEncoder().encode("line one\nline two, with café\n");

function dataUrl(mediaType: string, bytes: Uint8Array): string {
  let binary = "";
  for (let i = 0; i < bytes.length; i += 0x8000) binary += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  return `data:${mediaType};base64,${btoa(binary)}`;
}

const filePart = (mediaType: string, bytes: Uint8Array, filename: string): FileUIPart => ({
  type: "file",
  mediaType,
  filename,
  url: dataUrl(mediaType, bytes),
});

/** Every object the file bucket holds for a user. */
async function storedFiles(user = "alice"): Promise<string[]> {
  const listed = await env.FILES.list({ prefix: `users/${user}/files/` });
  return listed.objects.map((o) => o.key).sort();
}

async function sha256(bytes: Uint8Array): Promise<string> {
  return Array.from(new Uint8Array(await crypto.subtle.digest("SHA-256", bytes)), (b) => b.toString(16).padStart(2, "0")).join("");
}

function stockChat(id: string, token: string) {
  return new TestChat({
    id,
    transport: new DefaultChatTransport({
      api: `${ORIGIN}/api/chat`,
      headers: { authorization: `Bearer ${token}` },
      fetch: workerFetch,
    }),
  });
}

const answerText = (message: UIMessage | undefined) => (message?.parts ?? []).flatMap((p) => (p.type === "text" ? [p.text] : [])).join("");

async function upload(sessionId: string, mediaType: string, bytes: Uint8Array, filename: string, user = "alice") {
  return call(`/api/sessions/${sessionId}/files?filename=${encodeURIComponent(filename)}`, {
    method: "POST",
    user,
    body: bytes,
    headers: { "content-type": mediaType },
  });
}

describe("files in messages", () => {
  it("an image and a PDF as data URLs from the stock Chat: Claude gets an image and a document block; history serves the bytes", async () => {
    const id = newSessionId();
    const chat = stockChat(id, await tokenFor("alice"));
    await chat.sendMessage({
      text: "what are these fake:describe-files",
      files: [
        filePart("image/png", PNG, "dots.png"),
        filePart("application/pdf", PDF, "two pages.pdf"),
        filePart("text/plain", TEXT, "notes.txt"),
      ],
    });
    expect(chat.error).toBeUndefined();
    expect(answerText(chat.messages.at(-1)).split("\n")).toEqual([
      `image image/png ${PNG.byteLength} bytes`,
      `document application/pdf ${PDF.byteLength} bytes 2 pages`,
      `document text/plain ${new TextDecoder().decode(TEXT).length} chars title=notes.txt`,
      "text 34 chars",
    ]);

    const view = (await getSession(id)).body;
    await validateUIMessages({ messages: view.messages });
    const files = (view.messages[0] as UIMessage).parts.filter((p): p is FileUIPart => p.type === "file");
    expect(files.map((f) => [f.mediaType, f.filename])).toEqual([
      ["image/png", "dots.png"],
      ["application/pdf", "two pages.pdf"],
      ["text/plain", "notes.txt"],
    ]);
    // The links work without any header (as `<img src>` loads them), with the right type and name.
    const image = await exports.default.fetch(files[0]!.url);
    expect(image.status).toBe(200);
    expect(image.headers.get("content-type")).toBe("image/png");
    expect(image.headers.get("content-disposition")).toMatch(/^inline; filename="dots.png"/);
    expect(new Uint8Array(await image.arrayBuffer())).toEqual(PNG);
    const text = await exports.default.fetch(files[2]!.url);
    expect(text.headers.get("content-disposition")).toMatch(/^attachment;/);
    expect(await text.text()).toBe(new TextDecoder().decode(TEXT));

    // A later turn still shows Claude the files of the first message (every step and turn).
    await chat.sendMessage({ text: "and now fake:text tokens=2" });
    expect((await storedFiles()).length).toBeGreaterThanOrEqual(3);
  });

  it("by upload: the reference goes into the message part, and gives the same result as a data URL", async () => {
    const id = newSessionId();
    const res = await upload(id, "application/pdf", PDF, "report.pdf");
    expect(res.status).toBe(201);
    const uploaded = await res.json<any>();
    expect(uploaded).toEqual({
      url: `edgechat:file/${await sha256(PDF)}`,
      mediaType: "application/pdf",
      filename: "report.pdf",
      size: PDF.byteLength,
      sha256: await sha256(PDF),
    });
    const chat = stockChat(id, await tokenFor("alice"));
    await chat.sendMessage({
      text: "read it fake:describe-files",
      files: [{ type: "file", mediaType: "application/pdf", filename: "report.pdf", url: uploaded.url }],
    });
    expect(answerText(chat.messages.at(-1)).split("\n")[0]).toBe(`document application/pdf ${PDF.byteLength} bytes 2 pages`);
    const part = ((await getSession(id)).body.messages[0] as UIMessage).parts[0] as FileUIPart;
    expect(new Uint8Array(await (await exports.default.fetch(part.url)).arrayBuffer())).toEqual(PDF);
  });

  it("over the socket, through the same function: the same parts and blocks", async () => {
    const id = newSessionId();
    const socket = await TestSocket.open(id);
    const message = {
      id: "u-socket-file",
      role: "user",
      parts: [filePart("image/png", PNG, "a.png"), { type: "text", text: "see fake:describe-files" }],
    };
    socket.send({
      type: "send",
      requestId: "f",
      id,
      trigger: "submit-message",
      messages: [message],
      headers: {},
      body: {},
      metadata: undefined,
    });
    const frames = await socket.untilRequestEnds("f");
    expect(frames.at(-1)).toEqual({ type: "end", requestId: "f" });
    const view = (await getSession(id)).body;
    expect(answerText(view.messages.at(-1))).toBe(`image image/png ${PNG.byteLength} bytes\ntext 23 chars`);
  });

  it("the same file twice is one object; deleting a session deletes only the files no other session uses", async () => {
    const user = `files-${crypto.randomUUID().slice(0, 8)}`;
    const [a, b] = [newSessionId(), newSessionId()];
    const token = await tokenFor(user);
    for (const id of [a, b]) {
      const chat = stockChat(id, token);
      await chat.sendMessage({ text: "keep fake:text tokens=2", files: [filePart("image/png", PNG, "same.png")] });
      expect(chat.error).toBeUndefined();
    }
    // Both sessions, and the second message of session a, share one object.
    await stockChat(a, token).sendMessage({ text: "again fake:text tokens=2", files: [filePart("image/png", PNG, "same.png")] });
    const key = `users/${user}/files/${await sha256(PNG)}`;
    expect(await storedFiles(user)).toEqual([key]);
    const pdfRes = await upload(a, "application/pdf", PDF, "only-a.pdf", user);
    expect(pdfRes.status).toBe(201);
    expect(await storedFiles(user)).toHaveLength(2);

    expect((await call(`/api/sessions/${a}`, { method: "DELETE", user })).status).toBe(200);
    // b still uses the image; nothing uses a's upload any more.
    await expect.poll(() => storedFiles(user)).toEqual([key]);
    const part = ((await getSession(b, user)).body.messages[0] as UIMessage).parts[0] as FileUIPart;
    expect((await exports.default.fetch(part.url)).status).toBe(200);

    expect((await call(`/api/sessions/${b}`, { method: "DELETE", user })).status).toBe(200);
    await expect.poll(() => storedFiles(user)).toEqual([]);
    expect((await exports.default.fetch(part.url)).status).toBe(404);
  });

  it("a message read from history is edited with its files: history's link names the stored file, for its owner only", async () => {
    const id = newSessionId();
    const token = await tokenFor("alice");
    await stockChat(id, token).sendMessage({ text: "keep fake:text tokens=2", files: [filePart("application/pdf", PDF, "r.pdf")] });
    const objects = await storedFiles();
    // A reload: the stock Chat starts from history, whose file part carries a signed link.
    const history = (await getSession(id)).body.messages as UIMessage[];
    const [asked] = history;
    const files = asked!.parts.filter((p): p is FileUIPart => p.type === "file");
    expect(files[0]!.url).toMatch(/\/api\/files\//);
    const chat = new TestChat({
      id,
      messages: await validateUIMessages({ messages: history }),
      transport: new DefaultChatTransport({ api: `${ORIGIN}/api/chat`, headers: { authorization: `Bearer ${token}` }, fetch: workerFetch }),
    });
    // The page's edit: the same id, the new text, the message's files as they are.
    await chat.sendMessage({ text: "edited fake:describe-files", files, messageId: asked!.id });
    expect(chat.error).toBeUndefined();
    expect(answerText(chat.messages.at(-1)).split("\n")[0]).toBe(`document application/pdf ${PDF.byteLength} bytes 2 pages`);
    const edited = ((await getSession(id)).body.messages as UIMessage[])[0]!;
    expect(edited.parts.map((p) => p.type)).toEqual(["file", "text"]);
    expect(await storedFiles()).toEqual(objects);
    // Bob holding Alice's link names no file of his: refused, nothing stored for him.
    const other = newSessionId();
    const res = await call("/api/chat", {
      method: "POST",
      user: "bob",
      json: { id: other, messages: [{ id: "m1", role: "user", parts: [files[0], { type: "text", text: "mine?" }] }] },
    });
    expect(res.status).toBe(400);
    expect((await res.json<any>()).error.code).toBe("unknown_file");
    expect(await storedFiles("bob")).toEqual([]);
  });

  it("links that are forged, altered or expired are refused", async () => {
    const id = newSessionId();
    const chat = stockChat(id, await tokenFor("alice"));
    await chat.sendMessage({ text: "keep fake:text tokens=2", files: [filePart("image/png", PNG, "x.png")] });
    const url = (((await getSession(id)).body.messages[0] as UIMessage).parts[0] as FileUIPart).url;
    const [payload, signature] = url.slice(url.lastIndexOf("/") + 1).split(".");
    const altered = JSON.parse(atob(payload!.replaceAll("-", "+").replaceAll("_", "/")));
    const reencode = (value: unknown) => btoa(JSON.stringify(value)).replaceAll("+", "-").replaceAll("/", "_").replace(/=+$/, "");
    const cases = [
      `${ORIGIN}/api/files/${payload}.${signature!.slice(0, -2)}xx`,
      `${ORIGIN}/api/files/${reencode({ ...altered, u: "bob" })}.${signature}`,
      `${ORIGIN}/api/files/${reencode({ ...altered, e: altered.e + 3600 })}.${signature}`,
      `${ORIGIN}/api/files/not-a-token`,
    ];
    for (const forged of cases) {
      const res = await exports.default.fetch(forged);
      expect(res.status, forged).toBe(403);
      expect((await res.json<any>()).error.code).toBe("invalid_file_link");
    }
  });
});

describe("bad files are refused and store nothing", () => {
  it("each with its own code, over HTTP: no message, no object", async () => {
    const id = newSessionId();
    const chat = stockChat(id, await tokenFor("alice"));
    await chat.sendMessage({ text: "baseline fake:text tokens=2" });
    const before = { history: (await getSession(id)).body, objects: await storedFiles() };
    const bobUpload = await (await upload(newSessionId(), "image/png", new Uint8Array([...PNG, 1, 2, 3]), "bob.png", "bob")).json<any>();
    const send = (parts: unknown[]) =>
      call("/api/chat", { method: "POST", json: { id, messages: [{ id: `u-${crypto.randomUUID().slice(0, 8)}`, role: "user", parts }] } });
    const text = { type: "text", text: "look" };
    const big = new Uint8Array(5 * 1024 * 1024 + 1);
    big.set(PNG.subarray(0, 8));
    const cases: Array<[string, unknown[], number, string]> = [
      ["a PNG declared as JPEG", [{ ...filePart("image/png", PNG, "x"), mediaType: "image/jpeg" }, text], 415, "file_type_mismatch"],
      [
        "binary bytes declared as text",
        [filePart("text/plain", new Uint8Array([0x4d, 0x5a, 0, 1, 2]), "x.txt"), text],
        415,
        "file_type_mismatch",
      ],
      [
        "a type that is not allowed",
        [filePart("application/zip", new Uint8Array([0x50, 0x4b, 3, 4]), "x.zip"), text],
        415,
        "unsupported_file_type",
      ],
      ["a corrupt data URL", [{ type: "file", mediaType: "image/png", url: "data:image/png;base64,@@@" }, text], 400, "invalid_file"],
      ["not a data URL", [{ type: "file", mediaType: "image/png", url: "https://example.com/x.png" }, text], 400, "invalid_file"],
      ["an image over 5 MB", [filePart("image/png", big, "big.png"), text], 413, "file_too_large"],
      ["21 files", [...Array.from({ length: 21 }, () => filePart("image/png", PNG, "x.png")), text], 413, "too_many_files"],
      ["another user's upload", [{ type: "file", mediaType: "image/png", url: bobUpload.url }, text], 400, "unknown_file"],
    ];
    for (const [name, parts, status, code] of cases) {
      const res = await send(parts);
      expect(res.status, name).toBe(status);
      expect((await res.json<any>()).error.code, name).toBe(code);
    }
    expect((await getSession(id)).body).toEqual(before.history);
    expect(await storedFiles()).toEqual(before.objects);
  });

  it("a refused upload stores nothing", async () => {
    const id = newSessionId();
    const before = await storedFiles();
    expect((await upload(id, "image/jpeg", PNG, "lying.jpg")).status).toBe(415);
    expect((await upload(id, "application/x-msdownload", PNG, "x.exe")).status).toBe(415);
    expect((await upload(id, "image/png", new Uint8Array(), "empty.png")).status).toBe(400);
    expect(await storedFiles()).toEqual(before);
    expect((await getSession(id)).status).toBe(404);
  });
});
