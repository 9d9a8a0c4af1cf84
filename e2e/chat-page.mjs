// The chat page as a test sees it: what a user does (open, send, stop, reload) and what they see,
// read through the page's data-testid hooks. Every wait is on page state, never a fixed sleep.

/** ms for anything the page waits on: generous, since slow answers run for several seconds */
export const TIMEOUT_MS = 45_000;
/** A slow answer (300 words at 20 a second): long enough to stop, reload or follow mid-way. */
export const SLOW_TEXT = "fake:text tokens=300 rate=20";

const ASSISTANT = '[data-testid="message"][data-role="assistant"]';

export class ChatPage {
  /** @param {import('playwright-core').Page} page @param {string} baseUrl */
  constructor(page, baseUrl) {
    this.page = page;
    this.baseUrl = baseUrl;
  }

  /** Opens `/` (a new chat) and returns its session id, which the page puts in the URL. */
  async openNew() {
    await this.page.goto(`${this.baseUrl}/`);
    await this.waitLoaded();
    return this.sessionId();
  }

  async open(sessionId) {
    await this.page.goto(`${this.baseUrl}/c/${sessionId}`);
    await this.waitLoaded();
  }

  async reload() {
    await this.page.reload();
    await this.waitLoaded();
  }

  async waitLoaded() {
    await this.page.locator('[data-testid="chat"]').waitFor({ timeout: TIMEOUT_MS });
  }

  sessionId() {
    const match = /\/c\/([A-Za-z0-9_-]+)$/.exec(new URL(this.page.url()).pathname);
    if (!match?.[1]) throw new Error(`no session id in ${this.page.url()}`);
    return match[1];
  }

  /** Types and sends a message, and waits until it shows as the last user message. */
  async send(text) {
    const users = this.page.locator('[data-testid="message"][data-role="user"]');
    const before = await users.count();
    await this.page.getByTestId("composer-input").fill(text);
    await this.page.getByTestId("send").click();
    await this.page.waitForFunction(
      ([count]) => document.querySelectorAll('[data-testid="message"][data-role="user"]').length > count,
      [before],
      { timeout: TIMEOUT_MS },
    );
  }

  status() {
    return this.page.getByTestId("chat").getAttribute("data-chat-status");
  }

  /** Sends a slow answer's request, stops it once its 10th word shows, and waits until it shows stopped. */
  async sendAndStop() {
    await this.send(SLOW_TEXT);
    await this.waitForAnswerText(" word10");
    await this.page.getByTestId("stop").click();
    await this.page.getByTestId("stopped").waitFor({ timeout: TIMEOUT_MS });
    await this.waitStatus("ready");
  }

  async waitStatus(status) {
    await this.page.locator(`[data-testid="chat"][data-chat-status="${status}"]`).waitFor({ timeout: TIMEOUT_MS });
  }

  lastAssistant() {
    return this.page.locator(ASSISTANT).last();
  }

  /** The text the last answer shows: its text parts joined, as stored history joins them. */
  lastAssistantText() {
    return this.page.evaluate((selector) => {
      const message = [...document.querySelectorAll(selector)].at(-1);
      return message ? [...message.querySelectorAll('[data-testid="text"]')].map((e) => e.textContent ?? "").join("") : "";
    }, ASSISTANT);
  }

  /** Waits until the last answer's text contains `needle`. */
  async waitForAnswerText(needle, timeout = TIMEOUT_MS) {
    await this.page.waitForFunction(
      ([selector, wanted]) => {
        const message = [...document.querySelectorAll(selector)].at(-1);
        const text = message ? [...message.querySelectorAll('[data-testid="text"]')].map((e) => e.textContent ?? "").join("") : "";
        return text.includes(wanted);
      },
      [ASSISTANT, needle],
      { timeout },
    );
  }

  /** Waits until the page shows at least `count` answers. */
  async waitForAnswerCount(count) {
    await this.page.waitForFunction(([selector, wanted]) => document.querySelectorAll(selector).length >= wanted, [ASSISTANT, count], {
      timeout: TIMEOUT_MS,
    });
  }

  /** All text of the conversation, for counting what must appear exactly once. */
  conversationText() {
    // innerText, not textContent: the text as rendered, with line breaks between messages, so a
    // word at the end of one message does not run into the next one.
    // biome-ignore lint/performance/useDomNodeTextContent: see above
    return this.page.getByTestId("messages").innerText();
  }

  /** On a phone the chat list is a drawer: open it (a no-op on a laptop, where it is always shown). */
  async showSidebar() {
    const menu = this.page.getByRole("button", { name: "Chats" });
    if (await menu.isVisible()) {
      await menu.click();
      await this.page.waitForFunction(() => {
        const sidebar = document.querySelector(".sidebar");
        return sidebar !== null && sidebar.getBoundingClientRect().left >= 0;
      });
    }
  }

  /** Closes the phone drawer again (a no-op on a laptop). */
  async hideSidebar() {
    if (await this.page.locator(".app.drawer-open").count()) {
      // At the right edge: the scrim lies under the drawer everywhere else.
      const width = this.page.viewportSize()?.width ?? 390;
      await this.page.getByRole("button", { name: "Close the chat list" }).click({ force: true, position: { x: width - 10, y: 400 } });
      await this.page.locator(".app.drawer-open").waitFor({ state: "detached", timeout: TIMEOUT_MS });
    }
  }

  sessionLink(sessionId) {
    return this.page.locator(`[data-testid="session-link"][data-session-id="${sessionId}"]`);
  }

  screenshot(path) {
    return this.page.screenshot({ path, fullPage: false });
  }
}

/** The stored history of a session, straight from the API (the local identity needs no token). */
export async function storedSession(baseUrl, sessionId) {
  const response = await fetch(`${baseUrl}/api/sessions/${sessionId}`);
  if (!response.ok) throw new Error(`GET /api/sessions/${sessionId}: ${response.status}`);
  return response.json();
}

/** The stored text of a session's last assistant message. */
export async function storedAnswerText(baseUrl, sessionId) {
  const view = await storedSession(baseUrl, sessionId);
  const answer = view.messages.findLast((m) => m.role === "assistant");
  return answer ? answer.parts.map((p) => (p.type === "text" ? p.text : "")).join("") : "";
}
