import { type FormEvent, useState } from "react";

/** Shown after a 401: the server wants a bearer token (a deployed Worker; dev on localhost needs none). */
export function TokenPrompt({ onSave }: { onSave: (token: string) => void }) {
  const [token, setToken] = useState("");
  const submit = (event: FormEvent) => {
    event.preventDefault();
    const trimmed = token.trim().replace(/^Bearer\s+/i, "");
    if (trimmed) onSave(trimmed);
  };
  return (
    <form className="banner banner-token" onSubmit={submit} data-testid="token-prompt">
      <label htmlFor="token">This server needs a token.</label>
      <input
        id="token"
        type="password"
        autoComplete="off"
        placeholder="Paste your token"
        value={token}
        onChange={(event) => setToken(event.target.value)}
      />
      <button type="submit" className="button button-primary" disabled={!token.trim()}>
        Save
      </button>
    </form>
  );
}
