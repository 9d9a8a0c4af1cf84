#!/usr/bin/env node
// Bundles the chat page (page/) into dist/page, the Workers static-assets directory (wrangler.toml
// [assets]). wrangler runs this as its [build] command before `wrangler dev` and `wrangler deploy`,
// so a newcomer never runs it by hand. It uses the esbuild that wrangler itself ships with.
//
//   node scripts/build-page.mjs               bundle only (fast: what wrangler runs)
//   node scripts/build-page.mjs --typecheck   also type-check page/ (strict, its own tsconfig)
import { spawnSync } from "node:child_process";
import { copyFileSync, mkdirSync, readdirSync, renameSync, rmSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { build } from "esbuild";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const outdir = join(root, "dist", "page");
/**
 * Source maps go beside the assets, not among them: everything in dist/page is public, and the maps
 * (about 4 MB) hold the whole source. Open them locally (devtools "Add source map") when debugging.
 */
const mapsdir = join(root, "dist", "page-sourcemaps");

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
rmSync(mapsdir, { recursive: true, force: true });
mkdirSync(outdir, { recursive: true });
mkdirSync(mapsdir, { recursive: true });

await build({
  absWorkingDir: root,
  entryPoints: { app: "page/main.tsx" },
  outdir,
  // Dynamic imports become chunks loaded when first needed: the Markdown renderer (markdown.tsx) and
  // each of the highlighter's languages and themes (Shiki's bundledLanguages are dynamic imports).
  splitting: true,
  chunkNames: "chunks/[name]-[hash]",
  bundle: true,
  format: "esm",
  platform: "browser",
  // Browsers from 2022 on: the page uses nothing newer, and the AI SDK needs ES2022 anyway.
  target: ["es2022"],
  jsx: "automatic",
  minify: true,
  // "external": maps are written but no asset points at them (they are moved out of dist/page below).
  sourcemap: "external",
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

moveSourceMaps(outdir);

function moveSourceMaps(dir) {
  for (const entry of readdirSync(dir, { withFileTypes: true, recursive: true })) {
    if (!entry.isFile() || !entry.name.endsWith(".map")) continue;
    const from = join(entry.parentPath, entry.name);
    renameSync(from, join(mapsdir, from.slice(outdir.length + 1).replaceAll("/", "__")));
  }
}

copyFileSync(join(root, "page", "index.html"), join(outdir, "index.html"));
copyFileSync(join(root, "page", "favicon.svg"), join(outdir, "favicon.svg"));

console.log(`[build-page] dist/page built in ${Date.now() - started} ms`);
