import { runDurableObjectAlarm, runInDurableObject } from "cloudflare:test";
import { env, exports } from "cloudflare:workers";
import type { FileUIPart, UIMessage } from "ai";
import { describe, expect, it, onTestFinished } from "vitest";
import { call, getSession, newSessionId } from "./support/api";
import { captureLogs } from "./support/capture-logs";

/**
 * A file's deletion is owed until it succeeds (pending_file_deletions in the user's index object):
 * a failed R2 delete is retried by the index's alarm, and a new use of the file wins over its owed
 * deletion. Local R2 does not fail on its own, so these tests make the index object's R2 deletes fail
 * or wait: its `FILES` binding is wrapped for the test (the index object reads its binding from its
 * env on every delete; nothing else of the bucket changes, and the wrapper is not in the Worker).
 * Everything else goes through the public API; the alarm runs by runDurableObjectAlarm after the
 * owed rows are made due (a retry's backoff is minutes of real time).
 */

const unique = () => crypto.randomUUID().slice(0, 8);
const PNG = new Uint8Array([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, ...Array.from({ length: 300 }, (_, i) => (i * 7) % 251)]);
/** A PDF whose bytes no other test has. */
const pdf = () => new TextEncoder().encode(`%PDF-1.4\n% ${crypto.randomUUID()}\n1 0 obj << /Type /Page >> endobj\n%%EOF\n`);

function dataUrl(mediaType: string, bytes: Uint8Array): string {
  return `data:${mediaType};base64,${btoa(String.fromCharCode(...bytes))}`;
}

const filePart = (mediaType: string, bytes: Uint8Array, filename: string) => ({
  type: "file",
  mediaType,
  filename,
  url: dataUrl(mediaType, bytes),
});

async function sha256(bytes: Uint8Array): Promise<string> {
  return Array.from(new Uint8Array(await crypto.subtle.digest("SHA-256", bytes)), (b) => b.toString(16).padStart(2, "0")).join("");
}

async function storedFiles(user: string): Promise<string[]> {
  return (await env.FILES.list({ prefix: `users/${user}/files/` })).objects.map((o) => o.key).sort();
}

/** Sends a user message with these file parts over HTTP and reads its answer to the end. */
async function sendFiles(user: string, sessionId: string, parts: unknown[]): Promise<{ status: number; text: string }> {
  const res = await call("/api/chat", {
    method: "POST",
    user,
    json: {
      id: sessionId,
      messages: [{ id: `m-${unique()}`, role: "user", parts: [...parts, { type: "text", text: "keep fake:text tokens=2" }] }],
    },
  });
  return { status: res.status, text: await res.text() };
}

const indexObject = (user: string) => env.USER_SESSIONS.get(env.USER_SESSIONS.idFromName(user));

interface OwedRow {
  kind: string;
  target: string;
  attempts: number;
}

async function owed(user: string): Promise<OwedRow[]> {
  return runInDurableObject(indexObject(user), (_instance, state) =>
    state.storage.sql
      .exec<OwedRow & Record<string, SqlStorageValue>>("SELECT kind, target, attempts FROM pending_file_deletions ORDER BY id")
      .toArray(),
  );
}

/** Makes every owed deletion due now (the backoff has passed), then runs the index's alarm. */
async function retryNow(user: string): Promise<boolean> {
  await runInDurableObject(indexObject(user), (_instance, state) => {
    state.storage.sql.exec("UPDATE pending_file_deletions SET next_attempt_at = 0");
  });
  return runDurableObjectAlarm(indexObject(user));
}

/**
 * Wraps this user's index object's R2 deletes for this test: `delete` calls `remove` with the real
 * bucket. Only that object's env is replaced (the Worker's and other objects' stay as they are), and
 * restored when the test ends.
 */
async function wrapDeletes(user: string, remove: (real: R2Bucket, keys: string | string[]) => Promise<void>): Promise<void> {
  await runInDurableObject(indexObject(user), (instance) => {
    const holder = instance as unknown as { env: Record<string, unknown> & { FILES: R2Bucket } };
    const original = holder.env;
    const real = original.FILES;
    const wrapped = new Proxy(real, {
      get: (target, property) => {
        if (property === "delete") return (keys: string | string[]) => remove(target, keys);
        const value: unknown = Reflect.get(target, property, target);
        // The binding's methods check their receiver: call them on the real bucket.
        return typeof value === "function" ? value.bind(target) : value;
      },
    });
    holder.env = { ...original, FILES: wrapped };
    onTestFinished(() => {
      holder.env = original;
    });
  });
}

/** R2 deletes that fail `times` times (as in an R2 outage), then go through. */
function failing(times: number) {
  let left = times;
  return async (real: R2Bucket, keys: string | string[]) => {
    if (left > 0) {
      left -= 1;
      throw new Error("R2 delete failed: We encountered an internal error. Please try again. (10001)");
    }
    await real.delete(keys);
  };
}

/** A promise to wait on and the function that settles it. */
function gate(): { promise: Promise<void>; resolve: () => void } {
  let resolve = () => {};
  const promise = new Promise<void>((r) => {
    resolve = r;
  });
  return { promise, resolve };
}

/**
 * Deletes a session whose files' R2 delete is then held in flight: resolves once that delete was
 * sent, with the function that lets it land.
 */
async function deleteSessionWithR2DeleteHeld(user: string, sessionId: string): Promise<{ resolve: () => void }> {
  const sent = gate();
  const land = gate();
  await wrapDeletes(user, async (real, keys) => {
    sent.resolve();
    await land.promise;
    await real.delete(keys);
  });
  expect((await call(`/api/sessions/${sessionId}`, { method: "DELETE", user })).status).toBe(200);
  await sent.promise;
  return land;
}

/** A link from a session's history to the first file of its first message. */
async function historyLink(user: string, sessionId: string): Promise<string> {
  const message = (await getSession(sessionId, user)).body.messages[0] as UIMessage;
  return (message.parts.find((p) => p.type === "file") as FileUIPart).url;
}

/** The user's bucket holds this file alone, and the session's history link serves its bytes. */
async function expectKeptAndServed(user: string, sessionId: string, bytes: Uint8Array): Promise<void> {
  expect(await storedFiles(user)).toEqual([`users/${user}/files/${await sha256(bytes)}`]);
  const res = await exports.default.fetch(await historyLink(user, sessionId));
  expect(res.status).toBe(200);
  expect(new Uint8Array(await res.arrayBuffer())).toEqual(bytes);
}

describe("a failed file delete is owed, not orphaned", () => {
  it("an R2 delete that fails is retried by the alarm until the object is gone; a file another session uses is never deleted", async () => {
    const logs = captureLogs(["file_delete_failed"]);
    const user = `del-${unique()}`;
    const [a, b] = [newSessionId(), newSessionId()];
    const doc = pdf();
    expect(
      (await sendFiles(user, a, [filePart("image/png", PNG, "shared.png"), filePart("application/pdf", doc, "only-a.pdf")])).status,
    ).toBe(200);
    expect((await sendFiles(user, b, [filePart("image/png", PNG, "shared.png")])).status).toBe(200);
    const [pngKey, pdfKey] = [`users/${user}/files/${await sha256(PNG)}`, `users/${user}/files/${await sha256(doc)}`];
    expect(await storedFiles(user)).toEqual([pngKey, pdfKey].sort());
    await wrapDeletes(user, failing(2));

    expect((await call(`/api/sessions/${a}`, { method: "DELETE", user })).status).toBe(200);
    await expect.poll(() => logs.events().length).toBe(1);
    expect(logs.events()[0]).toMatchObject({ event: "file_delete_failed", kind: "r2_object", target: pdfKey, attempts: 1 });
    expect(await owed(user)).toEqual([{ kind: "r2_object", target: pdfKey, attempts: 1 }]);
    expect(await storedFiles(user)).toEqual([pngKey, pdfKey].sort());

    // The second try fails too; the third deletes it, and nothing is owed (no alarm is left).
    expect(await retryNow(user)).toBe(true);
    expect(await owed(user)).toEqual([{ kind: "r2_object", target: pdfKey, attempts: 2 }]);
    expect(logs.events().map((e) => e.attempts)).toEqual([1, 2]);
    expect(await storedFiles(user)).toEqual([pngKey, pdfKey].sort());
    expect(await retryNow(user)).toBe(true);
    expect(await owed(user)).toEqual([]);
    expect(await storedFiles(user)).toEqual([pngKey]);
    expect(await runDurableObjectAlarm(indexObject(user))).toBe(false);

    // b's image was never owed: its link still serves it.
    const res = await exports.default.fetch(await historyLink(user, b));
    expect(res.status).toBe(200);
    expect(new Uint8Array(await res.arrayBuffer())).toEqual(PNG);
  });

  it("a file attached again while its delete is owed keeps its bytes: the owed delete is cancelled and its link serves it", async () => {
    const logs = captureLogs(["file_delete_failed"]);
    const user = `del-${unique()}`;
    const [a, c] = [newSessionId(), newSessionId()];
    const doc = pdf();
    expect((await sendFiles(user, a, [filePart("application/pdf", doc, "d.pdf")])).status).toBe(200);
    await wrapDeletes(user, failing(1));
    expect((await call(`/api/sessions/${a}`, { method: "DELETE", user })).status).toBe(200);
    await expect.poll(() => logs.events().length).toBe(1);
    expect(await owed(user)).toHaveLength(1);

    expect((await sendFiles(user, c, [filePart("application/pdf", doc, "again.pdf")])).status).toBe(200);
    expect(await owed(user)).toEqual([]);
    // The retry that would have deleted it finds nothing owed.
    await retryNow(user);
    await expectKeptAndServed(user, c, doc);
  });

  it("a file attached again while its R2 delete is in flight is written again after the delete lands", async () => {
    const user = `del-${unique()}`;
    const [a, c] = [newSessionId(), newSessionId()];
    const doc = pdf();
    expect((await sendFiles(user, a, [filePart("application/pdf", doc, "d.pdf")])).status).toBe(200);
    const land = await deleteSessionWithR2DeleteHeld(user, a);

    // The new use comes in while the delete is in flight: it cancels the owed row at once, and the
    // message is stored only after the delete has landed, with its bytes written again.
    const attached = sendFiles(user, c, [filePart("application/pdf", doc, "again.pdf")]);
    await expect.poll(() => owed(user)).toEqual([]);
    land.resolve();
    expect((await attached).status).toBe(200);
    await expectKeptAndServed(user, c, doc);
  });

  it("a reference to an uploaded file whose R2 delete lands meanwhile is unknown_file, and keeps no use", async () => {
    const user = `del-${unique()}`;
    const [a, c] = [newSessionId(), newSessionId()];
    const doc = pdf();
    const uploaded = await call(`/api/sessions/${a}/files?filename=d.pdf`, {
      method: "POST",
      user,
      body: doc,
      headers: { "content-type": "application/pdf" },
    });
    expect(uploaded.status).toBe(201);
    const { url } = await uploaded.json<{ url: string }>();
    const land = await deleteSessionWithR2DeleteHeld(user, a);

    // The reference's HEAD still finds the object; the delete lands before the message is admitted.
    const attached = sendFiles(user, c, [{ type: "file", mediaType: "application/pdf", filename: "d.pdf", url }]);
    await expect.poll(() => owed(user)).toEqual([]);
    land.resolve();
    const res = await attached;
    expect(res.status).toBe(400);
    expect(JSON.parse(res.text).error.code).toBe("unknown_file");
    expect(await storedFiles(user)).toEqual([]);
    const uses = await runInDurableObject(
      indexObject(user),
      (_i, state) => state.storage.sql.exec("SELECT count(*) AS n FROM file_refs").one().n,
    );
    expect(uses).toBe(0);
  });
});
