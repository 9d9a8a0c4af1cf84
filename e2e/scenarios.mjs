// What the issue asks of the chat page, each as a user would check it. The fake upstream picks its
// behaviour from a `fake:` directive in the message (fake-anthropic/fake-anthropic.js).
import { createHmac } from "node:crypto";
import { ChatPage, SLOW_TEXT, storedAnswerText, storedSession, TIMEOUT_MS } from "./chat-page.mjs";
import { NON_LOOPBACK_HOST } from "./chromium.mjs";
import { AUTH_SECRET } from "./dev-server.mjs";
import { check } from "./harness.mjs";

const CALCULATOR = 'fake:tool tool=calculator args={"expression":"6*7"}';
/** 300 words at 20 per second: a 15 s answer, long enough to reload or stop in the middle */

/** Occurrences of a whole word (so `word30` does not count inside `word300`). */
function countWord(text, word) {
  return text.match(new RegExp(`\\b${word}\\b`, "g"))?.length ?? 0;
}

/** An HS256 JWT as the service accepts it: `sub` is the user id, `exp` is required. */
export function signToken(sub) {
  const encode = (value) => Buffer.from(JSON.stringify(value)).toString("base64url");
  const body = `${encode({ alg: "HS256", typ: "JWT" })}.${encode({ sub, exp: Math.floor(Date.now() / 1000) + 3600 })}`;
  return `${body}.${createHmac("sha256", AUTH_SECRET).update(body).digest("base64url")}`;
}

async function newPage(browserContext, baseUrl) {
  return new ChatPage(await browserContext.newPage(), baseUrl);
}

export const scenarios = [
  {
    name: "an MCP tool works from the page with no configuration (the demo server, as under npm run dev)",
    async run({ browserContext, baseUrl, shot }) {
      const chat = await newPage(browserContext, baseUrl);
      const sessionId = await chat.openNew();
      await chat.send('fake:tool tool=demo__count args={"to":3,"delayMs":100}');
      const done = chat.page.locator('[data-testid="tool-call"][data-tool="demo__count"][data-state="output-available"]');
      await done.waitFor({ timeout: TIMEOUT_MS });
      check((await done.getByTestId("tool-output").textContent()).includes("Counted to 3."), "the MCP server's result shows");
      await chat.waitForAnswerText("Tool demo__count returned");
      await chat.waitStatus("ready");
      await chat.screenshot(shot("mcp-tool"));
      check((await chat.lastAssistantText()) === (await storedAnswerText(baseUrl, sessionId)), "the answer equals the stored one");
    },
  },
  {
    name: "sends a message and shows the streamed answer with a completed tool call",
    async run({ browserContext, baseUrl, shot }) {
      const chat = await newPage(browserContext, baseUrl);
      const sessionId = await chat.openNew();
      await chat.screenshot(shot("empty"));
      await chat.send(CALCULATOR);
      const tool = chat.page.locator('[data-testid="tool-call"][data-tool="calculator"]');
      await tool.waitFor({ timeout: TIMEOUT_MS });
      await chat.page
        .locator('[data-testid="tool-call"][data-tool="calculator"][data-state="output-available"]')
        .waitFor({ timeout: TIMEOUT_MS });
      check((await tool.getByTestId("tool-input").textContent()).includes("6*7"), "the tool input shows the expression");
      check(/"result":\s*42\b/.test(await tool.getByTestId("tool-output").textContent()), "the tool result shows 42");
      await chat.waitForAnswerText("42");
      await chat.waitStatus("ready");
      // The new session shows in the list.
      await chat.page.locator(`[data-testid="session-link"][data-session-id="${sessionId}"]`).waitFor({ timeout: TIMEOUT_MS });
      check((await chat.lastAssistantText()) === (await storedAnswerText(baseUrl, sessionId)), "the answer equals the stored one");
    },
  },
  {
    name: "shows reasoning collapsed, and a long tool's progress",
    async run({ browserContext, baseUrl, shot }) {
      const chat = await newPage(browserContext, baseUrl);
      const sessionId = await chat.openNew();
      await chat.send("fake:thinking tokens=30 rate=40");
      const reasoning = chat.page.getByTestId("reasoning").last();
      await reasoning.waitFor({ timeout: TIMEOUT_MS });
      await chat.waitForAnswerText("word30");
      await chat.waitStatus("ready");
      check(!(await reasoning.locator(".reasoning-text").isVisible()), "reasoning starts collapsed");
      await reasoning.locator("summary").click();
      await reasoning.locator(".reasoning-text").getByText("Considering:").waitFor({ timeout: TIMEOUT_MS });

      await chat.screenshot(shot("reasoning"));

      await chat.send('fake:slow-tool tool=wait args={"seconds":3}');
      await chat.page.locator('[data-testid="tool-call"][data-tool="wait"] [data-testid="progress"]').waitFor({ timeout: TIMEOUT_MS });
      await chat.screenshot(shot("tool-progress"));
      await chat.page
        .locator('[data-testid="tool-call"][data-tool="wait"][data-state="output-available"]')
        .waitFor({ timeout: TIMEOUT_MS });
      await chat.waitStatus("ready");
      await chat.send(CALCULATOR);
      await chat.page
        .locator('[data-testid="tool-call"][data-tool="calculator"][data-state="output-available"]')
        .waitFor({ timeout: TIMEOUT_MS });
      await chat.waitStatus("ready");
      await chat.page.locator(`[data-testid="session-link"][data-session-id="${sessionId}"]`).waitFor({ timeout: TIMEOUT_MS });
      await chat.page.evaluate(() => document.activeElement instanceof HTMLElement && document.activeElement.blur());
      await chat.screenshot(shot("laptop"));
      await chat.page.emulateMedia({ colorScheme: "dark" });
      await chat.screenshot(shot("laptop-dark"));

      // The same session on a phone: the list becomes a drawer behind the menu button.
      const phoneContext = await browserContext.browser().newContext({
        viewport: { width: 390, height: 844 },
        deviceScaleFactor: 2,
        isMobile: true,
        hasTouch: true,
      });
      try {
        const phone = new ChatPage(await phoneContext.newPage(), baseUrl);
        await phone.open(sessionId);
        await phone.page.locator('[data-testid="tool-call"][data-tool="calculator"]').waitFor({ timeout: TIMEOUT_MS });
        await phone.waitStatus("ready");
        const overflow = await phone.page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
        check(overflow <= 0, `the phone layout does not scroll sideways (overflow ${overflow}px)`);
        await phone.screenshot(shot("phone"));
        await phone.page.getByRole("button", { name: "Chats" }).click();
        await phone.page.getByTestId("session-list").waitFor({ state: "visible", timeout: TIMEOUT_MS });
        await phone.page.waitForFunction(() => {
          const sidebar = document.querySelector(".sidebar");
          return sidebar !== null && sidebar.getBoundingClientRect().left >= 0;
        });
        await phone.screenshot(shot("phone-drawer"));
      } finally {
        await phoneContext.close();
      }
    },
  },
  {
    name: "a reload mid-answer picks the stream up again with no duplicated text",
    async run({ browserContext, baseUrl, shot }) {
      const chat = await newPage(browserContext, baseUrl);
      const sessionId = await chat.openNew();
      await chat.send(SLOW_TEXT);
      await chat.waitForAnswerText(" word20");
      check((await chat.lastAssistantText()).includes("word300") === false, "the answer was still running at the reload");
      await chat.reload();
      // Resumed mid-answer: the text keeps growing after the reload, then completes.
      await chat.waitForAnswerText(" word40");
      await chat.screenshot(shot("after-reload"));
      await chat.waitForAnswerText(" word300", 60_000);
      await chat.waitStatus("ready");
      const shown = await chat.lastAssistantText();
      const stored = await storedAnswerText(baseUrl, sessionId);
      check(
        shown === stored,
        `the shown answer equals the stored one\n  shown:  ${shown.slice(0, 120)}…\n  stored: ${stored.slice(0, 120)}…`,
      );
      const all = await chat.conversationText();
      check(countWord(all, "word300") === 1, `word300 appears once (got ${countWord(all, "word300")})`);
      check(countWord(shown, "word150") === 1, "word150 appears once");
      check((shown.match(/Echo:/g) ?? []).length === 1, "the answer starts once");
      check((await chat.page.locator('[data-testid="message"][data-role="assistant"]').count()) === 1, "one answer");
    },
  },
  {
    name: "Stop ends the turn, shows it stopped, and a new message works",
    async run({ browserContext, baseUrl, shot }) {
      const chat = await newPage(browserContext, baseUrl);
      const sessionId = await chat.openNew();
      await chat.sendAndStop();
      await chat.page.getByTestId("send").waitFor({ timeout: TIMEOUT_MS });
      await chat.screenshot(shot("stopped"));
      const view = await storedSession(baseUrl, sessionId);
      check(view.activeStream === null, "the turn stopped on the server too");
      const stored = await storedAnswerText(baseUrl, sessionId);
      check(!stored.includes("word300"), "the stored answer was cut short");
      // The page takes the stored answer after the stop, so the two agree.
      await chat.page.waitForFunction(
        async ([url]) => {
          const response = await fetch(url);
          const body = await response.json();
          const last = body.messages.findLast((m) => m.role === "assistant");
          const storedText = last ? last.parts.map((p) => (p.type === "text" ? p.text : "")).join("") : "";
          const message = [...document.querySelectorAll('[data-testid="message"][data-role="assistant"]')].at(-1);
          const shownText = message ? [...message.querySelectorAll('[data-testid="text"]')].map((e) => e.textContent ?? "").join("") : "";
          return shownText === storedText;
        },
        [`${baseUrl}/api/sessions/${sessionId}`],
        { timeout: TIMEOUT_MS, polling: 500 },
      );

      await chat.send("fake:text tokens=5");
      await chat.waitForAnswerText("word5");
      await chat.waitStatus("ready");
      check((await chat.page.getByTestId("stopped").count()) === 1, "only the stopped turn is marked stopped");
      check((await chat.page.getByTestId("chat-error").count()) === 0, "no error is shown");
    },
  },
  {
    name: "a second tab on the same session follows a turn live",
    async run({ browserContext, baseUrl, shot }) {
      const tabA = await newPage(browserContext, baseUrl);
      const sessionId = await tabA.openNew();
      await tabA.send("fake:text tokens=3");
      await tabA.waitForAnswerText("word3");
      await tabA.waitStatus("ready");

      const tabB = await newPage(browserContext, baseUrl);
      await tabB.open(sessionId);
      await tabB.waitForAnswerText("word3");
      await tabB.waitStatus("ready");

      // 160 words at 20 per second: 8 s, well past tab B's 2 s check for a running turn.
      await tabA.send("fake:text tokens=160 rate=20");
      await tabB.page.getByText("fake:text tokens=160 rate=20", { exact: true }).waitFor({ timeout: TIMEOUT_MS });
      await tabB.waitForAnswerCount(2);
      await tabB.waitForAnswerText("Echo:");
      const partial = await tabB.lastAssistantText();
      check(!partial.includes("word160"), "tab B shows the answer while it is still being written");
      await tabB.waitForAnswerText(" word60");
      check((await tabA.status()) === "streaming", "tab A is still streaming while tab B follows");
      await tabB.screenshot(shot("second-tab-live"));
      await tabB.waitForAnswerText(" word160", 60_000);
      await tabB.waitStatus("ready");
      await tabA.waitStatus("ready");
      const stored = await storedAnswerText(baseUrl, sessionId);
      check((await tabB.lastAssistantText()) === stored, "tab B ends with the stored answer");
      check((await tabA.lastAssistantText()) === stored, "tab A ends with the stored answer");
      check(countWord(await tabB.conversationText(), "word160") === 1, "word160 appears once in tab B");
    },
  },
  {
    name: "after a 401 the page asks for a token, then sends it",
    async run({ browserContext, baseUrl, shot }) {
      // Through a name that is not loopback, the service has no local user: every call needs a token.
      const url = new URL(baseUrl);
      url.hostname = NON_LOOPBACK_HOST;
      const chat = await newPage(browserContext, url.origin);
      await chat.page.goto(`${url.origin}/`);
      const prompt = chat.page.getByTestId("token-prompt");
      await prompt.waitFor({ timeout: TIMEOUT_MS });
      await chat.screenshot(shot("token-prompt"));
      const token = signToken("e2e-token-user");
      await prompt.getByPlaceholder("Paste your token").fill(token);
      await prompt.getByRole("button", { name: "Save" }).click();
      await prompt.waitFor({ state: "detached", timeout: TIMEOUT_MS });
      await chat.waitLoaded();
      const sessionId = chat.sessionId();
      await chat.send("fake:text tokens=4");
      await chat.waitForAnswerText("word4");
      await chat.waitStatus("ready");
      await chat.page.locator(`[data-testid="session-link"][data-session-id="${sessionId}"]`).waitFor({ timeout: TIMEOUT_MS });
      check((await chat.page.evaluate(() => localStorage.getItem("edgechat.token"))) === token, "the token is kept in localStorage");
      // The session belongs to the token's user, not to the local one.
      const mine = await fetch(`${baseUrl}/api/sessions`, { headers: { authorization: `Bearer ${token}` } }).then((r) => r.json());
      check(
        mine.sessions.some((s) => s.id === sessionId),
        "the token's user owns the session",
      );
      const local = await fetch(`${baseUrl}/api/sessions/${sessionId}`);
      check(local.status === 404, "the local user does not see it");
    },
  },
];
