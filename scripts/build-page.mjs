#!/usr/bin/env node
// Bundles the chat page (page/) into dist/page, the Workers static-assets directory (wrangler.toml
// [assets]). wrangler runs this as its [build] command before `wrangler dev` and `wrangler deploy`,
// so a newcomer never runs it by hand. It uses the esbuild that wrangler itself ships with.
//
//   node scripts/build-page.mjs               bundle only (fast: what wrangler runs)
//   node scripts/build-page.mjs --typecheck   also type-check page/ (strict, its own tsconfig)
import { spawnSync } from "node:child_process";
import { copyFileSync, mkdirSync, rmSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { build } from "esbuild";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const outdir = join(root, "dist", "page");

if (process.argv.includes("--typecheck")) {
  // The page needs the DOM and JSX; the Worker must not see either, so page/ has its own tsconfig.
  const tsc = spawnSync(process.execPath, [join(root, "node_modules", "typescript", "bin", "tsc"), "-p", join(root, "page")], {
    stdio: "inherit",
  });
  if (tsc.status !== 0) process.exit(tsc.status ?? 1);
}

const started = Date.now();
// A clean directory each time: a file left from an older build would still be served.
rmSync(outdir, { recursive: true, force: true });
mkdirSync(outdir, { recursive: true });

await build({
  absWorkingDir: root,
  entryPoints: { app: "page/main.tsx" },
  outdir,
  bundle: true,
  format: "esm",
  platform: "browser",
  // Browsers from 2022 on: the page uses nothing newer, and the AI SDK needs ES2022 anyway.
  target: ["es2022"],
  jsx: "automatic",
  minify: true,
  sourcemap: "linked",
  define: { "process.env.NODE_ENV": '"production"' },
  legalComments: "linked",
  logLevel: "warning",
  plugins: [onlyEnglishZodErrors()],
});
/**
 * zod's `z.locales` namespace re-exports its error messages in ~50 languages (260 kB minified), and
 * the AI SDK imports zod as a namespace, so esbuild cannot drop them. The page never shows zod's
 * messages and zod itself defaults to English: keep only `en`.
 */
function onlyEnglishZodErrors() {
  return {
    name: "only-english-zod-errors",
    setup(bundle) {
      bundle.onResolve({ filter: /^\.\.\/locales\/index\.js$/ }, (args) =>
        args.importer.includes(`${join("node_modules", "zod")}`) ? { path: "zod-locales", namespace: "zod-locales" } : undefined,
      );
      bundle.onLoad({ filter: /.*/, namespace: "zod-locales" }, () => ({
        contents: 'export { default as en } from "zod/v4/locales/en.js";',
        resolveDir: root,
      }));
    },
  };
}

copyFileSync(join(root, "page", "index.html"), join(outdir, "index.html"));
copyFileSync(join(root, "page", "favicon.svg"), join(outdir, "favicon.svg"));

console.log(`[build-page] dist/page built in ${Date.now() - started} ms`);
