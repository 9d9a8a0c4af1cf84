// Issue 16 on the chat page: edit a user message in place (the last one and an earlier one),
// regenerate an answer, and switch between the versions with "‹ n / m ›"; after a reload, and live in
// a second tab. The fake upstream's `fake:context` answers one line per message the model was sent,
// which shows the model saw only the active branch.
import { ChatPage, storedSession, TIMEOUT_MS } from "./chat-page.mjs";
import { check, LAPTOP, PHONE } from "./harness.mjs";

/** A short echo (`Echo: <words>. word2 word3`), quick to wait for. */
const say = (words) => `fake:text tokens=3 ${words}`;
const FETCH = 'fake:tool tool=fetch_url args={"url":"https://example.com/","maxChars":200}';
const APPROVAL = '[data-testid="tool-call"][data-tool="fetch_url"] [data-testid="tool-approval"]';

/** The turn pieces (a message with its actions row) of user messages and of answers, in order. */
const USER_PIECE = '.turn-piece:has([data-role="user"]), .turn-piece:has([data-testid="message-editor"])';
const ANSWER_PIECE = '.turn-piece:has([data-role="assistant"])';

function onBoth(name, run) {
  return [
    { name: `${name} (laptop)`, run: (context) => run({ ...context, device: "laptop" }) },
    { name: `${name} (phone)`, device: "phone", run: (context) => run({ ...context, device: "phone" }) },
  ];
}

/** Texts of the shown messages, role-prefixed: what the user sees of the active path. */
function shownPath(chat) {
  return chat.page.evaluate(() =>
    [...document.querySelectorAll('[data-testid="message"]')].map(
      (m) => `${m.getAttribute("data-role")}: ${[...m.querySelectorAll('[data-testid="text"]')].map((t) => t.textContent).join("")}`,
    ),
  );
}

/** The stored active path, in the same shape. */
async function storedPath(baseUrl, sessionId) {
  const view = await storedSession(baseUrl, sessionId);
  return view.messages.map((m) => `${m.role}: ${m.parts.map((p) => (p.type === "text" ? p.text : "")).join("")}`);
}

/** Waits until the piece's switcher says `index + 1` of `count`. */
async function waitSwitcher(piece, index, count) {
  await piece.locator(`[data-testid="branch-switcher"][data-index="${index}"][data-count="${count}"]`).waitFor({ timeout: TIMEOUT_MS });
}

async function edit(chat, userIndex, text) {
  const piece = chat.page.locator(USER_PIECE).nth(userIndex);
  await piece.getByTestId("edit").click();
  const input = piece.getByTestId("edit-input");
  await input.waitFor({ timeout: TIMEOUT_MS });
  await input.fill(text);
  await piece.getByTestId("edit-save").click();
}

async function answerId(chat, index) {
  return chat.page.locator(ANSWER_PIECE).nth(index).locator('[data-testid="message"]').getAttribute("data-message-id");
}

async function checkSamePath(chat, baseUrl, sessionId, what) {
  const shown = await shownPath(chat);
  const stored = await storedPath(baseUrl, sessionId);
  check(
    JSON.stringify(shown) === JSON.stringify(stored),
    `${what}: the page shows the stored path\n  page:   ${shown}\n  stored: ${stored}`,
  );
}

export const branchScenarios = [
  ...onBoth(
    "edit the last and an earlier message, regenerate, switch with ‹ ›, reload",
    async ({ browserContext, baseUrl, shot, device }) => {
      const chat = new ChatPage(await browserContext.newPage(), baseUrl);
      const sessionId = await chat.openNew();
      await chat.send(say("alpha one"));
      await chat.waitForAnswerText("Echo: alpha one.");
      await chat.waitStatus("ready");
      await chat.send(say("bravo two"));
      await chat.waitForAnswerText("Echo: bravo two.");
      await chat.waitStatus("ready");
      check((await chat.page.locator('[data-testid="branch-switcher"]').count()) === 0, "nothing is branched yet");

      // Edit the last message, in place; Cancel first leaves it as it was.
      const second = chat.page.locator(USER_PIECE).nth(1);
      await second.getByTestId("edit").click();
      await second.getByTestId("edit-input").fill("never sent");
      await chat.screenshot(shot(`edit-open-${device}`));
      await second.getByTestId("edit-cancel").click();
      check((await second.getByTestId("text").textContent()) === say("bravo two"), "Cancel keeps the message");
      // The new version asks for the model's context: it lists the active branch only.
      await edit(chat, 1, "fake:context what did you get");
      await chat.waitForAnswerText("user: fake:context what did you get");
      await chat.waitStatus("ready");
      const context = await chat.lastAssistantText();
      check(context.includes("user: fake:text tokens=3 alpha one"), `the model saw the first message (got ${context})`);
      check(!context.includes("bravo"), `the model did not see the replaced version (got ${context})`);
      await waitSwitcher(chat.page.locator(USER_PIECE).nth(1), 1, 2);
      check((await chat.page.locator('[data-testid="message"]').count()) === 4, "the edit replaced what followed it");
      await checkSamePath(chat, baseUrl, sessionId, "after editing the last message");

      // ‹ shows the old version with its answer, › the new one again.
      await chat.page.locator(USER_PIECE).nth(1).getByTestId("branch-previous").click();
      await waitSwitcher(chat.page.locator(USER_PIECE).nth(1), 0, 2);
      await chat.waitForAnswerText("Echo: bravo two.");
      await checkSamePath(chat, baseUrl, sessionId, "after ‹");
      await chat.page.locator(USER_PIECE).nth(1).getByTestId("branch-next").click();
      await waitSwitcher(chat.page.locator(USER_PIECE).nth(1), 1, 2);
      await chat.waitForAnswerText("user: fake:context");

      // Edit an earlier message: what followed it leaves the view (and stays on its branch).
      await edit(chat, 0, say("charlie three"));
      await chat.waitForAnswerText("Echo: charlie three.");
      await chat.waitStatus("ready");
      await waitSwitcher(chat.page.locator(USER_PIECE).nth(0), 1, 2);
      check((await chat.page.locator('[data-testid="message"]').count()) === 2, "the earlier edit starts a new branch from there");

      // Regenerate twice: three answers to the same question.
      const ids = [await answerId(chat, 0)];
      for (const count of [2, 3]) {
        await chat.page.locator(ANSWER_PIECE).nth(0).getByTestId("regenerate").click();
        await waitSwitcher(chat.page.locator(ANSWER_PIECE).nth(0), count - 1, count);
        await chat.waitStatus("ready");
        ids.push(await answerId(chat, 0));
      }
      check(new Set(ids).size === 3, `three different answers (ids ${ids})`);
      await chat.screenshot(shot(`branches-${device}`));

      // Back and forth through the answers.
      const answers = chat.page.locator(ANSWER_PIECE).nth(0);
      await answers.getByTestId("branch-previous").click();
      await waitSwitcher(answers, 1, 3);
      check((await answerId(chat, 0)) === ids[1], "‹ shows the second answer");
      await answers.getByTestId("branch-previous").click();
      await waitSwitcher(answers, 0, 3);
      check((await answerId(chat, 0)) === ids[0], "‹ again shows the first answer");
      check(await answers.getByTestId("branch-previous").isDisabled(), "there is nothing before the first");
      await answers.getByTestId("branch-next").click();
      await waitSwitcher(answers, 1, 3);
      check((await answerId(chat, 0)) === ids[1], "› shows the second answer again");

      // A reload shows the same active path.
      const before = await shownPath(chat);
      await chat.reload();
      await waitSwitcher(chat.page.locator(ANSWER_PIECE).nth(0), 1, 3);
      await waitSwitcher(chat.page.locator(USER_PIECE).nth(0), 1, 2);
      check(JSON.stringify(await shownPath(chat)) === JSON.stringify(before), "the reload shows the same path");
      check((await answerId(chat, 0)) === ids[1], "with the same answer");

      // Back to the first version of the first message: its branch as it was left (the edited second message).
      await chat.page.locator(USER_PIECE).nth(0).getByTestId("branch-previous").click();
      await waitSwitcher(chat.page.locator(USER_PIECE).nth(0), 0, 2);
      await waitSwitcher(chat.page.locator(USER_PIECE).nth(1), 1, 2);
      await chat.waitForAnswerText("user: fake:context");
      await checkSamePath(chat, baseUrl, sessionId, "after switching the first message back");
      await chat.screenshot(shot(`branches-switched-${device}`));
      const overflow = await chat.page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
      check(overflow <= 0, `the page does not scroll sideways (overflow ${overflow}px)`);
    },
  ),

  ...onBoth(
    "a switch in one tab shows live in another; a switch while tools wait is refused",
    async ({ browserContext, baseUrl, shot, device }) => {
      const chat = new ChatPage(await browserContext.newPage(), baseUrl);
      const sessionId = await chat.openNew();
      await chat.send(say("delta four"));
      await chat.waitForAnswerText("Echo: delta four.");
      await chat.waitStatus("ready");
      await chat.page.locator(ANSWER_PIECE).nth(0).getByTestId("regenerate").click();
      await waitSwitcher(chat.page.locator(ANSWER_PIECE).nth(0), 1, 2);
      await chat.waitStatus("ready");

      // A second tab of the same user in another browser profile.
      const other = await browserContext.browser().newContext(device === "phone" ? PHONE : { viewport: LAPTOP });
      try {
        const second = new ChatPage(await other.newPage(), baseUrl);
        await second.open(sessionId);
        await waitSwitcher(second.page.locator(ANSWER_PIECE).nth(0), 1, 2);

        await chat.page.locator(ANSWER_PIECE).nth(0).getByTestId("branch-previous").click();
        await waitSwitcher(chat.page.locator(ANSWER_PIECE).nth(0), 0, 2);
        // The other tab follows without a reload (the session's event).
        await waitSwitcher(second.page.locator(ANSWER_PIECE).nth(0), 0, 2);
        check((await answerId(second, 0)) === (await answerId(chat, 0)), "both tabs show the same answer");
        await second.screenshot(shot(`branches-second-tab-${device}`));
      } finally {
        await other.close();
      }

      // An edit the server never got (no connection): the conversation stays as it was, the edit stays open.
      await browserContext.setOffline(true);
      try {
        await edit(chat, 0, "lost on the way");
        const banner = chat.page.getByTestId("chat-error");
        await banner.waitFor({ timeout: TIMEOUT_MS });
        check((await banner.textContent()).startsWith("Not saved:"), "the banner says the edit was not saved");
        check((await chat.page.getByTestId("edit-input").inputValue()) === "lost on the way", "the edit is back in its editor");
        await chat.page.waitForFunction(
          () => document.querySelectorAll('[data-testid="message"][data-role="assistant"]').length === 1,
          null,
          {
            timeout: TIMEOUT_MS,
          },
        );
        await chat.screenshot(shot(`edit-not-saved-${device}`));
      } finally {
        await browserContext.setOffline(false);
      }
      await chat.page.getByTestId("edit-cancel").click();
      check(
        (await chat.page.locator(USER_PIECE).nth(0).getByTestId("text").textContent()) === say("delta four"),
        "the message is as it was",
      );

      // The last answer waits for an approval: its branch must stay the active one.
      await chat.send(FETCH);
      await chat.page.locator(APPROVAL).waitFor({ timeout: TIMEOUT_MS });
      await chat.waitStatus("ready");
      const answers = chat.page.locator(ANSWER_PIECE).nth(0);
      await answers.getByTestId("branch-next").click();
      const refusal = chat.page.getByTestId("branch-error");
      await refusal.waitFor({ timeout: TIMEOUT_MS });
      const text = await refusal.textContent();
      check(text?.startsWith("Not switched: Tool calls wait for an answer"), `the refusal says why (got ${text})`);
      await waitSwitcher(answers, 0, 2);
      check((await chat.page.locator(APPROVAL).count()) === 1, "the question is still there");
      await chat.screenshot(shot(`branches-refused-${device}`));
      await refusal.getByRole("button", { name: "Dismiss" }).click();
      await refusal.waitFor({ state: "detached", timeout: TIMEOUT_MS });
    },
  ),
];
