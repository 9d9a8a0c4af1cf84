import { AbstractChat, type ChatState, type ChatStatus, type UIMessage } from "ai6";

/** ai 6's own chat logic (AbstractChat), unmodified, with an in-memory state: the stock client of ai 6. */
export class TestChat6 extends AbstractChat<UIMessage> {
  constructor(
    init: ConstructorParameters<typeof AbstractChat<UIMessage>>[0] extends infer I
      ? Omit<I & object, "state"> & { messages?: UIMessage[] }
      : never,
  ) {
    const state: ChatState<UIMessage> = {
      status: "ready" as ChatStatus,
      error: undefined,
      messages: init.messages ?? [],
      pushMessage: (m) => {
        state.messages = [...state.messages, m];
      },
      popMessage: () => {
        state.messages = state.messages.slice(0, -1);
      },
      replaceMessage: (i, m) => {
        state.messages = [...state.messages.slice(0, i), m, ...state.messages.slice(i + 1)];
      },
      snapshot: (thing) => structuredClone(thing),
    };
    super({ ...init, state } as never);
  }
}
