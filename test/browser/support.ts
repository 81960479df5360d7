/**
 * The browser the dashboard's tests drive: Debian's Chromium (apt-get
 * install chromium; .ci/run installs it when missing) through
 * playwright-core, which downloads no browser of its own. CHROMIUM_PATH
 * overrides the path. Without Chromium the browser tests are skipped with a
 * warning locally and fail in CI (CI=true).
 */
import { existsSync } from "node:fs";
import { type Browser, chromium, type Page } from "playwright-core";

export const CHROMIUM = process.env.CHROMIUM_PATH || "/usr/bin/chromium";
export const hasChromium = existsSync(CHROMIUM);

if (!hasChromium) {
  const message = `no Chromium at ${CHROMIUM}: apt-get install -y chromium (or set CHROMIUM_PATH)`;
  if (process.env.CI) throw new Error(message);
  console.warn(`skipping the dashboard's browser tests: ${message}`);
}

export function launchChromium(): Promise<Browser> {
  return chromium.launch({ executablePath: CHROMIUM, headless: true });
}

/** Every console error and uncaught exception of a page, as text. */
export function consoleErrors(page: Page): string[] {
  const errors: string[] = [];
  page.on("console", (m) => {
    if (m.type() === "error") errors.push(`console: ${m.text()} (${m.location().url})`);
  });
  page.on("pageerror", (e) => errors.push(`uncaught: ${e.message}`));
  return errors;
}
