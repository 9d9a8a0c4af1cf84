#!/usr/bin/env node
// Mints a bearer token for a user: an HS256 JWT signed with AUTH_SECRET, `sub` = the user id.
//   AUTH_SECRET=... npm run token -- --sub alice [--ttl 3600]
// Your own auth system should mint these in production; this is for trying a deployment and for ops.
import { sign } from "hono/jwt";

const args = process.argv.slice(2);
const option = (name, fallback) => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 && args[i + 1] !== undefined ? args[i + 1] : fallback;
};
const secret = process.env.AUTH_SECRET;
const sub = option("sub");
const ttl = Number(option("ttl", "3600"));
if (!secret || !sub || !(ttl > 0)) {
  console.error("usage: AUTH_SECRET=<secret> npm run token -- --sub <user id> [--ttl <seconds>]");
  process.exit(2);
}
const now = Math.floor(Date.now() / 1000);
console.log(await sign({ sub, iat: now, exp: now + ttl }, secret, "HS256"));
