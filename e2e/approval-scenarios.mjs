// Issue 12 on the chat page: a turn that waits for a person (Approve / Deny a tool call) or for the
// browser (a tool the page runs), answered live, after a reload, and from another device.
// `npm run dev` (and this test's server) leaves TOOL_APPROVAL unset, so fetch_url needs approval.
import { ChatPage, storedSession, TIMEOUT_MS } from "./chat-page.mjs";
import { check } from "./harness.mjs";

const FETCH = 'fake:tool tool=fetch_url args={"url":"https://example.com/","maxChars":200}';
const APPROVAL = '[data-testid="tool-call"][data-tool="fetch_url"] [data-testid="tool-approval"]';
const FETCH_CALL = '[data-testid="tool-call"][data-tool="fetch_url"]';

async function newChat(browserContext, baseUrl) {
  return new ChatPage(await browserContext.newPage(), baseUrl);
}

/** Sends the fetch_url directive and waits until the page asks for approval, with the call's input shown. */
async function askForApproval(chat) {
  await chat.send(FETCH);
  await waitForQuestion(chat);
}

async function waitForQuestion(chat) {
  const question = chat.page.locator(APPROVAL);
  await question.waitFor({ timeout: TIMEOUT_MS });
  await chat.waitStatus("ready");
  const input = await question.getByTestId("approval-input").textContent();
  check(input.includes('"url":"https://example.com/"') && input.includes('"maxChars":200'), `the question shows the input (got ${input})`);
}

/** The model's next reply quotes what the tool did (the fake upstream's `Tool <name> returned|failed: ...`). */
async function waitForContinuation(chat, needle = "Tool fetch_url") {
  await chat.waitForAnswerText(needle);
  await chat.waitStatus("ready");
  check((await chat.page.locator(APPROVAL).count()) === 0, "the question is gone");
}

async function checkNothingPending(baseUrl, sessionId) {
  const view = await storedSession(baseUrl, sessionId);
  check(view.pendingTools.length === 0, `nothing waits any more (pendingTools: ${JSON.stringify(view.pendingTools)})`);
  check(view.messages.filter((m) => m.role === "assistant").length === 1, "the answer continued the same message");
}

export const approvalScenarios = [
  {
    name: "approves a tool call: the call runs and the answer continues",
    async run({ browserContext, baseUrl, shot }) {
      const chat = await newChat(browserContext, baseUrl);
      const sessionId = await chat.openNew();
      await askForApproval(chat);
      await chat.screenshot(shot("approval-laptop"));
      await chat.page.getByTestId("approve").click();
      await waitForContinuation(chat);
      const state = await chat.page.locator(FETCH_CALL).getAttribute("data-state");
      // This machine may have no route to example.com: what matters is that the approved call ran.
      check(state === "output-available" || state === "output-error", `the approved call ran (state ${state})`);
      await chat.screenshot(shot("approval-approved-laptop"));
      await checkNothingPending(baseUrl, sessionId);
    },
  },
  {
    name: "denies a tool call with a reason, which Claude is told (phone)",
    device: "phone",
    async run({ browserContext, baseUrl, shot }) {
      const chat = await newChat(browserContext, baseUrl);
      const sessionId = await chat.openNew();
      await askForApproval(chat);
      await chat.screenshot(shot("approval-phone"));
      await chat.page.getByTestId("deny").click();
      await chat.page.getByTestId("deny-reason").fill("not that site today");
      await chat.screenshot(shot("approval-deny-reason-phone"));
      await chat.page.getByTestId("deny-confirm").click();
      await waitForContinuation(chat, "not that site today");
      const call = chat.page.locator(FETCH_CALL);
      check((await call.getAttribute("data-state")) === "output-denied", "the call ends denied");
      await call.locator("summary").click();
      check((await call.getByTestId("tool-denied-reason").textContent()) === "not that site today", "the reason shows with the call");
      await chat.screenshot(shot("approval-denied-phone"));
      await checkNothingPending(baseUrl, sessionId);
    },
  },
  {
    name: "runs a browser tool: the page answers with its time zone and the answer continues",
    async run({ browserContext, baseUrl }) {
      // A zone that is nobody's default, so the answer cannot come from anywhere but this browser.
      const timeZone = "Pacific/Chatham";
      const zoned = await browserContext.browser().newContext({ viewport: { width: 1280, height: 800 }, timezoneId: timeZone });
      try {
        const chat = await newChat(zoned, baseUrl);
        const sessionId = await chat.openNew();
        await chat.send("fake:tool tool=browser_time_zone");
        await chat.waitForAnswerText(`Tool browser_time_zone returned: ${timeZone}`);
        await chat.waitStatus("ready");
        const call = chat.page.locator('[data-testid="tool-call"][data-tool="browser_time_zone"]');
        check((await call.getAttribute("data-state")) === "output-available", "the browser tool's call shows its output");
        await checkNothingPending(baseUrl, sessionId);
      } finally {
        await zoned.close();
      }
    },
  },
  {
    name: "a reload keeps the question, and it can be approved there",
    async run({ browserContext, baseUrl }) {
      const chat = await newChat(browserContext, baseUrl);
      const sessionId = await chat.openNew();
      await askForApproval(chat);
      await chat.reload();
      await waitForQuestion(chat);
      const view = await storedSession(baseUrl, sessionId);
      check(view.pendingTools.length === 1 && view.pendingTools[0].kind === "approval", "history says an approval waits");
      await chat.page.getByTestId("approve").click();
      await waitForContinuation(chat);
      await checkNothingPending(baseUrl, sessionId);
    },
  },
  {
    name: "another device approves, and the first tab sees the continuation",
    async run({ browserContext, baseUrl, shot }) {
      const first = await newChat(browserContext, baseUrl);
      const sessionId = await first.openNew();
      await askForApproval(first);
      // A second browser context: another device of the same user (its own storage, its own session events).
      const otherContext = await browserContext.browser().newContext({ viewport: { width: 1280, height: 800 } });
      try {
        const second = new ChatPage(await otherContext.newPage(), baseUrl);
        await second.open(sessionId);
        await waitForQuestion(second);
        await second.page.getByTestId("approve").click();
        await waitForContinuation(second);
        // The first tab never clicked: it follows the continuation from the session's events.
        await waitForContinuation(first);
        await first.screenshot(shot("approval-answered-elsewhere"));
        check((await first.lastAssistantText()) === (await second.lastAssistantText()), "both show the same answer");
        check((await first.page.getByTestId("chat-error").count()) === 0, "the first tab shows no error");
      } finally {
        await otherContext.close();
      }
      await checkNothingPending(baseUrl, sessionId);
    },
  },
];
