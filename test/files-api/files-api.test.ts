import { runDurableObjectAlarm, runInDurableObject } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { DefaultChatTransport, type UIMessage } from "ai";
import { describe, expect, it } from "vitest";
import { call, newSessionId, ORIGIN, tokenFor, workerFetch } from "../support/api";
import { captureLogs } from "../support/capture-logs";
import { TestChat } from "../support/chat-client";

/**
 * ANTHROPIC_FILES_API=on (this project's Worker): images and PDFs reach the model by Files API id,
 * uploaded once per user and content. What reached the model is read from the fake's describe-files
 * answer, and what was uploaded or deleted from its Files API list (GET /v1/files), as an operator
 * would see it in the console. Every test makes its own bytes, so its uploads are its own.
 */

const FAKE = "http://anthropic.fake";
const FILES_BETA = { "x-api-key": "test-anthropic-key", "anthropic-beta": "files-api-2025-04-14" };

const unique = () => crypto.randomUUID();
/** A PNG (by its signature) whose bytes no other test has. */
const png = () => new Uint8Array([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, ...new TextEncoder().encode(`${unique()}`.repeat(20))]);
/** A two-page PDF whose bytes no other test has; `extra` goes into a comment. */
const pdf = (extra = "") =>
  new TextEncoder().encode(
    `%PDF-1.4\n% ${unique()} ${extra}\n1 0 obj << /Type /Page >> endobj\n2 0 obj << /Type /Page >> endobj\n3 0 obj << /Type /Pages /Kids [1 0 R 2 0 R] >> endobj\n%%EOF\n`,
  );
const TEXT = new TextEncoder().encode("line one\nline two\n");

function dataUrl(mediaType: string, bytes: Uint8Array): string {
  return `data:${mediaType};base64,${btoa(String.fromCharCode(...bytes))}`;
}

const file = (mediaType: string, bytes: Uint8Array, filename: string) => ({
  type: "file" as const,
  mediaType,
  filename,
  url: dataUrl(mediaType, bytes),
});

async function sha256(bytes: Uint8Array): Promise<string> {
  return Array.from(new Uint8Array(await crypto.subtle.digest("SHA-256", bytes)), (b) => b.toString(16).padStart(2, "0")).join("");
}

/** The upstream name of a file's upload: its content hash and extension. */
const uploadName = async (bytes: Uint8Array, ext: string) => `${await sha256(bytes)}.${ext}`;

interface FileMetadata {
  id: string;
  filename: string;
  mime_type: string;
  size_bytes: number;
}

/** The fake's uploads with these names, as the Files API lists them. */
async function uploads(...names: string[]): Promise<FileMetadata[]> {
  const res = await fetch(`${FAKE}/v1/files?limit=1000`, { headers: FILES_BETA });
  expect(res.status).toBe(200);
  const { data } = await res.json<{ data: FileMetadata[] }>();
  return data.filter((f) => names.includes(f.filename));
}

function stockChat(id: string, token: string) {
  return new TestChat({
    id,
    transport: new DefaultChatTransport({ api: `${ORIGIN}/api/chat`, headers: { authorization: `Bearer ${token}` }, fetch: workerFetch }),
  });
}

const indexObject = (user: string) => env.USER_SESSIONS.get(env.USER_SESSIONS.idFromName(user));

/** The deletions the user's index object still owes. */
async function owed(user: string): Promise<{ kind: string; target: string; attempts: number }[]> {
  return runInDurableObject(indexObject(user), (_instance, state) =>
    state.storage.sql
      .exec<{ kind: string; target: string; attempts: number }>("SELECT kind, target, attempts FROM pending_file_deletions ORDER BY id")
      .toArray(),
  );
}

/** Makes every owed deletion due now (its backoff has passed), then runs the index object's alarm. */
async function retryNow(user: string): Promise<boolean> {
  await runInDurableObject(indexObject(user), (_instance, state) => {
    state.storage.sql.exec("UPDATE pending_file_deletions SET next_attempt_at = 0");
  });
  return runDurableObjectAlarm(indexObject(user));
}

const answerText = (message: UIMessage | undefined) => (message?.parts ?? []).flatMap((p) => (p.type === "text" ? [p.text] : [])).join("");

describe("files by Files API id", () => {
  it("a PDF and an image reach the model as file-id blocks, uploaded once: later turns and other sessions of the user reuse them", async () => {
    const user = `fapi-${unique().slice(0, 8)}`;
    const token = await tokenFor(user);
    const [image, doc] = [png(), pdf()];
    const names = [await uploadName(image, "png"), await uploadName(doc, "pdf")];
    const chat = stockChat(newSessionId(), token);
    await chat.sendMessage({
      text: "what are these fake:describe-files",
      files: [file("image/png", image, "dots.png"), file("application/pdf", doc, "two pages.pdf"), file("text/plain", TEXT, "notes.txt")],
    });
    expect(chat.error).toBeUndefined();
    expect(answerText(chat.messages.at(-1)).split("\n")).toEqual([
      `image image/png ${image.byteLength} bytes by file_id`,
      `document application/pdf ${doc.byteLength} bytes 2 pages by file_id`,
      // Text files stay inline.
      `document text/plain ${TEXT.byteLength} chars title=notes.txt`,
      "text 34 chars",
    ]);
    const first = await uploads(...names);
    expect(first.map((f) => [f.filename, f.mime_type, f.size_bytes]).sort()).toEqual(
      [
        [names[0], "image/png", image.byteLength],
        [names[1], "application/pdf", doc.byteLength],
      ].sort(),
    );

    // A later turn (its context still attaches both) and a message attaching them again: no new upload.
    await chat.sendMessage({ text: "and now fake:text tokens=2" });
    expect(chat.error).toBeUndefined();
    await chat.sendMessage({ text: "again fake:describe-files", files: [file("application/pdf", doc, "same.pdf")] });
    expect(answerText(chat.messages.at(-1)).split("\n")[0]).toBe(`document application/pdf ${doc.byteLength} bytes 2 pages by file_id`);
    // Another session of the same user.
    const other = stockChat(newSessionId(), token);
    await other.sendMessage({ text: "this one fake:describe-files", files: [file("image/png", image, "copy.png")] });
    expect(answerText(other.messages.at(-1)).split("\n")[0]).toBe(`image image/png ${image.byteLength} bytes by file_id`);
    expect((await uploads(...names)).map((f) => f.id).sort()).toEqual(first.map((f) => f.id).sort());

    // Another user's session uploads its own copy: ids are per user.
    const stranger = stockChat(newSessionId(), await tokenFor(`${user}-other`));
    await stranger.sendMessage({ text: "mine fake:describe-files", files: [file("image/png", image, "x.png")] });
    expect(answerText(stranger.messages.at(-1)).split("\n")[0]).toBe(`image image/png ${image.byteLength} bytes by file_id`);
    expect(await uploads(names[0]!)).toHaveLength(2);
  });

  it("two first uses at once keep one upload", async () => {
    const token = await tokenFor(`fapi-${unique().slice(0, 8)}`);
    const doc = pdf();
    const chats = [stockChat(newSessionId(), token), stockChat(newSessionId(), token)];
    await Promise.all(
      chats.map((chat) => chat.sendMessage({ text: "read fake:describe-files", files: [file("application/pdf", doc, "a.pdf")] })),
    );
    for (const chat of chats) {
      expect(answerText(chat.messages.at(-1)).split("\n")[0]).toBe(`document application/pdf ${doc.byteLength} bytes 2 pages by file_id`);
    }
    // Whether or not the two uploads raced, one is left: the extra one is deleted upstream.
    await expect.poll(async () => (await uploads(await uploadName(doc, "pdf"))).length).toBe(1);
  });

  it("deleting sessions deletes an upload exactly when its file's last use goes", async () => {
    const user = `fapi-${unique().slice(0, 8)}`;
    const token = await tokenFor(user);
    const [image, doc] = [png(), pdf()];
    const [imageName, docName] = [await uploadName(image, "png"), await uploadName(doc, "pdf")];
    const [a, b] = [newSessionId(), newSessionId()];
    await stockChat(a, token).sendMessage({
      text: "both fake:text tokens=2",
      files: [file("image/png", image, "i.png"), file("application/pdf", doc, "d.pdf")],
    });
    await stockChat(b, token).sendMessage({ text: "image only fake:text tokens=2", files: [file("image/png", image, "i.png")] });
    expect(await uploads(imageName, docName)).toHaveLength(2);

    expect((await call(`/api/sessions/${a}`, { method: "DELETE", user })).status).toBe(200);
    await expect.poll(async () => (await uploads(imageName, docName)).map((f) => f.filename)).toEqual([imageName]);
    expect((await call(`/api/sessions/${b}`, { method: "DELETE", user })).status).toBe(200);
    await expect.poll(async () => await uploads(imageName, docName)).toEqual([]);
  });

  it("an upload whose delete fails is owed and retried by the alarm until it is gone; a new use uploads anew, another session's upload is kept", async () => {
    const logs = captureLogs(["file_delete_failed"]);
    const user = `fapi-${unique().slice(0, 8)}`;
    const token = await tokenFor(user);
    // The fake answers this upload's first two deletes with a 500, as in an outage.
    const [image, doc] = [png(), pdf("fake:fail-deletes=2")];
    const [imageName, docName] = [await uploadName(image, "png"), await uploadName(doc, "pdf")];
    const [a, b, c] = [newSessionId(), newSessionId(), newSessionId()];
    await stockChat(a, token).sendMessage({
      text: "both fake:text tokens=2",
      files: [file("image/png", image, "i.png"), file("application/pdf", doc, "d.pdf")],
    });
    await stockChat(b, token).sendMessage({ text: "image only fake:text tokens=2", files: [file("image/png", image, "i.png")] });
    const [lost] = await uploads(docName);

    expect((await call(`/api/sessions/${a}`, { method: "DELETE", user })).status).toBe(200);
    await expect.poll(() => logs.events().length).toBe(1);
    expect(logs.events()[0]).toMatchObject({ event: "file_delete_failed", kind: "anthropic_file", target: lost!.id, attempts: 1 });
    expect(await owed(user)).toEqual([{ kind: "anthropic_file", target: lost!.id, attempts: 1 }]);
    // Its R2 object went (that delete succeeded); its upload is still there, owed.
    expect(await env.FILES.head(`users/${user}/files/${await sha256(doc)}`)).toBeNull();
    expect((await uploads(docName)).map((f) => f.id)).toEqual([lost!.id]);

    // A new use while the old upload is owed gets no id (it was taken with the last use): it uploads anew.
    const again = stockChat(c, token);
    await again.sendMessage({ text: "again fake:describe-files", files: [file("application/pdf", doc, "d.pdf")] });
    expect(answerText(again.messages.at(-1)).split("\n")[0]).toBe(`document application/pdf ${doc.byteLength} bytes 2 pages by file_id`);
    const renewed = (await uploads(docName)).map((f) => f.id).filter((id) => id !== lost!.id);
    expect(renewed).toHaveLength(1);

    expect(await retryNow(user)).toBe(true);
    expect(await owed(user)).toEqual([{ kind: "anthropic_file", target: lost!.id, attempts: 2 }]);
    expect(await retryNow(user)).toBe(true);
    expect(await owed(user)).toEqual([]);
    expect(logs.events().map((e) => e.attempts)).toEqual([1, 2]);
    // The old upload is gone; the new one and b's image stay.
    expect((await uploads(docName)).map((f) => f.id)).toEqual(renewed);
    expect(await uploads(imageName)).toHaveLength(1);
  });

  it("an id the API no longer knows is forgotten and the file uploaded again, once: the turn succeeds", async () => {
    const logs = captureLogs(["anthropic_file_reuploaded"]);
    const id = newSessionId();
    const chat = stockChat(id, await tokenFor(`fapi-${unique().slice(0, 8)}`));
    const doc = pdf();
    const name = await uploadName(doc, "pdf");
    await chat.sendMessage({ text: "read fake:text tokens=2", files: [file("application/pdf", doc, "d.pdf")] });
    const [lost] = await uploads(name);
    // Deleted upstream behind the service's back (expired, or removed in the console).
    expect((await fetch(`${FAKE}/v1/files/${lost!.id}`, { method: "DELETE", headers: FILES_BETA })).status).toBe(200);

    await chat.sendMessage({ text: "again fake:text tokens=2" });
    expect(chat.error).toBeUndefined();
    expect(chat.messages.at(-1)?.parts.some((p) => p.type === "text" && p.text.startsWith("Echo"))).toBe(true);
    const [again] = await uploads(name);
    expect(again?.id).toBeDefined();
    expect(again?.id).not.toBe(lost!.id);
    expect(logs.events(id)).toEqual([{ event: "anthropic_file_reuploaded", session: id, files: 1 }]);

    // The new id is the one kept: the next turn uploads nothing.
    await chat.sendMessage({ text: "and again fake:text tokens=2" });
    expect((await uploads(name)).map((f) => f.id)).toEqual([again!.id]);
  });

  it("an upload the API refuses fails the turn with the usual masked upstream error", async () => {
    const logs = captureLogs(["agent_failure", "turn_failed"]);
    const id = newSessionId();
    const chat = stockChat(id, await tokenFor(`fapi-${unique().slice(0, 8)}`));
    await chat.sendMessage({ text: "read fake:text tokens=2", files: [file("application/pdf", pdf("fake:refuse-upload"), "d.pdf")] });
    // The provider's own text ("upload refused") stays in the log.
    expect(chat.error?.message).toBe("The model provider returned an error.");
    expect(logs.events(id)).toMatchObject([
      { event: "agent_failure", session: id, code: "upstream_error", detail: expect.stringContaining("upload refused") },
      { event: "turn_failed", session: id, code: "upstream_error" },
    ]);
  });
});
