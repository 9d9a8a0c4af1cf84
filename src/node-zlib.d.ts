/**
 * The part of `node:zlib` the chunk log uses (workerd provides it with the `nodejs_compat` flag). Typed
 * here because the Worker is typed with @cloudflare/workers-types alone, not @types/node.
 */
declare module "node:zlib" {
  export function deflateRawSync(data: string | Uint8Array): Uint8Array;
  export function inflateRawSync(data: Uint8Array): Uint8Array;
}
