// Issue 13: what users of any chat product expect on day one, each checked on a laptop and on a
// phone. The fake upstream picks its behaviour from a `fake:` directive (fake-anthropic/).
import { ChatPage, storedAnswerText, storedSession, TIMEOUT_MS } from "./chat-page.mjs";
import { check } from "./harness.mjs";
import { signToken } from "./scenarios.mjs";

const ASSISTANT = '[data-testid="message"][data-role="assistant"]';
/** 300 words at 20 per second: long enough to stop in the middle */

async function newChat(browserContext, baseUrl) {
  return new ChatPage(await browserContext.newPage(), baseUrl);
}

/** Lets the page use the clipboard, as a user's click does (headless Chromium asks for the permission). */
async function allowClipboard(browserContext, baseUrl) {
  await browserContext.grantPermissions(["clipboard-read", "clipboard-write"], { origin: baseUrl });
}

const clipboard = (chat) => chat.page.evaluate(() => navigator.clipboard.readText());

/**
 * Watches the last answer while it streams and records any raw Markdown that shows up as text
 * (`**`, a code fence, a table's separator row): what "never flickers into raw syntax" means.
 */
async function watchForRawMarkdown(chat) {
  await chat.page.evaluate((selector) => {
    window.__rawSeen = [];
    const observer = new MutationObserver(() => {
      const answer = [...document.querySelectorAll(selector)].at(-1);
      // biome-ignore lint/performance/useDomNodeTextContent: the text as shown
      const text = answer?.innerText ?? "";
      for (const raw of ["**", "```", "| --- |", "](https"]) if (text.includes(raw)) window.__rawSeen.push(raw);
    });
    observer.observe(document.body, { subtree: true, childList: true, characterData: true });
    window.__stopRawWatch = () => observer.disconnect();
  }, ASSISTANT);
}

/** Each scenario runs on a laptop and on a phone. */
function onBoth(name, run) {
  return [
    { name: `${name} (laptop)`, run: (context) => run({ ...context, device: "laptop" }) },
    { name: `${name} (phone)`, device: "phone", run: (context) => run({ ...context, device: "phone" }) },
  ];
}

export const pageScenarios = [
  ...onBoth(
    "renders a streamed Markdown answer: table, highlighted code with copy, safe links",
    async ({ browserContext, baseUrl, shot, device }) => {
      await allowClipboard(browserContext, baseUrl);
      const chat = await newChat(browserContext, baseUrl);
      await chat.openNew();
      await watchForRawMarkdown(chat);
      await chat.send("fake:markdown rate=15");
      const answer = chat.lastAssistant();
      await answer.locator('[data-streamdown="table"]').waitFor({ timeout: TIMEOUT_MS });
      await chat.screenshot(shot(`markdown-streaming-${device}`));
      await chat.waitStatus("ready");
      const raw = await chat.page.evaluate(() => {
        window.__stopRawWatch();
        return [...new Set(window.__rawSeen)];
      });
      check(raw.length === 0, `no raw Markdown showed while streaming (saw ${raw.join(", ")})`);

      check((await answer.locator('[data-streamdown="heading-2"]').textContent()) === "Sorting in short", "the heading is a heading");
      check((await answer.locator('[data-streamdown="table-row"]').count()) === 4, "the table has a header and three rows");
      check((await answer.locator('[data-streamdown="list-item"]').count()) === 3, "the list has three items");
      check((await answer.locator('[data-streamdown="inline-code"]').textContent()) === "sort()", "inline code");
      const mdn = answer.locator('a[href="https://developer.mozilla.org/"]');
      check((await mdn.getAttribute("target")) === "_blank", "an external link opens in a new tab");
      check((await mdn.getAttribute("rel"))?.includes("noreferrer"), "without a referrer");
      check((await answer.locator('a[href^="javascript:"]').count()) === 0, "a javascript: link is not a link");

      // Highlighted: Shiki colours each token (its grammar loads on first use).
      const code = answer.locator('[data-streamdown="code-block"]');
      await answer.locator('[data-streamdown="code-block-body"] code span span[style*="--sdm-c"]').first().waitFor({ timeout: TIMEOUT_MS });
      await code.locator('[data-streamdown="code-block-copy-button"]').click();
      const copied = await clipboard(chat);
      check(
        copied.startsWith("export function sorted(values: number[])"),
        `the code's copy button copies the code (got ${copied.slice(0, 40)})`,
      );
      check(!copied.includes("```"), "without the fence");

      await code.scrollIntoViewIfNeeded();
      await chat.screenshot(shot(`markdown-${device}`));
      await chat.page.emulateMedia({ colorScheme: "dark" });
      await chat.screenshot(shot(`markdown-dark-${device}`));
      const overflow = await chat.page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
      check(overflow <= 0, `the page does not scroll sideways (overflow ${overflow}px)`);
    },
  ),

  ...onBoth(
    "a stopped and a failed answer keep their outcome after a reload, on another device too",
    async ({ browserContext, baseUrl, shot, device }) => {
      const chat = await newChat(browserContext, baseUrl);
      const sessionId = await chat.openNew();
      await chat.sendAndStop();
      // A failed turn with no text at all (the API refuses the key at once).
      await chat.send("fake:auth-error");
      await chat.page.getByTestId("failed").waitFor({ timeout: TIMEOUT_MS });
      await chat.waitStatus("error");

      await chat.reload();
      await chat.page.getByTestId("stopped").waitFor({ timeout: TIMEOUT_MS });
      const failed = chat.page.getByTestId("failed");
      await failed.waitFor({ timeout: TIMEOUT_MS });
      check((await failed.textContent()) === "The model provider rejected the configured API key.", "the failure's message is shown");
      check((await chat.page.locator(ASSISTANT).count()) === 2, "both answers are there, the failed one too");
      check((await chat.page.getByTestId("retry").count()) === 1, "the failed answer offers Retry");
      await chat.screenshot(shot(`outcomes-after-reload-${device}`));

      // Another device (a fresh profile) sees the same.
      const other = await browserContext.browser().newContext();
      try {
        const second = new ChatPage(await other.newPage(), baseUrl);
        await second.open(sessionId);
        await second.page.getByTestId("stopped").waitFor({ timeout: TIMEOUT_MS });
        await second.page.getByTestId("failed").waitFor({ timeout: TIMEOUT_MS });
      } finally {
        await other.close();
      }
    },
  ),

  ...onBoth(
    "Retry a failed answer, Regenerate the last one, Copy any; the wait is visible throughout",
    async ({ browserContext, baseUrl, shot, device }) => {
      await allowClipboard(browserContext, baseUrl);
      const chat = await newChat(browserContext, baseUrl);
      const sessionId = await chat.openNew();
      // 429 three times: the server retries twice, then the turn fails; the fourth call (Retry) succeeds.
      const key = `retry-${device}-${Date.now()}`;
      await watchForPending(chat.page);
      await chat.send(`fake:rate-limit-then-ok key=${key} times=3 tokens=6`);
      // Waiting shows from the send on, while the server retries the busy upstream, until the failure.
      // Recorded as it happens (the retries can take only milliseconds), not polled for afterwards.
      await chat.page.getByTestId("failed").waitFor({ timeout: TIMEOUT_MS });
      check(await sawPending(chat.page), "the waiting dots showed while the upstream was retried");
      check((await chat.page.getByTestId("pending").count()) === 0, "the waiting dots go once the answer failed");
      await chat.screenshot(shot(`failed-${device}`));

      await watchForPending(chat.page);
      await chat.page.getByTestId("retry").click();
      await chat.waitForAnswerText("word6");
      await chat.waitStatus("ready");
      check(await sawPending(chat.page), "the waiting dots showed until the first text");
      check((await chat.page.getByTestId("failed").count()) === 0, "the retried answer replaced the failed one");
      check((await chat.page.locator(ASSISTANT).count()) === 1, "one answer");
      const first = await storedAnswerText(baseUrl, sessionId);
      check(first.startsWith("Echo:"), "the stored answer is the retried one");

      // Regenerate: the last answer is written again, still one answer.
      await watchForPending(chat.page);
      await chat.page.getByTestId("regenerate").click();
      await chat.waitForAnswerText("word6");
      await chat.waitStatus("ready");
      check(await sawPending(chat.page), "the waiting dots showed until the first text");
      check((await chat.page.locator(ASSISTANT).count()) === 1, "regenerate replaces the answer");
      const view = await storedSession(baseUrl, sessionId);
      check(view.messages.length === 2, `history has the question and one answer (got ${view.messages.length})`);

      // Copy on the answer copies its text.
      await chat.send("fake:text tokens=4");
      await chat.waitForAnswerText("word4");
      await chat.waitStatus("ready");
      const copies = chat.page.getByTestId("copy");
      check((await copies.count()) === 2, "every answer has Copy");
      await copies.first().click();
      check(
        (await clipboard(chat)) === view.messages[1].parts.map((p) => (p.type === "text" ? p.text : "")).join(""),
        "Copy copies the answer",
      );
      await chat.page.getByText("Copied", { exact: true }).first().waitFor({ timeout: TIMEOUT_MS });
      check((await chat.page.getByTestId("regenerate").count()) === 2, "every answer offers Regenerate");
      const live = await chat.page.getByTestId("live-region").textContent();
      check(live?.startsWith("Answer: Echo:"), `the finished answer is announced (aria-live: ${live})`);
      await chat.screenshot(shot(`actions-${device}`));
    },
  ),

  ...onBoth(
    "the sidebar follows another tab live: a new chat with its title, a rename; search and days",
    async ({ browserContext, baseUrl, shot, device }) => {
      const watcher = await newChat(browserContext, baseUrl);
      await watcher.openNew();
      const writer = await newChat(browserContext, baseUrl);
      const notFound = [];
      writer.page.on("response", (response) => {
        if (response.status() === 404) notFound.push(response.url());
      });
      const consoleErrors = [];
      writer.page.on("console", (message) => {
        if (message.type() === "error") consoleErrors.push(message.text());
      });
      const sessionId = await writer.openNew();
      await writer.send(`Planning a trip to Lisbon ${device} fake:text tokens=3`);
      await writer.waitForAnswerText("word3");
      await writer.waitStatus("ready");
      check(notFound.length === 0, `a new chat makes no 404 requests (got ${notFound.join(", ")})`);
      check(consoleErrors.length === 0, `and no console errors (got ${consoleErrors.join(" | ")})`);

      // The watcher never reloads: the list changes from the server's session events.
      await watcher.showSidebar();
      const link = watcher.sessionLink(sessionId);
      await link.waitFor({ timeout: TIMEOUT_MS });
      await watcher.page.waitForFunction(
        ([id, device]) =>
          document.querySelector(`[data-session-id="${id}"] [data-testid="session-title"]`)?.textContent ===
          `Planning a trip to Lisbon ${device}`,
        [sessionId, device],
        { timeout: TIMEOUT_MS },
      );
      check((await watcher.page.locator(".session-group-title").first().textContent()) === "Today", "grouped by day");

      // Rename in the watcher; the writer's title and list follow.
      const row = watcher.page.locator(".session", { has: link });
      await row.hover();
      await row.getByTestId("rename").click({ force: true });
      const input = watcher.page.getByTestId("rename-input");
      await input.fill("Lisbon in May");
      await input.press("Enter");
      await watcher.page.waitForFunction(
        (id) => document.querySelector(`[data-session-id="${id}"] [data-testid="session-title"]`)?.textContent === "Lisbon in May",
        sessionId,
        { timeout: TIMEOUT_MS },
      );
      await writer.page.waitForFunction(() => document.querySelector('[data-testid="chat-title"]')?.textContent === "Lisbon in May", null, {
        timeout: TIMEOUT_MS,
      });
      check((await storedSession(baseUrl, sessionId)).session.title === "Lisbon in May", "the rename is stored");

      // Search over titles.
      await watcher.page.getByTestId("session-search").fill("lisbon may");
      await watcher.page.waitForFunction(() => document.querySelectorAll('[data-testid="session-link"]').length >= 1);
      const titles = await watcher.page.getByTestId("session-title").allTextContents();
      check(
        titles.length > 0 && titles.every((t) => t.toLowerCase().includes("lisbon") && t.toLowerCase().includes("may")),
        `search keeps matches only (${titles})`,
      );
      await watcher.screenshot(shot(`sidebar-live-${device}`));
      await watcher.page.getByTestId("session-search").fill("no chat is called this");
      await watcher.page.getByText("No chat titles match.").waitFor({ timeout: TIMEOUT_MS });
    },
  ),

  ...onBoth(
    "tool calls are one line each; three parallel calls leave the answer on screen",
    async ({ browserContext, baseUrl, shot, device }) => {
      const chat = await newChat(browserContext, baseUrl);
      await chat.openNew();
      await chat.send(
        'fake:tools-parallel tools=calculator,calculator,current_time args1={"expression":"6*7"} args2={"expression":"2^10"} args3={"timeZone":"Asia/Tokyo"}',
      );
      await chat.page.locator('[data-testid="tool-call"][data-state="output-available"]').nth(2).waitFor({ timeout: TIMEOUT_MS });
      await chat.waitStatus("ready");
      const calls = chat.page.getByTestId("tool-call");
      check((await calls.count()) === 3, "three calls");
      for (let i = 0; i < 3; i++) {
        const box = await calls.nth(i).boundingBox();
        check(box !== null && box.height < 48, `call ${i + 1} is one line (height ${box?.height})`);
      }
      check((await calls.first().getByTestId("tool-summary").textContent()).includes("42"), "the line shows a short result");
      check(!(await calls.first().getByTestId("tool-input").isVisible()), "input and output start hidden");
      // The answer (after the calls) is on screen.
      const text = chat.lastAssistant().locator('[data-testid="text"]').last();
      const box = await text.boundingBox();
      const viewport = chat.page.viewportSize();
      check(
        box !== null && viewport !== null && box.y + box.height <= viewport.height && box.y >= 0,
        "the answer is on screen below the calls",
      );
      await chat.screenshot(shot(`tools-collapsed-${device}`));
      await calls.first().locator("summary").click();
      await calls.first().getByTestId("tool-output").waitFor({ state: "visible", timeout: TIMEOUT_MS });
      check(/"result":\s*42\b/.test(await calls.first().getByTestId("tool-output").textContent()), "expanded: the output JSON");
      check((await calls.first().getByTestId("tool-input").textContent()).includes("6*7"), "expanded: the input JSON");
      await chat.screenshot(shot(`tools-expanded-${device}`));
    },
  ),

  ...onBoth("a refused send keeps the draft; a counter near the limit", async ({ browserContext, baseUrl, shot, device }) => {
    const chat = await newChat(browserContext, baseUrl);
    await chat.openNew();
    const input = chat.page.getByTestId("composer-input");
    await input.fill("x".repeat(31_000));
    await chat.page.getByTestId("composer-counter").waitFor({ timeout: TIMEOUT_MS });
    check((await chat.page.getByTestId("composer-counter").textContent()) === "1,000 characters left", "the counter counts down");
    await input.fill("y".repeat(32_001));
    check((await chat.page.getByTestId("composer-counter").textContent()) === "1 character over the limit", "over the limit");
    check(await chat.page.getByTestId("send").isDisabled(), "Send is off over the limit");
    await input.press("Enter");
    check((await input.inputValue()).length === 32_001, "Enter keeps the too-long draft");
    check((await chat.page.locator('[data-testid="message"]').count()) === 0, "nothing was sent");
    await chat.screenshot(shot(`composer-over-limit-${device}`));

    // A send the server never got (no connection): the message comes back into the composer.
    await input.fill("Please keep this draft");
    await browserContext.setOffline(true);
    try {
      await chat.page.getByTestId("send").click();
      await chat.page.getByTestId("chat-error").waitFor({ timeout: TIMEOUT_MS });
      check((await chat.page.getByTestId("chat-error").textContent()).startsWith("Not sent:"), "the banner says it was not sent");
      await chat.page.waitForFunction(
        () => document.querySelector('[data-testid="composer-input"]')?.value === "Please keep this draft",
        null,
        {
          timeout: TIMEOUT_MS,
        },
      );
      // The refused message leaves the conversation (useChat renders at most every 50 ms: wait for it).
      await chat.page.waitForFunction(() => document.querySelectorAll('[data-testid="message"][data-role="user"]').length === 0, null, {
        timeout: TIMEOUT_MS,
      });
      await chat.screenshot(shot(`draft-kept-${device}`));
    } finally {
      await browserContext.setOffline(false);
    }
    await chat.page.getByTestId("send").click();
    await chat.waitForAnswerText("Echo: Please keep this draft");
    check((await input.inputValue()) === "", "once sent, the composer is empty");
  }),

  ...onBoth("empty state, scroll-to-bottom, and sign out", async ({ browserContext, baseUrl, shot, device }) => {
    const chat = await newChat(browserContext, baseUrl);
    await chat.openNew();
    await chat.page.getByTestId("empty-state").waitFor({ timeout: TIMEOUT_MS });
    check((await chat.page.getByTestId("suggestion").count()) >= 3, "suggestions");
    await chat.page.getByTestId("dev-hint").waitFor({ timeout: TIMEOUT_MS });
    await chat.screenshot(shot(`empty-${device}`));
    await chat.page.getByTestId("suggestion").nth(3).click();
    check((await chat.page.getByTestId("composer-input").inputValue()).includes("sqrt(144)"), "a suggestion fills the composer");

    await chat.page.getByTestId("composer-input").fill("fake:text tokens=400 rate=0");
    await chat.page.getByTestId("send").click();
    await chat.waitForAnswerText("word400");
    await chat.waitStatus("ready");
    check((await chat.page.getByTestId("scroll-to-bottom").count()) === 0, "at the bottom: no button");
    await chat.page.getByTestId("messages").evaluate((element) => element.scrollTo({ top: 0 }));
    await chat.page.getByTestId("scroll-to-bottom").waitFor({ timeout: TIMEOUT_MS });
    await chat.screenshot(shot(`scroll-button-${device}`));
    await chat.page.getByTestId("scroll-to-bottom").click();
    await chat.page.getByTestId("scroll-to-bottom").waitFor({ state: "detached", timeout: TIMEOUT_MS });

    // Sign out forgets a saved token and brings the token field back (to paste another).
    await chat.page.evaluate((token) => localStorage.setItem("edgechat.token", token), signToken(`e2e-sign-out-${device}`));
    await chat.reload();
    await chat.page.getByTestId("empty-state").waitFor({ timeout: TIMEOUT_MS });
    await chat.showSidebar();
    await chat.page.getByTestId("sign-out").click();
    await chat.page.getByTestId("token-prompt").waitFor({ timeout: TIMEOUT_MS });
    check((await chat.page.evaluate(() => localStorage.getItem("edgechat.token"))) === null, "the token is forgotten");
  }),
];

/** Starts recording whether the waiting indicator appears, from now on (a MutationObserver in the page). @param {import("playwright-core").Page} page */
async function watchForPending(page) {
  await page.evaluate(() => {
    const w = /** @type {any} */ (window);
    w.__sawPending = false;
    w.__pendingObserver?.disconnect();
    const seen = () => {
      if (document.querySelector('[data-testid="pending"]')) w.__sawPending = true;
    };
    w.__pendingObserver = new MutationObserver(seen);
    w.__pendingObserver.observe(document.body, { subtree: true, childList: true, attributes: true });
    seen();
  });
}

/** Whether the waiting indicator appeared since watchForPending. @param {import("playwright-core").Page} page */
async function sawPending(page) {
  return page.evaluate(() => /** @type {any} */ (window).__sawPending === true);
}
