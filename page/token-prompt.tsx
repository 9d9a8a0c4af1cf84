import { type FormEvent, useState } from "react";

interface TokenPromptProps {
  onSave: (token: string) => void;
  /** Present when the page works without a token (the local user): the field may be closed again. */
  onCancel?: (() => void) | undefined;
}

/** Shown after a 401 (the server wants a bearer token), or to change or paste a token. */
export function TokenPrompt({ onSave, onCancel }: TokenPromptProps) {
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
      {onCancel && (
        <button type="button" className="button button-quiet" onClick={onCancel}>
          Cancel
        </button>
      )}
    </form>
  );
}
