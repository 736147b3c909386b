/** Helpers shared by the browser specs. */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { chromium, type Browser, type BrowserContext, type Locator, type Page } from 'playwright-core';

/** How long a browser step may take to show what a person waits for. */
export const WAIT_MS = 10_000;

/** Polls `read` until it returns `expected` (deep-equal via JSON) or the time is up. */
export async function eventually<T>(read: () => Promise<T>, expected: T, what: string, timeoutMs = WAIT_MS): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let last: T | undefined;
  for (;;) {
    try {
      last = await read();
      if (JSON.stringify(last) === JSON.stringify(expected)) return;
    } catch {
      // The element may be re-rendering or the page navigating; read again.
    }
    if (Date.now() > deadline) throw new Error(`${what}: expected ${JSON.stringify(expected)} within ${timeoutMs} ms, last saw ${JSON.stringify(last)}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

const ROOT = join(__dirname, '..', '..');
export const CHROMIUM = '/usr/bin/chromium';
export const SCREENSHOTS = join(ROOT, 'test-output', 'screenshots');
export const PASSWORD = 'correct horse battery staple';
export const DESKTOP = { width: 1280, height: 800 };
export const PHONE = { width: 390, height: 844 };

export interface Person {
  name: string;
  email: string;
  context: BrowserContext;
  page: Page;
  /** What the person's pages wrote to the console (`type: text`), from before the first page loaded. */
  console: string[];
}

/** Console lines that report a Content Security Policy violation (Chromium logs each blocked load or script as an error). */
export const cspViolations = (person: Person): string[] => person.console.filter((line) => /Content Security Policy/i.test(line));

/**
 * Debian's Chromium, headless, with the built client in dist/web (built here when missing, which
 * `npm test` normally does beforehand); `screenshotPattern` names this spec's previous screenshots,
 * which are removed so the folder shows this run's.
 */
export async function launchChromium(screenshotPattern: RegExp): Promise<Browser> {
  if (!existsSync(CHROMIUM)) throw new Error(`${CHROMIUM} is missing: run scripts/ensure-chromium.sh`);
  if (!existsSync(join(ROOT, 'dist', 'web', 'index.html'))) {
    execFileSync(process.execPath, [join(ROOT, 'web', 'build.mjs')], { cwd: ROOT, stdio: 'inherit' });
  }
  mkdirSync(SCREENSHOTS, { recursive: true });
  for (const file of readdirSync(SCREENSHOTS)) if (screenshotPattern.test(file)) rmSync(join(SCREENSHOTS, file));
  return chromium.launch({
    executablePath: CHROMIUM,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run', '--disable-quic'],
  });
}

/** Signs a person up through the form, in a browser context of their own. */
export async function signUpInBrowser(browser: Browser, baseUrl: string, name: string, email: string, viewport: { width: number; height: number }): Promise<Person> {
  const context = await browser.newContext({ viewport, locale: 'en-GB', timezoneId: 'UTC' });
  const consoleLines: string[] = [];
  context.on('console', (message) => consoleLines.push(`${message.type()}: ${message.text()}`));
  const page = await context.newPage();
  await page.goto(`${baseUrl}/`);
  await page.getByTestId('auth-mode-signup').click();
  await page.getByLabel('Name', { exact: true }).fill(name);
  await page.getByLabel('E-mail', { exact: true }).fill(email);
  await page.getByLabel('Password', { exact: true }).fill(PASSWORD);
  await page.getByRole('button', { name: 'Create account' }).click();
  return { name, email, context, page, console: consoleLines };
}

export async function visible(locator: Locator, timeout = WAIT_MS): Promise<void> {
  await locator.waitFor({ state: 'visible', timeout });
}

/** The message bubbles (stored or still pending) whose text is exactly `text`. */
export function bubbles(page: Page, text: string): Locator {
  return page.getByTestId('message').filter({ has: page.getByTestId('message-text').getByText(text, { exact: true }) });
}
