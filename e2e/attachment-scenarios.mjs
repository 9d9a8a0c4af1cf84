// Issue 14 on the chat page: files attached by the button, a paste and a drop, sent with a message,
// shown as thumbnails and chips in the composer and the conversation (live and after a reload), and
// refused files explained with the draft kept. The fake upstream's `fake:describe-files` answers with
// one line per content block it received, so the test sees exactly what reached the model.
import { ChatPage, TIMEOUT_MS } from "./chat-page.mjs";
import { check } from "./harness.mjs";
import { png } from "./png.mjs";

const USER = '[data-testid="message"][data-role="user"]';
/** A small gradient: goes inside the message as a data URL. */
const SMALL_PNG = png(96, 64, (x, y) => [x * 2, y * 3, 180]);
/** Noise, stored without compression: over the page's 1 MiB inline limit, so it is uploaded first. */
const BIG_PNG = png(640, 600, () => [Math.random() * 256, Math.random() * 256, Math.random() * 256], 0);
/**
 * The fake upstream counts a prompt's tokens as its JSON's characters / 4, base64 included (the real
 * API counts an image by its pixels): the noise image alone would pass its default 200,000-token window.
 */
const DESCRIBE = "fake:describe-files max_context=2000000";
const NOTES = "Meeting notes\n- ship the attach button\n- check the thumbnails\n";

/** Pastes (or drops) a file into the composer as a browser does: an event carrying a DataTransfer. */
async function putFile(chat, how, { name, type, text }) {
  await chat.page.evaluate(
    ([how, name, type, text]) => {
      const data = new DataTransfer();
      data.items.add(new File([text], name, { type }));
      if (how === "paste") {
        document
          .querySelector('[data-testid="composer-input"]')
          .dispatchEvent(new ClipboardEvent("paste", { clipboardData: data, bubbles: true, cancelable: true }));
      } else {
        const form = document.querySelector("form.composer");
        form.dispatchEvent(new DragEvent("dragover", { dataTransfer: data, bubbles: true, cancelable: true }));
        form.dispatchEvent(new DragEvent("drop", { dataTransfer: data, bubbles: true, cancelable: true }));
      }
    },
    [how, name, type, text],
  );
}

/** Waits until every image in `selector` has loaded (a broken or unauthorised link never gets a width). */
async function waitForImages(chat, selector, count) {
  await chat.page.waitForFunction(
    ([selector, count]) => {
      const images = [...document.querySelectorAll(selector)];
      return images.length === count && images.every((img) => img.complete && img.naturalWidth > 0);
    },
    [selector, count],
    { timeout: TIMEOUT_MS },
  );
}

function onBoth(name, run) {
  return [
    { name: `${name} (laptop)`, run: (context) => run({ ...context, device: "laptop" }) },
    { name: `${name} (phone)`, device: "phone", run: (context) => run({ ...context, device: "phone" }) },
  ];
}

export const attachmentScenarios = [
  ...onBoth(
    "attaches images by the button and a text file by paste, sends them, shows them, and the model gets them",
    async ({ browserContext, baseUrl, shot, device }) => {
      const chat = new ChatPage(await browserContext.newPage(), baseUrl);
      await chat.openNew();
      await chat.page.getByTestId("attach-input").setInputFiles([
        { name: "gradient.png", mimeType: "image/png", buffer: SMALL_PNG },
        { name: "noise.png", mimeType: "image/png", buffer: BIG_PNG },
      ]);
      await putFile(chat, "paste", { name: "notes.txt", type: "text/plain", text: NOTES });
      await waitForImages(chat, ".attachment-thumb", 2);
      check((await chat.page.getByTestId("attachment").count()) === 3, "three files in the composer");
      check(
        (await chat.page.locator('[data-testid="attachment"][data-name="notes.txt"]').textContent()).includes("notes.txt"),
        "a chip names the text file",
      );
      await chat.page.getByTestId("composer-input").fill(DESCRIBE);
      await chat.screenshot(shot(`attachments-composer-${device}`));

      const uploads = [];
      chat.page.on("request", (request) => {
        if (request.method() === "POST" && /\/api\/sessions\/[^/]+\/files\?/.test(request.url()))
          uploads.push(new URL(request.url()).searchParams.get("filename"));
      });
      await chat.page.getByTestId("send").click();
      const sent = chat.page.locator(USER).last();
      await sent.locator('[data-testid="file-chip"][data-name="notes.txt"]').waitFor({ timeout: TIMEOUT_MS });
      await waitForImages(chat, `${USER} [data-testid="file-image"] img`, 2);
      check((await chat.page.getByTestId("attachment").count()) === 0, "the composer is empty after the send");
      const lines = [
        `image image/png ${SMALL_PNG.length} bytes`,
        `image image/png ${BIG_PNG.length} bytes`,
        `document text/plain ${NOTES.length} chars title=notes.txt`,
      ];
      for (const line of lines) await chat.waitForAnswerText(line);
      await chat.waitStatus("ready");
      await chat.screenshot(shot(`attachments-sent-${device}`));
      check(
        uploads.length === 1 && uploads[0] === "noise.png",
        `only the large image went through the upload route (${uploads.join(", ")})`,
      );

      // After a reload the files come from history: signed links the browser loads without a token.
      await chat.reload();
      await waitForImages(chat, `${USER} [data-testid="file-image"] img`, 2);
      const sources = await chat.page
        .locator(`${USER} [data-testid="file-image"] img`)
        .evaluateAll((images) => images.map((img) => img.src));
      check(
        sources.every((src) => src.startsWith(`${baseUrl}/api/files/`)),
        `history's images load from signed links (${sources.map((s) => s.slice(0, 60)).join(", ")})`,
      );
      const chip = chat.page.locator(`${USER} [data-testid="file-chip"][data-name="notes.txt"]`);
      check((await chip.getAttribute("href"))?.includes("/api/files/"), "the text file's chip links to it");

      // An edit after the reload keeps the message's files: they go back as history's links, which name
      // the stored files, and the new version's answer shows the model got them again.
      const piece = chat.page.locator(`.turn-piece:has(${USER}), .turn-piece:has([data-testid="message-editor"])`).first();
      await piece.getByTestId("edit").click();
      await piece.getByTestId("edit-input").fill(`${DESCRIBE} again`);
      await piece.getByTestId("edit-save").click();
      await piece.locator('[data-testid="branch-switcher"][data-index="1"][data-count="2"]').waitFor({ timeout: TIMEOUT_MS });
      await chat.waitStatus("ready");
      for (const line of lines) await chat.waitForAnswerText(line);
      check((await chat.page.getByTestId("chat-error").count()) === 0, "the edit with its files was accepted");
      await waitForImages(chat, `${USER} [data-testid="file-image"] img`, 2);
    },
  ),
  {
    name: "a refused file is explained and the draft and its files stay",
    async run({ browserContext, baseUrl, shot }) {
      const chat = new ChatPage(await browserContext.newPage(), baseUrl);
      await chat.openNew();
      await chat.page.getByTestId("composer-input").fill("keep this draft");
      // A type that cannot be attached at all: refused at once, by the page.
      await putFile(chat, "drop", { name: "archive.zip", type: "application/zip", text: "PK\u0003\u0004 not really" });
      const attachError = chat.page.getByTestId("attach-error");
      await attachError.waitFor({ timeout: TIMEOUT_MS });
      check((await attachError.textContent()).includes("archive.zip cannot be attached"), "the error names the file and why");
      check((await chat.page.getByTestId("attachment").count()) === 0, "the zip is not attached");
      check((await chat.page.getByTestId("composer-input").inputValue()) === "keep this draft", "the draft stays");

      // A file whose bytes are not what its type says: only the server can tell (file_type_mismatch).
      await chat.page
        .getByTestId("attach-input")
        .setInputFiles([{ name: "photo.png", mimeType: "image/png", buffer: Buffer.from("this is text, not a PNG") }]);
      await chat.page.locator('[data-testid="attachment"][data-name="photo.png"]').waitFor({ timeout: TIMEOUT_MS });
      await chat.page.getByTestId("send").click();
      const banner = chat.page.getByTestId("chat-error");
      await banner.waitFor({ timeout: TIMEOUT_MS });
      const text = await banner.textContent();
      check(text.includes("Not sent") && text.includes("not image/png"), `the banner says why (got ${text})`);
      await chat.page.locator('[data-testid="attachment"][data-name="photo.png"]').waitFor({ timeout: TIMEOUT_MS });
      check((await chat.page.getByTestId("composer-input").inputValue()) === "keep this draft", "the draft is back");
      // The refused message leaves the conversation once the page has handled the error (not
      // necessarily in the same frame as the banner): waited for, then checked.
      await chat.page
        .locator(USER)
        .first()
        .waitFor({ state: "detached", timeout: TIMEOUT_MS })
        .catch(() => {});
      check((await chat.page.locator(USER).count()) === 0, "nothing was added to the conversation");
      await chat.screenshot(shot("attachments-refused"));
    },
  },
];
