import type { UIMessage } from "ai";
import type { AgentRunner } from "../agent/agent-runner";
import type { SessionStore } from "./session-store";

/**
 * Titles the session from its first message, off the turn's path: a small model call whose failure
 * leaves the session untitled (logged for operators; the provider's text never goes on the wire). A
 * title set meanwhile (a rename) is never replaced.
 */
export function nameSession(
  first: UIMessage,
  deps: {
    agent: Pick<AgentRunner, "title">;
    store: () => SessionStore;
    onListingChanged: () => void;
    log: (event: string, detail: Record<string, unknown>) => void;
  },
): void {
  const text = first.parts.map((part) => (part.type === "text" ? part.text : "")).join(" ");
  deps.agent.title(text).then(
    (title) => {
      const { meta } = deps.store();
      if (!title || !meta.get() || meta.get()?.title) return;
      meta.update({ title });
      deps.onListingChanged();
    },
    (error: unknown) => deps.log("title_failed", { error: error instanceof Error ? `${error.name}: ${error.message}` : String(error) }),
  );
}
