/**
 * Rich messaging in the web client, in Debian's Chromium against the real app and database: groups
 * (create, rename, add, leave), @ mentions, replies with quotes, reactions, editing and deleting,
 * message search and blocking. Ada uses a desktop-size window, Bob a phone-size one; Cleo exists
 * through the API only. Every step checks what a person sees, with keyboard use where it matters.
 * Screenshots: test-output/screenshots/rich-NN-<step>-<person>.png (not committed).
 */
import { join } from 'node:path';
import type { Browser, Locator, Page } from 'playwright-core';
import { createTestApp, type TestApp } from '../helpers/app';
import { bubbles, DESKTOP, eventually, launchChromium, PHONE, type Person, SCREENSHOTS, signUpInBrowser, visible } from './browser-helpers';

jest.setTimeout(180_000);

/** The part of the browser's localStorage used here (this file compiles without the DOM library). */
interface BrowserStorage {
  getItem(key: string): string | null;
}

describe('rich messaging in the web client (Chromium)', () => {
  let testApp: TestApp;
  let browser: Browser;
  let ada: Person;
  let bob: Person;
  let cleo: { id: string; name: string; token: string };
  let groupId: string;

  let shot = 0;
  async function screenshot(step: string, ...people: Person[]): Promise<void> {
    shot += 1;
    for (const person of people) {
      const file = `rich-${String(shot).padStart(2, '0')}-${step}-${person.name.split(' ')[0].toLowerCase()}.png`;
      await person.page.screenshot({ path: join(SCREENSHOTS, file), animations: 'disabled' });
    }
  }

  /** The signed-in person's access token, as the page keeps it. */
  const tokenOf = (person: Person) =>
    person.page.evaluate(() => JSON.parse((globalThis as unknown as { localStorage: BrowserStorage }).localStorage.getItem('chatify.session') ?? '{}').accessToken as string);

  async function api<T>(token: string, method: string, path: string, body?: unknown): Promise<T> {
    const response = await fetch(`${testApp.baseUrl}/api/v1${path}`, {
      method,
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    if (!response.ok) throw new Error(`${method} ${path}: ${response.status} ${await response.text()}`);
    return (response.status === 204 ? undefined : await response.json()) as T;
  }

  const item = (page: Page, title: string) => page.getByTestId('conversation-item').filter({ has: page.getByTestId('conversation-title').getByText(title, { exact: true }) });

  /** Opens a conversation from the list (on a phone, from the list view). */
  async function openConversation(person: Person, title: string): Promise<void> {
    if (await person.page.getByTestId('back-button').isVisible()) await person.page.getByTestId('back-button').click();
    // Back from message search to the conversation list.
    await person.page.getByLabel('Search messages').fill('');
    await item(person.page, title).click();
    await eventually(() => person.page.getByTestId('chat-title').textContent(), title, `${person.name} opened ${title}`);
  }

  /** The action buttons of a bubble appear on hover or focus; a click on the bubble focuses it (a tap on a phone). */
  async function action(bubble: Locator, name: 'reply' | 'react' | 'edit' | 'delete'): Promise<void> {
    await bubble.locator('.bubble').click();
    await bubble.getByTestId(`${name}-button`).click();
  }

  beforeAll(async () => {
    browser = await launchChromium(/^rich-\d\d-.*\.png$/);
    testApp = await createTestApp();
    const signup = await fetch(`${testApp.baseUrl}/api/v1/auth/signup`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ name: 'Cleo Coder', email: 'cleo@example.test', password: 'correct horse battery staple' }),
    });
    const body = (await signup.json()) as { user: { id: string; name: string }; accessToken: string };
    cleo = { id: body.user.id, name: body.user.name, token: body.accessToken };
  });

  afterAll(async () => {
    await ada?.context.close().catch(() => undefined);
    await bob?.context.close().catch(() => undefined);
    await browser?.close();
    await testApp?.close();
  });

  it('signs Ada (desktop) and Bob (phone) up', async () => {
    ada = await signUpInBrowser(browser, testApp.baseUrl, 'Ada Lovelace', 'ada@example.test', DESKTOP);
    bob = await signUpInBrowser(browser, testApp.baseUrl, 'Bob Builder', 'bob@example.test', PHONE);
    for (const person of [ada, bob]) await eventually(() => person.page.getByTestId('connection-status').getAttribute('data-state'), 'online', `${person.name} connected`);
  });

  it('lets Ada create a group with Bob, then rename it and add Cleo from the group info', async () => {
    const page = ada.page;
    await page.getByTestId('new-group-button').click();
    await page.getByLabel('Group name', { exact: true }).fill('Trip');
    await page.getByLabel('Find people by name or e-mail').fill('Bob');
    await page.getByRole('button', { name: `Add ${bob.name}` }).click();
    await page.getByRole('button', { name: 'Create group' }).click();
    await eventually(() => page.getByTestId('chat-title').textContent(), 'Trip', 'group opened on Ada');
    groupId = new URL(page.url()).hash.replace('#/c/', '');

    await page.getByRole('button', { name: 'Group info' }).click();
    const dialog = page.getByTestId('group-dialog');
    await visible(dialog);
    await dialog.getByLabel('Name of the group').fill('Trip planning');
    await dialog.getByTestId('group-rename-save').click();
    await dialog.getByLabel('Add people').fill('Cleo');
    await dialog.getByRole('button', { name: `Add ${cleo.name} to the group` }).click();
    await eventually(() => dialog.getByTestId('group-member').count(), 3, 'three members listed');
    expect(await dialog.getByTestId('group-member').filter({ hasText: 'Ada Lovelace (you)' }).textContent()).toContain('Admin');
    await screenshot('group-info', ada);
    await page.keyboard.press('Escape');
    await eventually(() => page.getByTestId('chat-title').textContent(), 'Trip planning', 'renamed on Ada');
    await eventually(() => item(bob.page, 'Trip planning').count(), 1, 'renamed group in Bob’s list');
  });

  it('suggests members after @ in a group, inserts the mention with the keyboard, and highlights it for Bob with a mention badge', async () => {
    const input = ada.page.getByLabel('Message', { exact: true });
    await input.click();
    await input.pressSequentially('@Bo', { delay: 30 });
    const suggestions = ada.page.getByTestId('mention-suggestions');
    await visible(suggestions);
    await eventually(() => suggestions.getByTestId('mention-option').allTextContents(), ['@Bob Builder'], 'Bob suggested');
    await screenshot('mention-suggestions', ada);
    await ada.page.keyboard.press('Enter');
    await eventually(() => input.inputValue(), '@Bob Builder ', 'mention inserted');
    await input.pressSequentially('can you book the train?');
    await ada.page.keyboard.press('Enter');
    const text = '@Bob Builder can you book the train?';
    await visible(bubbles(ada.page, text));

    const listed = item(bob.page, 'Trip planning');
    await eventually(() => listed.getByTestId('mention-badge').isVisible(), true, 'mention badge on Bob');
    await screenshot('mention-badge', bob);
    await openConversation(bob, 'Trip planning');
    const mention = bubbles(bob.page, text).getByTestId('mention');
    await eventually(() => mention.textContent(), '@Bob Builder', 'mention highlighted on Bob');
    expect(await mention.getAttribute('class')).toContain('mention-me');
    await screenshot('mention-highlighted', bob);
  });

  it('lets Bob reply with the quote shown; a click on the quote scrolls Ada to the original', async () => {
    const original = bubbles(bob.page, '@Bob Builder can you book the train?');
    await action(original, 'reply');
    const context = bob.page.getByTestId('composer-context');
    await visible(context);
    expect(await context.textContent()).toContain('Replying to Ada Lovelace');
    await bob.page.getByLabel('Message', { exact: true }).fill('Booked for 9:15!');
    await screenshot('replying', bob);
    await bob.page.keyboard.press('Enter');
    await eventually(() => context.isVisible(), false, 'reply bar closed');

    const reply = bubbles(ada.page, 'Booked for 9:15!');
    await visible(reply);
    const quote = reply.getByTestId('message-quote');
    await eventually(() => quote.locator('.quote-sender').textContent(), 'You', 'quote names Ada’s own message as hers');
    await eventually(() => quote.locator('.quote-text').textContent(), '@Bob Builder can you book the train?', 'quote text on Ada');
    // Push the original out of view, then follow the quote back to it.
    for (let i = 0; i < 12; i += 1) await api(cleo.token, 'POST', '/messages', { conversationId: groupId, text: `filler ${i}` });
    await visible(bubbles(ada.page, 'filler 11'));
    await ada.page.getByTestId('messages').evaluate((element) => {
      (element as unknown as { scrollTop: number; scrollHeight: number }).scrollTop = (element as unknown as { scrollHeight: number }).scrollHeight;
    });
    const target = bubbles(ada.page, '@Bob Builder can you book the train?');
    await quote.click();
    await eventually(async () => (await target.getAttribute('class'))?.includes('highlight') ?? false, true, 'original highlighted');
    expect(await target.isVisible()).toBe(true);
    await screenshot('quote-followed', ada, bob);
  });

  it('lets Ada react from the picker (mouse and keyboard); counts show for both, and Bob toggles his own', async () => {
    const onAda = bubbles(ada.page, 'Booked for 9:15!');
    await action(onAda, 'react');
    const picker = ada.page.getByTestId('reaction-picker');
    await visible(picker);
    await screenshot('reaction-picker', ada);
    await picker.getByRole('button', { name: 'React with 👍' }).click();
    const thumbsOnAda = onAda.getByTestId('reaction').filter({ hasText: '👍' });
    await eventually(() => thumbsOnAda.textContent(), '👍1', 'Ada’s reaction');
    expect(await thumbsOnAda.getAttribute('aria-pressed')).toBe('true');

    // The keyboard: focus React, Enter opens the picker, arrows move, Enter picks.
    await onAda.getByTestId('react-button').focus();
    await ada.page.keyboard.press('Enter');
    await visible(picker);
    await ada.page.keyboard.press('ArrowRight');
    await ada.page.keyboard.press('Enter');
    await eventually(() => onAda.getByTestId('reaction').allTextContents(), ['👍1', '❤️1'], 'heart added with the keyboard');

    const onBob = bubbles(bob.page, 'Booked for 9:15!');
    const thumbsOnBob = onBob.getByTestId('reaction').filter({ hasText: '👍' });
    await eventually(() => thumbsOnBob.textContent(), '👍1', 'Bob sees Ada’s reaction');
    expect(await thumbsOnBob.getAttribute('aria-pressed')).toBe('false');
    await thumbsOnBob.click();
    await eventually(() => thumbsOnAda.textContent(), '👍2', 'two on Ada');
    await eventually(() => thumbsOnBob.getAttribute('aria-pressed'), 'true', 'Bob’s own pressed');
    await screenshot('reactions', ada, bob);
    await thumbsOnBob.click();
    await eventually(() => thumbsOnAda.textContent(), '👍1', 'Bob took his back');
  });

  it('lets Ada edit and delete her own messages (not others’); the reply’s quote follows the edit', async () => {
    const mine = bubbles(ada.page, '@Bob Builder can you book the train?');
    expect(await bubbles(ada.page, 'Booked for 9:15!').getByTestId('edit-button').isHidden()).toBe(true);
    await action(mine, 'edit');
    const input = ada.page.getByLabel('Message', { exact: true });
    await eventually(() => input.inputValue(), '@Bob Builder can you book the train?', 'text in the composer');
    await input.fill('@Bob Builder can you book the 9:15 train?');
    await screenshot('editing', ada);
    await ada.page.keyboard.press('Enter');
    const edited = bubbles(bob.page, '@Bob Builder can you book the 9:15 train?');
    await visible(edited);
    expect(await edited.locator('.edited').isVisible()).toBe(true);
    await eventually(
      () => bubbles(bob.page, 'Booked for 9:15!').getByTestId('message-quote').locator('.quote-text').textContent(),
      '@Bob Builder can you book the 9:15 train?',
      'quote follows the edit',
    );

    await input.fill('Typo, ignore');
    await ada.page.keyboard.press('Enter');
    const typo = bubbles(ada.page, 'Typo, ignore');
    await visible(typo);
    await eventually(async () => ['sent', 'delivered', 'read'].includes((await typo.getAttribute('data-status')) ?? ''), true, 'typo stored');
    ada.page.once('dialog', (dialog) => void dialog.accept());
    await action(typo, 'delete');
    await visible(bubbles(bob.page, 'This message was deleted'));
    await visible(bubbles(ada.page, 'This message was deleted'));
    await screenshot('edited-and-deleted', ada, bob);
  });

  it('finds a message by search; a result opens its conversation at that message, also far back in history', async () => {
    const adaId = (await api<{ id: string }>(await tokenOf(ada), 'GET', '/users/me')).id;
    const direct = await api<{ id: string }>(await tokenOf(bob), 'POST', '/conversations', { type: 'direct', userId: adaId });
    const bobToken = await tokenOf(bob);
    await api(bobToken, 'POST', '/messages', { conversationId: direct.id, text: 'My passport renewal is due in May' });
    for (let i = 0; i < 60; i += 1) await api(bobToken, 'POST', '/messages', { conversationId: direct.id, text: `chatter ${i}` });

    const search = ada.page.getByLabel('Search messages');
    await search.fill('passports');
    await search.press('Enter');
    const result = ada.page.getByTestId('search-result');
    await eventually(() => result.count(), 1, 'one result');
    expect(await result.textContent()).toContain('My passport renewal is due in May');
    await screenshot('search-results', ada);
    // Keyboard: ArrowDown from the field to the result, Enter opens it.
    await search.press('ArrowDown');
    await ada.page.keyboard.press('Enter');
    await eventually(() => ada.page.getByTestId('chat-title').textContent(), bob.name, 'direct conversation opened');
    const found = bubbles(ada.page, 'My passport renewal is due in May');
    await visible(found);
    await eventually(async () => (await found.getAttribute('class'))?.includes('highlight') ?? false, true, 'result highlighted');
    await screenshot('search-opened', ada);

    // On the phone: the search sits above the list, and a result opens the chat view.
    await bob.page.getByTestId('back-button').click();
    await bob.page.getByLabel('Search messages').fill('train');
    await bob.page.getByLabel('Search messages').press('Enter');
    await eventually(() => bob.page.getByTestId('search-result').count(), 1, 'Bob’s result');
    await screenshot('search-phone', bob);
    await bob.page.getByTestId('search-result').click();
    await visible(bubbles(bob.page, '@Bob Builder can you book the 9:15 train?'));
    await bob.page.getByTestId('back-button').click();
    await bob.page.getByLabel('Search messages').fill('');
    await visible(item(bob.page, ada.name));
  });

  it('lets Ada block Bob with a clear notice; Bob cannot send; unblocking restores it', async () => {
    await openConversation(ada, bob.name);
    ada.page.once('dialog', (dialog) => void dialog.accept());
    await ada.page.getByRole('button', { name: `Block ${bob.name}` }).click();
    const notice = ada.page.getByTestId('blocked-notice');
    await eventually(() => notice.isVisible(), true, 'notice on Ada');
    expect(await notice.textContent()).toContain(`You blocked ${bob.name}`);
    expect(await ada.page.getByTestId('composer').isHidden()).toBe(true);
    await screenshot('blocked-notice', ada);

    await openConversation(bob, ada.name);
    await bob.page.getByLabel('Message', { exact: true }).fill('Are you there?');
    await bob.page.keyboard.press('Enter');
    const refused = bubbles(bob.page, 'Are you there?');
    await eventually(() => refused.getAttribute('data-status'), 'failed', 'refused on Bob');
    await eventually(() => bob.page.getByTestId('blocked-notice-text').textContent(), `You can’t send messages to ${ada.name}.`, 'notice on Bob');
    expect(await bob.page.getByTestId('unblock-button').isHidden()).toBe(true);
    await screenshot('blocked-send', bob);
    expect(await bubbles(ada.page, 'Are you there?').count()).toBe(0);

    await ada.page.getByTestId('unblock-button').click();
    await eventually(() => notice.isVisible(), false, 'notice gone on Ada');
    await refused.getByRole('button', { name: 'Retry' }).click();
    await visible(bubbles(ada.page, 'Are you there?'));
    await eventually(() => bob.page.getByTestId('blocked-notice').isVisible(), false, 'notice gone on Bob');
  });

  it('lets Bob leave the group; it leaves his list and Ada sees two members', async () => {
    await openConversation(bob, 'Trip planning');
    await bob.page.getByRole('button', { name: 'Group info' }).click();
    const dialog = bob.page.getByTestId('group-dialog');
    await visible(dialog);
    expect(await dialog.getByTestId('group-rename-save').isHidden()).toBe(true);
    await screenshot('group-info-member', bob);
    bob.page.once('dialog', (confirm) => void confirm.accept());
    await dialog.getByTestId('leave-group-button').click();
    await eventually(() => item(bob.page, 'Trip planning').count(), 0, 'group gone from Bob’s list');
    await openConversation(ada, 'Trip planning');
    await eventually(async () => (await ada.page.getByTestId('presence').textContent())?.startsWith('2 members') ?? false, true, 'two members on Ada');
  });
});
