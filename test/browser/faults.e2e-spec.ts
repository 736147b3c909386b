/**
 * The web client in Chromium across a Redis crash: Ada on one instance, Bob on another, Redis between
 * them killed (-9) and restarted empty. Bob's socket never drops (his instance is fine), so what Ada
 * wrote meanwhile can only reach him through the catch-up the server asks for (`sync:required`).
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser } from 'playwright-core';
import { createTestApp, type TestApp } from '../helpers/app';
import { REDIS_SCRIPT, redisUnavailable } from '../helpers/redis';
import { freePort } from '../setup/global-setup';
import { bubbles, DESKTOP, eventually, launchChromium, type Person, signUpInBrowser, visible } from './browser-helpers';

jest.setTimeout(120_000);

const unavailable = redisUnavailable();
if (unavailable) console.warn(`browser faults: skipped, redis-server is not available: ${unavailable}`);

/** chatify_handshakes_total{outcome="accepted"} of one instance. */
async function acceptedHandshakes(app: TestApp): Promise<number> {
  const text = await (await fetch(`${app.baseUrl}/metrics`)).text();
  const line = text.split('\n').find((row) => row.startsWith('chatify_handshakes_total{outcome="accepted"} '));
  return line ? Number(line.split(' ').pop()) : 0;
}

(unavailable ? describe.skip : describe)('web client in Chromium: Redis crash between two instances', () => {
  let redisDir: string;
  let redisPort: number;
  let one: TestApp;
  let two: TestApp;
  let browser: Browser;
  let ada: Person;
  let bob: Person;

  const startRedis = () => execFileSync(REDIS_SCRIPT, ['start', redisDir, String(redisPort)], { stdio: 'ignore' });

  beforeAll(async () => {
    redisDir = mkdtempSync(join(tmpdir(), 'chatify-browser-redis-'));
    redisPort = await freePort();
    startRedis();
    browser = await launchChromium(/^faults-.*\.png$/);
    const env = { REDIS_URL: `redis://127.0.0.1:${redisPort}` };
    one = await createTestApp(env);
    two = await createTestApp(env, { database: one.database });
  });

  afterAll(async () => {
    await ada?.context.close().catch(() => undefined);
    await bob?.context.close().catch(() => undefined);
    await browser?.close();
    await two?.close();
    await one?.close();
    if (redisDir) {
      execFileSync(REDIS_SCRIPT, ['stop', redisDir], { stdio: 'ignore' });
      rmSync(redisDir, { recursive: true, force: true });
    }
  });

  it('shows Bob what Ada wrote while Redis was away once it is back, without reconnecting, and once', async () => {
    ada = await signUpInBrowser(browser, one.baseUrl, 'Ada Faults', 'ada.faults@example.test', DESKTOP);
    bob = await signUpInBrowser(browser, two.baseUrl, 'Bob Faults', 'bob.faults@example.test', DESKTOP);
    for (const person of [ada, bob]) {
      await eventually(() => person.page.getByTestId('connection-status').getAttribute('data-state'), 'online', `${person.name} connected`);
    }
    await ada.page.getByTestId('new-chat-button').click();
    await ada.page.getByLabel('Find people by name or e-mail').fill('bob');
    const result = ada.page.getByTestId('person-result').filter({ hasText: bob.name });
    await visible(result);
    await result.getByRole('button', { name: `Message ${bob.name}` }).click();
    await ada.page.getByLabel('Message', { exact: true }).fill('Before the outage');
    await ada.page.keyboard.press('Enter');
    await bob.page.getByTestId('conversation-item').filter({ hasText: ada.name }).click();
    await visible(bubbles(bob.page, 'Before the outage'));
    const handshakesBefore = await acceptedHandshakes(two);

    const pid = Number(readFileSync(join(redisDir, 'redis.pid'), 'utf8'));
    process.kill(pid, 'SIGKILL');
    execFileSync('bash', ['-c', `while kill -0 ${pid} 2>/dev/null && ! grep -q '^[^)]*) [ZX]' /proc/${pid}/stat 2>/dev/null; do sleep 0.05; done`]);
    await ada.page.getByLabel('Message', { exact: true }).fill('Written while Redis was away');
    await ada.page.keyboard.press('Enter');
    const away = bubbles(ada.page, 'Written while Redis was away');
    await eventually(async () => ['sent', 'delivered', 'read'].includes((await away.getAttribute('data-status')) ?? ''), true, 'stored (ticked) on Ada');
    await ada.page.screenshot({ path: join(__dirname, '..', '..', 'test-output', 'screenshots', 'faults-1-redis-away-ada.png') });

    startRedis();
    await visible(bubbles(bob.page, 'Written while Redis was away'), 20_000);
    expect(await bubbles(bob.page, 'Written while Redis was away').count()).toBe(1);
    // Bob caught up over the socket he already had: his instance admitted no new connection.
    expect(await acceptedHandshakes(two)).toBe(handshakesBefore);
    // He has the conversation open, so catching up read it: Ada's ticks turn to read.
    await eventually(() => away.getAttribute('data-status'), 'read', 'read ticks on Ada after Bob caught up');
    await bob.page.screenshot({ path: join(__dirname, '..', '..', 'test-output', 'screenshots', 'faults-2-caught-up-bob.png') });
  });
});
