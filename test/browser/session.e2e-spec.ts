/**
 * The web client keeps a person signed in across access-token expiry (10 s here): it refreshes through
 * POST /api/v1/auth/refresh before expiry, recovers from a refused token (401 → one refresh → retry, and
 * a socket handshake refused as Unauthorized), and sends the person to the log-in form only when the
 * refresh token itself is refused. Real app, real database, Debian's Chromium (see chat.e2e-spec.ts).
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { chromium, type Browser, type BrowserContext, type Locator, type Page } from 'playwright-core';
import { createTestApp, type TestApp } from '../helpers/app';
import { eventually, WAIT_MS } from './browser-helpers';

const ROOT = join(__dirname, '..', '..');
const CHROMIUM = '/usr/bin/chromium';
const SCREENSHOTS = join(ROOT, 'test-output', 'screenshots');
const PASSWORD = 'correct horse battery staple';
const ACCESS_TTL_SECONDS = 10;

jest.setTimeout(120_000);

/** The part of the browser's localStorage used here (this file compiles without the DOM library). */
interface BrowserStorage {
  getItem(key: string): string | null;
  setItem(key: string, value: string): void;
}

interface Person {
  name: string;
  context: BrowserContext;
  page: Page;
}

function bubbles(page: Page, text: string): Locator {
  return page.getByTestId('message').filter({ has: page.getByTestId('message-text').getByText(text, { exact: true }) });
}

describe('web client sessions in Chromium (short-lived access tokens)', () => {
  let testApp: TestApp;
  let browser: Browser;
  let ada: Person;
  let bob: Person;
  const refreshCalls: string[] = [];

  async function signUp(name: string, email: string): Promise<Person> {
    const context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
    const page = await context.newPage();
    page.on('request', (request) => {
      if (request.url().endsWith('/api/v1/auth/refresh')) refreshCalls.push(name);
    });
    await page.goto(`${testApp.baseUrl}/`);
    await page.getByTestId('auth-mode-signup').click();
    await page.getByLabel('Name', { exact: true }).fill(name);
    await page.getByLabel('E-mail', { exact: true }).fill(email);
    await page.getByLabel('Password', { exact: true }).fill(PASSWORD);
    await page.getByTestId('auth-submit').click();
    await eventually(() => page.getByTestId('connection-status').getAttribute('data-state'), 'online', `${name} connected`);
    return { name, context, page };
  }

  async function send(from: Person, to: Person, text: string): Promise<void> {
    await from.page.getByLabel('Message', { exact: true }).fill(text);
    await from.page.keyboard.press('Enter');
    await bubbles(to.page, text).waitFor({ state: 'visible', timeout: WAIT_MS });
    await eventually(async () => [await bubbles(from.page, text).count(), await bubbles(to.page, text).count()], [1, 1], `"${text}" shown once on both sides`);
  }

  /** Rewrites the stored session as if its tokens had been revoked or had expired. */
  async function spoilStoredTokens(page: Page, which: { access?: boolean; refresh?: boolean }): Promise<void> {
    await page.evaluate((spoil) => {
      const storage = (globalThis as unknown as { localStorage: BrowserStorage }).localStorage;
      const session = JSON.parse(storage.getItem('chatify.session') ?? '{}');
      if (spoil.access) {
        session.accessToken = 'not-a-valid-token';
        session.accessExpiresAt = Date.now() + 3_600_000; // the client believes it, the server does not
      }
      if (spoil.refresh) session.refreshToken = 'not-a-valid-refresh-token';
      storage.setItem('chatify.session', JSON.stringify(session));
    }, which);
  }

  /**
   * Leaves the app (so no refresh timer can overwrite the spoiled tokens), spoils them from a static
   * page of the same origin, and starts the app again.
   */
  async function restartWithSpoiledTokens(page: Page, which: { access?: boolean; refresh?: boolean }): Promise<void> {
    await page.goto(`${testApp.baseUrl}/favicon.svg`);
    await spoilStoredTokens(page, which);
    await page.goto(`${testApp.baseUrl}/`);
  }

  beforeAll(async () => {
    if (!existsSync(CHROMIUM)) throw new Error(`${CHROMIUM} is missing: run scripts/ensure-chromium.sh`);
    if (!existsSync(join(ROOT, 'dist', 'web', 'index.html'))) {
      execFileSync(process.execPath, [join(ROOT, 'web', 'build.mjs')], { cwd: ROOT, stdio: 'inherit' });
    }
    mkdirSync(SCREENSHOTS, { recursive: true });
    testApp = await createTestApp({ JWT_ACCESS_TTL_SECONDS: String(ACCESS_TTL_SECONDS) });
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run', '--disable-quic'],
    });
    ada = await signUp('Ada Lovelace', 'ada@example.test');
    bob = await signUp('Bob Builder', 'bob@example.test');
    await ada.page.getByTestId('new-chat-button').click();
    await ada.page.getByLabel('Find people by name or e-mail').fill('Bob');
    await ada.page.getByRole('button', { name: 'Message Bob Builder' }).click();
    await ada.page.getByLabel('Message', { exact: true }).fill('First, with the first token');
    await ada.page.keyboard.press('Enter');
    await bob.page.getByTestId('conversation-item').filter({ hasText: ada.name }).click({ timeout: WAIT_MS });
    await bubbles(bob.page, 'First, with the first token').waitFor({ state: 'visible', timeout: WAIT_MS });
  });

  afterAll(async () => {
    await ada?.context.close().catch(() => undefined);
    await bob?.context.close().catch(() => undefined);
    await browser?.close();
    await testApp?.close();
  });

  it('stays signed in and keeps chatting after the access tokens expired twice over', async () => {
    await ada.page.waitForTimeout(ACCESS_TTL_SECONDS * 2_000 + 2_000);
    for (const person of [ada, bob]) {
      expect(await person.page.getByTestId('me-name').textContent()).toBe(person.name);
      await eventually(() => person.page.getByTestId('connection-status').getAttribute('data-state'), 'online', `${person.name} still connected`);
    }
    expect(refreshCalls.filter((name) => name === ada.name).length).toBeGreaterThanOrEqual(2);

    await send(ada, bob, 'Still here after the tokens expired');
    await send(bob, ada, 'Me too');
    expect(await ada.page.getByTestId('message').and(ada.page.locator('[data-status="failed"]')).count()).toBe(0);
    await ada.page.screenshot({ path: join(SCREENSHOTS, 'session-after-expiry-ada.png') });
  });

  it('recovers from a refused access token with one refresh: socket handshake and REST', async () => {
    // A second tab of Ada's rewrites the stored session; the first tab picks it up through the
    // storage event and reconnects its socket with the refused token after a network drop.
    const otherTab = await ada.context.newPage();
    await otherTab.goto(`${testApp.baseUrl}/`);
    await eventually(() => otherTab.getByTestId('connection-status').getAttribute('data-state'), 'online', 'second tab connected');
    await spoilStoredTokens(otherTab, { access: true });
    await ada.context.setOffline(true);
    await eventually(() => ada.page.getByTestId('connection-status').getAttribute('data-state'), 'offline', 'offline');
    await ada.context.setOffline(false);
    await eventually(() => ada.page.getByTestId('connection-status').getAttribute('data-state'), 'online', 'socket reconnected after refreshing');
    await send(ada, bob, 'After a refused handshake');

    await otherTab.close();

    // REST: the app starts with the refused token, gets a 401, refreshes once and retries.
    await restartWithSpoiledTokens(ada.page, { access: true });
    await eventually(() => ada.page.getByTestId('me-name').textContent(), ada.name, 'still signed in after reload');
    await eventually(() => ada.page.getByTestId('connection-status').getAttribute('data-state'), 'online', 'connected again');
    await eventually(() => ada.page.getByTestId('conversation-item').count(), 1, 'conversations loaded');
    await ada.page.getByTestId('conversation-item').first().click();
    await send(ada, bob, 'After a refused token');
  });

  it('shows the log-in form when the refresh token is refused too', async () => {
    await restartWithSpoiledTokens(ada.page, { access: true, refresh: true });
    await ada.page.getByTestId('auth-form').waitFor({ state: 'visible', timeout: WAIT_MS });
    await eventually(() => ada.page.getByTestId('auth-error').textContent(), 'Your session has ended. Please log in again.', 'told why');
    expect(await ada.page.evaluate(() => (globalThis as unknown as { localStorage: BrowserStorage }).localStorage.getItem('chatify.session'))).toBeNull();
    await ada.page.screenshot({ path: join(SCREENSHOTS, 'session-ended-ada.png') });
  });
});
