// @ts-check

const BASE62 = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";

/** An id shaped like Anthropic's (`msg_01` + 22 base62 characters). @param {string} prefix */
export function randomId(prefix) {
  const bytes = crypto.getRandomValues(new Uint8Array(22));
  return prefix + Array.from(bytes, (byte) => BASE62[byte % 62]).join("");
}
