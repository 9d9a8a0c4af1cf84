declare const __EDGECHAT_LOCAL_BUILD__: boolean | undefined;

/**
 * True only in a bundle built with `--define __EDGECHAT_LOCAL_BUILD__:true`: `npm run dev`, the e2e,
 * crash and bench scripts, and the tests. `wrangler deploy` never defines it, so in a deployed bundle
 * this is the constant `false` and local-only switches (DEV_IDENTITY, BENCH_BASELINE) are dead code,
 * whatever vars a dashboard sets and whatever Host a proxy or a service binding sends.
 */
export const LOCAL_BUILD: boolean = typeof __EDGECHAT_LOCAL_BUILD__ !== "undefined" && __EDGECHAT_LOCAL_BUILD__ === true;
