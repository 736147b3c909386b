/**
 * The web client in a real browser (Debian's Chromium driven by playwright-core), against the real app
 * and a real database (DocumentDB): two people, each in a browser context of their own, sign up through the form and
 * chat. Ada uses a desktop-size window, Bob a phone-size one (list and chat are two views there).
 *
 * Every assertion is about what a person sees: texts, the ticks' status, the typing line, presence.
 * Screenshots of each step land in test-output/screenshots/ (not committed).
 *
 * Needs /usr/bin/chromium (scripts/ensure-chromium.sh) and the built client in dist/web (built here
 * with web/build.mjs when missing, which `npm test` normally does beforehand through `npm run build`).
 */
import { join } from 'node:path';
import type { Browser } from 'playwright-core';
import { createTestApp, type TestApp } from '../helpers/app';
import { bubbles, cspViolations, DESKTOP, eventually, launchChromium, PASSWORD, PHONE, type Person, SCREENSHOTS, signUpInBrowser, visible } from './browser-helpers';

jest.setTimeout(120_000);

let shot = 0;
async function screenshot(step: string, ...people: Person[]): Promise<void> {
  shot += 1;
  for (const person of people) {
    const file = `${String(shot).padStart(2, '0')}-${step}-${person.name.split(' ')[0].toLowerCase()}.png`;
    await person.page.screenshot({ path: join(SCREENSHOTS, file), animations: 'disabled' });
  }
}

describe('web client in Chromium', () => {
  let testApp: TestApp;
  let browser: Browser;
  let ada: Person;
  let bob: Person;

  const signUp = (name: string, email: string, viewport: { width: number; height: number }) => signUpInBrowser(browser, testApp.baseUrl, name, email, viewport);

  beforeAll(async () => {
    // This run's numbered steps replace the previous run's.
    browser = await launchChromium(/^\d\d-.*\.png$/);
    testApp = await createTestApp();
  });

  afterAll(async () => {
    await ada?.context.close().catch(() => undefined);
    await bob?.context.close().catch(() => undefined);
    await browser?.close();
    await testApp?.close();
  });

  it('serves the client at / with the sign-up form', async () => {
    const response = await fetch(`${testApp.baseUrl}/`);
    expect(response.status).toBe(200);
    expect(await response.text()).toContain('<title>Chatify</title>');
  });

  it('lets two people sign up through the form and shows them signed in and connected', async () => {
    ada = await signUp('Ada Lovelace', 'ada@example.test', DESKTOP);
    bob = await signUp('Bob Builder', 'Bob@Example.test', PHONE);
    for (const person of [ada, bob]) {
      await eventually(() => person.page.getByTestId('me-name').textContent(), person.name, `${person.name} signed in`);
      await eventually(() => person.page.getByTestId('connection-status').getAttribute('data-state'), 'online', `${person.name} connected`);
    }
    await screenshot('signed-up', ada, bob);
  });

  it('lets Ada find Bob by name and open a direct conversation showing him online', async () => {
    const page = ada.page;
    await page.getByTestId('new-chat-button').click();
    await page.getByLabel('Find people by name or e-mail').fill('bob');
    const result = page.getByTestId('person-result').filter({ hasText: bob.name });
    await visible(result);
    await screenshot('search', ada);
    await result.getByRole('button', { name: `Message ${bob.name}` }).click();

    await eventually(() => page.getByTestId('chat-title').textContent(), bob.name, 'conversation title');
    await eventually(() => page.getByTestId('presence').textContent(), 'online', 'Bob shown online');
    await eventually(() => page.getByTestId('conversation-item').count(), 1, 'one conversation in the list');
  });

  it('shows Ada her message at once, and Bob the new conversation with an unread badge', async () => {
    await ada.page.getByLabel('Message', { exact: true }).fill('Hello Bob!');
    await ada.page.keyboard.press('Enter');
    const mine = bubbles(ada.page, 'Hello Bob!');
    await visible(mine);
    await eventually(async () => ['sent', 'delivered', 'read'].includes((await mine.getAttribute('data-status')) ?? ''), true, 'stored (ticked) on Ada');

    const item = bob.page.getByTestId('conversation-item').filter({ hasText: ada.name });
    await visible(item);
    await eventually(() => item.getByTestId('conversation-preview').textContent(), 'Hello Bob!', 'preview on Bob');
    await eventually(() => item.getByTestId('unread-badge').textContent(), '1', 'unread badge on Bob');
    await eventually(() => bob.page.title(), '(1) Chatify', 'unread count in Bob’s tab title');
    // Bob's client got it without opening the conversation: Ada sees two ticks (delivered).
    await eventually(() => mine.getAttribute('data-status'), 'delivered', 'delivered ticks on Ada');
    await screenshot('first-message', ada, bob);
  });

  it('shows Bob the message when he opens the conversation, and Ada read ticks', async () => {
    await bob.page.getByTestId('conversation-item').filter({ hasText: ada.name }).click();
    await eventually(() => bob.page.getByTestId('chat-title').textContent(), ada.name, 'Bob opened the conversation');
    await visible(bubbles(bob.page, 'Hello Bob!'));
    expect(await bubbles(bob.page, 'Hello Bob!').count()).toBe(1);

    const mine = bubbles(ada.page, 'Hello Bob!');
    await eventually(() => mine.getAttribute('data-status'), 'read', 'read status on Ada');
    await eventually(() => mine.getByTestId('message-ticks').getAttribute('aria-label'), 'Read', 'ticks labelled read');
    await screenshot('read', ada, bob);
  });

  it('delivers Bob’s reply to Ada once', async () => {
    await bob.page.getByLabel('Message', { exact: true }).fill('Hi Ada, all good here.');
    await bob.page.getByRole('button', { name: 'Send message' }).click();
    await visible(bubbles(ada.page, 'Hi Ada, all good here.'));
    await visible(bubbles(bob.page, 'Hi Ada, all good here.'));
    await ada.page.waitForTimeout(500);
    expect(await bubbles(ada.page, 'Hi Ada, all good here.').count()).toBe(1);
    expect(await bubbles(bob.page, 'Hi Ada, all good here.').count()).toBe(1);
    // Ada has the conversation open: Bob's reply is read at once.
    await eventually(() => bubbles(bob.page, 'Hi Ada, all good here.').getAttribute('data-status'), 'read', 'read status on Bob');
    await screenshot('reply', ada, bob);
  });

  it('shows Bob that Ada is typing, and hides it when she sends', async () => {
    const typing = bob.page.getByTestId('typing-indicator');
    await ada.page.getByLabel('Message', { exact: true }).pressSequentially('Shall we meet', { delay: 40 });
    await eventually(() => typing.textContent(), `${ada.name} is typing…`, 'typing indicator on Bob');
    await screenshot('typing', ada, bob);

    await ada.page.getByLabel('Message', { exact: true }).pressSequentially(' tomorrow?', { delay: 20 });
    await ada.page.keyboard.press('Enter');
    await visible(bubbles(bob.page, 'Shall we meet tomorrow?'));
    await eventually(() => typing.textContent(), '', 'typing indicator hidden on Bob');
  });

  it('catches Bob up exactly once after he was offline', async () => {
    await bob.context.setOffline(true);
    await eventually(() => bob.page.getByTestId('connection-status').getAttribute('data-state'), 'offline', 'Bob sees he is offline');

    await ada.page.getByLabel('Message', { exact: true }).fill('Sent while you were away');
    await ada.page.keyboard.press('Enter');
    const away = bubbles(ada.page, 'Sent while you were away');
    await visible(away);
    await eventually(async () => ['sent', 'delivered', 'read'].includes((await away.getAttribute('data-status')) ?? ''), true, 'stored on Ada');
    await bob.page.waitForTimeout(1_000);
    expect(await bubbles(bob.page, 'Sent while you were away').count()).toBe(0);
    await screenshot('bob-offline', ada, bob);

    await bob.context.setOffline(false);
    await eventually(() => bob.page.getByTestId('connection-status').getAttribute('data-state'), 'online', 'Bob reconnected');
    await visible(bubbles(bob.page, 'Sent while you were away'));
    // Give any late duplicate (socket event after the catch-up, or a second sync) time to show up.
    await bob.page.waitForTimeout(1_500);
    for (const text of ['Hello Bob!', 'Hi Ada, all good here.', 'Shall we meet tomorrow?', 'Sent while you were away']) {
      expect({ text, count: await bubbles(bob.page, text).count() }).toEqual({ text, count: 1 });
    }
    // Bob has the conversation open, so catching up reads it: Ada's ticks turn to read.
    await eventually(() => away.getAttribute('data-status'), 'read', 'read status on Ada after the catch-up');
    await screenshot('caught-up', ada, bob);
  });

  it('reloads instead of catching up when the stored cursor is no longer usable', async () => {
    await bob.context.setOffline(true);
    await eventually(() => bob.page.getByTestId('connection-status').getAttribute('data-state'), 'offline', 'Bob offline again');
    // What a too-old cursor (410) or a foreign one (400) leads to: the client reloads what it shows.
    await bob.page.evaluate(() => {
      const storage = (globalThis as unknown as { localStorage: { getItem(key: string): string | null; setItem(key: string, value: string): void } }).localStorage;
      const userId = JSON.parse(storage.getItem('chatify.session') ?? '{}').user.id;
      storage.setItem(`chatify.syncCursor.${userId}`, 'not-a-cursor');
    });
    await ada.page.getByLabel('Message', { exact: true }).fill('Sent past a broken cursor');
    await ada.page.keyboard.press('Enter');
    await visible(bubbles(ada.page, 'Sent past a broken cursor'));
    await bob.context.setOffline(false);
    await visible(bubbles(bob.page, 'Sent past a broken cursor'));
    await bob.page.waitForTimeout(1_000);
    for (const text of ['Hello Bob!', 'Sent while you were away', 'Sent past a broken cursor']) {
      expect({ text, count: await bubbles(bob.page, text).count() }).toEqual({ text, count: 1 });
    }
    const cursor = await bob.page.evaluate(() => {
      const storage = (globalThis as unknown as { localStorage: { getItem(key: string): string | null } }).localStorage;
      const userId = JSON.parse(storage.getItem('chatify.session') ?? '{}').user.id;
      return storage.getItem(`chatify.syncCursor.${userId}`);
    });
    expect(cursor).not.toBe('not-a-cursor');
  });

  it('keeps what Ada writes while offline as pending and sends it once she is back', async () => {
    await ada.context.setOffline(true);
    await eventually(() => ada.page.getByTestId('connection-status').getAttribute('data-state'), 'offline', 'Ada sees she is offline');
    await visible(ada.page.getByTestId('connection-banner'));
    await ada.page.getByLabel('Message', { exact: true }).fill('Written on the train');
    await ada.page.keyboard.press('Enter');
    const pending = bubbles(ada.page, 'Written on the train');
    await visible(pending);
    expect(await pending.getAttribute('data-status')).toBe('pending');
    expect(await pending.getByTestId('message-ticks').getAttribute('aria-label')).toBe('Sending');
    await screenshot('ada-offline', ada);

    await ada.context.setOffline(false);
    await visible(bubbles(bob.page, 'Written on the train'));
    await eventually(() => pending.getAttribute('data-status'), 'read', 'sent, then read by Bob who has it open');
    await bob.page.waitForTimeout(500);
    expect(await bubbles(bob.page, 'Written on the train').count()).toBe(1);
    expect(await bubbles(ada.page, 'Written on the train').count()).toBe(1);
  });

  it('lets Bob log out and back in, and then pick up the conversation', async () => {
    const page = bob.page;
    await page.getByTestId('back-button').click(); // phone width: back to the list, where the account is
    await page.getByRole('button', { name: 'Log out' }).click();
    await visible(page.getByRole('button', { name: 'Log in', exact: true }).and(page.getByTestId('auth-submit')));
    expect(await page.getByTestId('conversation-item').count()).toBe(0);

    await page.getByLabel('E-mail', { exact: true }).fill('bob@example.test'); // e-mail compares case-insensitively
    await page.getByLabel('Password', { exact: true }).fill(PASSWORD);
    await page.getByTestId('auth-submit').click();
    await eventually(() => page.getByTestId('me-name').textContent(), bob.name, 'Bob signed in again');
    const item = page.getByTestId('conversation-item').filter({ hasText: ada.name });
    await eventually(() => item.getByTestId('conversation-preview').textContent(), 'Written on the train', 'conversation list after login');
    await eventually(async () => await item.getByTestId('unread-badge').isVisible(), false, 'nothing unread');

    await item.click();
    await page.getByLabel('Message', { exact: true }).fill('Back again');
    await page.keyboard.press('Enter');
    await visible(bubbles(ada.page, 'Back again'));
    await ada.page.waitForTimeout(500);
    // A second sign-in on the same page must not double the composer's listeners.
    expect(await bubbles(ada.page, 'Back again').count()).toBe(1);
    expect(await bubbles(page, 'Back again').count()).toBe(1);
    await screenshot('logged-in-again', ada, bob);
  });

  it('lets Ada create a group with Bob; both see who wrote what, and ticks follow the members', async () => {
    await ada.page.getByTestId('new-group-button').click();
    await ada.page.getByLabel('Group name', { exact: true }).fill('Project X');
    await ada.page.getByLabel('Find people by name or e-mail').fill('Bob');
    await ada.page.getByRole('button', { name: `Add ${bob.name}` }).click();
    await ada.page.getByRole('button', { name: 'Create group' }).click();
    await eventually(() => ada.page.getByTestId('chat-title').textContent(), 'Project X', 'group opened on Ada');
    await ada.page.getByLabel('Message', { exact: true }).fill('Welcome to Project X');
    await ada.page.keyboard.press('Enter');
    const mine = bubbles(ada.page, 'Welcome to Project X');
    await visible(mine);

    await bob.page.getByTestId('back-button').click();
    const item = bob.page.getByTestId('conversation-item').filter({ hasText: 'Project X' });
    await eventually(() => item.getByTestId('conversation-preview').textContent(), `${ada.name}: Welcome to Project X`, 'group preview on Bob');
    await eventually(() => mine.getAttribute('data-status'), 'delivered', 'delivered in the group');
    await item.click();
    const theirs = bubbles(bob.page, 'Welcome to Project X');
    await visible(theirs);
    expect(await theirs.locator('.sender').textContent()).toBe(ada.name);
    // Bob is the only other member: once he read it, it is read.
    await eventually(() => mine.getAttribute('data-status'), 'read', 'read in the group');
    await screenshot('group', ada, bob);
  });

  it('ran every step above without a Content Security Policy violation in either page', () => {
    expect([...cspViolations(ada), ...cspViolations(bob)]).toEqual([]);
  });
});
