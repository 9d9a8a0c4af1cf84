import { AbstractChat, type ChatInit, type ChatState, type ChatStatus, DefaultChatTransport, type UIMessage } from "ai6";
import { ORIGIN, tokenFor, workerFetch } from "./api";

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

/** The stock Chat of ai 6 with its stock DefaultChatTransport, as `user`, against this Worker. */
export async function stockChat6(
  id: string,
  options: { user?: string } & Pick<ChatInit<UIMessage>, "sendAutomaticallyWhen"> = {},
): Promise<TestChat6> {
  const token = await tokenFor(options.user ?? "alice");
  const transport = new DefaultChatTransport<UIMessage>({
    api: `${ORIGIN}/api/chat`,
    headers: { authorization: `Bearer ${token}` },
    fetch: workerFetch,
  });
  return new TestChat6({
    id,
    transport,
    ...(options.sendAutomaticallyWhen ? { sendAutomaticallyWhen: options.sendAutomaticallyWhen } : {}),
  });
}
