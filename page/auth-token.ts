/**
 * The bearer token the page sends, if any. Under `npm run dev` on localhost the API treats a request
 * without a token as the local user, so the page sends none until the API answers 401; then the
 * user pastes a token, which is kept in localStorage so a reload (or a second tab) keeps it.
 */
const STORAGE_KEY = "edgechat.token";

type Listener = () => void;
const unauthorizedListeners = new Set<Listener>();

export function readToken(): string | null {
  try {
    return localStorage.getItem(STORAGE_KEY);
  } catch {
    // Storage can be disabled (privacy modes); the page then works without a saved token.
    return null;
  }
}

export function saveToken(token: string | null): void {
  try {
    if (token) localStorage.setItem(STORAGE_KEY, token);
    else localStorage.removeItem(STORAGE_KEY);
  } catch {
    // Disabled storage: the token is simply not remembered.
  }
}

/** Headers for every API call; DefaultChatTransport resolves this function before each request. */
export function authHeaders(): Record<string, string> {
  const token = readToken();
  return token ? { authorization: `Bearer ${token}` } : {};
}

/** Any caller that got a 401 reports it here; the app then asks for a token. */
export function reportUnauthorized(): void {
  for (const listener of unauthorizedListeners) listener();
}

export function onUnauthorized(listener: Listener): () => void {
  unauthorizedListeners.add(listener);
  return () => unauthorizedListeners.delete(listener);
}
