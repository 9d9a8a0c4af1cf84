// A minimal runner: scenarios run one after another, each in a fresh browser context (a clean
// profile: no localStorage or cookies from the one before); a failing one leaves a screenshot of
// every page it opened. The closing line is exactly `N passed, M failed`.
import { mkdirSync, readdirSync, rmSync } from "node:fs";
import { join } from "node:path";

/** Laptop-size viewport for scenarios that do not set one. */
export const LAPTOP = { width: 1280, height: 800 };
/** A phone, for scenarios with `device: "phone"`: the sidebar is a drawer there. */
export const PHONE = { viewport: { width: 390, height: 844 }, deviceScaleFactor: 2, isMobile: true, hasTouch: true };

/**
 * @param {{ browser: import('playwright-core').Browser, screenshots: string, scenarios: { name: string, device?: "phone", run: Function }[], context: object }} options
 */
export async function runScenarios({ browser, screenshots, scenarios, context }) {
  mkdirSync(screenshots, { recursive: true });
  // Screenshots of an earlier run (a failure's above all) would mislead: start empty.
  for (const file of readdirSync(screenshots)) if (file.endsWith(".png")) rmSync(join(screenshots, file));
  let passed = 0;
  let failed = 0;
  for (const scenario of scenarios) {
    const started = Date.now();
    const browserContext = await browser.newContext(scenario.device === "phone" ? PHONE : { viewport: LAPTOP });
    try {
      await scenario.run({ ...context, browserContext, shot: (name) => join(screenshots, `${name}.png`) });
      passed += 1;
      console.log(`  ✓ ${scenario.name} (${((Date.now() - started) / 1000).toFixed(1)} s)`);
    } catch (error) {
      failed += 1;
      console.log(
        `  ✗ ${scenario.name} (${((Date.now() - started) / 1000).toFixed(1)} s)\n    ${String(error?.stack ?? error).replaceAll("\n", "\n    ")}`,
      );
      const slug = scenario.name.replace(/[^a-z0-9]+/gi, "-").toLowerCase();
      for (const [i, page] of browserContext.pages().entries()) {
        await page.screenshot({ path: join(screenshots, `failed-${slug}-${i + 1}.png`) }).catch(() => {});
      }
    } finally {
      await browserContext.close().catch(() => {});
    }
  }
  return { passed, failed };
}

/** Throws with `message` unless `condition` holds. */
export function check(condition, message) {
  if (!condition) throw new Error(message);
}
