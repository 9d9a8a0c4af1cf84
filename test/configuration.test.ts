import { runInDurableObject } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import type { ChatSession } from "../src/session/chat-session";
import { getSession, newSessionId, send } from "./support/api";
import { sessionObject } from "./support/session-object";
import { readSse } from "./support/sse";

describe("configuration errors", () => {
  it("without an API key a send is refused with not_configured before anything is written", async () => {
    const id = newSessionId();
    await readSse((await send(id, "configured at first fake:text tokens=2")).body!);
    const before = (await getSession(id)).body;
    // The object reads its configuration once; take the key away as a deployment without the secret would have it.
    await runInDurableObject(sessionObject(id), (instance: ChatSession) => {
      (instance as unknown as { config: { anthropicApiKey?: string } }).config.anthropicApiKey = undefined;
    });
    const res = await send(id, "no key now fake:text tokens=2");
    expect(res.status).toBe(503);
    expect(await res.json<any>()).toEqual({
      error: { code: "not_configured", message: "The model is not configured on this server (ANTHROPIC_API_KEY is missing)." },
    });
    const after = (await getSession(id)).body;
    expect(after.messages).toEqual(before.messages);
    expect(after.sequences).toEqual(before.sequences);
  });
});
