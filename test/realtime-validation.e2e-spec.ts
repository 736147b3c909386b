import type { ClientEventName, Conversation } from '../src/contract';
import { createUser, TestUser } from './factories/user.factory';
import { createTestApp, TestApp } from './helpers/app';
import { barrier, ChatSocket, closeAllSockets, collect, connectSocket, waitFor } from './helpers/socket';
import { directConversation, request, requestOk } from './realtime-helpers';

const ID = '0123456789abcdef01234567';

describe('realtime: invalid payloads', () => {
  let t: TestApp;
  let alice: TestUser;
  let bob: TestUser;
  let conversation: Conversation;
  let socket: ChatSocket;

  beforeAll(async () => {
    t = await createTestApp();
    [alice, bob] = await Promise.all([createUser(t), createUser(t)]);
    conversation = await directConversation(t, alice, bob);
  });
  beforeEach(async () => {
    socket = await connectSocket(t.baseUrl, alice.accessToken);
  });
  afterEach(() => closeAllSockets());
  afterAll(async () => {
    await t.close();
  });

  const notObjects: [string, unknown][] = [
    ['a string', 'hello'],
    ['null', null],
    ['a number', 42],
    ['a boolean', true],
    ['an array', [1, 2]],
    ['an empty object', {}],
  ];
  const events: ClientEventName[] = ['message:send', 'message:edit', 'message:delete', 'conversation:delivered', 'conversation:read', 'typing', 'presence:subscribe'];

  it.each(events.flatMap((event) => notObjects.map(([name, payload]) => [event, name, payload] as const)))('%s with %s is a 400 ack', async (event, _name, payload) => {
    const answer = await request(socket, event, payload);
    expect(answer).toEqual({ ok: false, error: { status: 400, message: expect.anything() } });
  });

  const invalid: [ClientEventName, string, unknown][] = [
    ['message:send', 'missing text', { conversationId: ID }],
    ['message:send', 'an unknown field', { conversationId: ID, text: 'hi', admin: true }],
    ['message:send', 'a malformed conversationId', { conversationId: 'nope', text: 'hi' }],
    ['message:send', 'a malformed recipientId', { recipientId: { $ne: null }, text: 'hi' }],
    ['message:send', 'text of the wrong type', { conversationId: ID, text: 12 }],
    ['message:send', 'blank text', { conversationId: ID, text: '   ' }],
    ['message:send', 'text over MESSAGE_MAX_LENGTH', { conversationId: ID, text: 'x'.repeat(4001) }],
    ['message:send', 'neither conversationId nor recipientId', { text: 'to whom?' }],
    ['message:send', 'a clientId of the wrong type', { conversationId: ID, text: 'hi', clientId: 7 }],
    ['message:edit', 'a malformed messageId', { messageId: '123', text: 'hi' }],
    ['message:edit', 'missing text', { messageId: ID }],
    ['message:edit', 'text over MESSAGE_MAX_LENGTH', { messageId: ID, text: 'y'.repeat(4001) }],
    ['message:delete', 'a malformed messageId', { messageId: 'zzzzzzzzzzzzzzzzzzzzzzzz' }],
    ['message:delete', 'an unknown field', { messageId: ID, hard: true }],
    ['conversation:read', 'a missing messageId', { conversationId: ID }],
    ['conversation:read', 'a malformed conversationId', { conversationId: 'x', messageId: ID }],
    ['conversation:delivered', 'an object as messageId', { conversationId: ID, messageId: { $gt: '' } }],
    ['typing', 'typing as a string', { conversationId: ID, typing: 'yes' }],
    ['typing', 'a missing conversationId', { typing: true }],
    ['presence:subscribe', 'userIds not an array', { userIds: ID }],
    ['presence:subscribe', 'a malformed id among userIds', { userIds: [ID, 'nope'] }],
    ['presence:subscribe', 'too many userIds', { userIds: Array.from({ length: 501 }, () => ID) }],
  ];

  it.each(invalid)('%s with %s is a 400 ack', async (event, _name, payload) => {
    const answer = await request(socket, event, payload);
    expect(answer).toEqual({ ok: false, error: { status: 400, message: expect.anything() } });
  });

  it('lists what is wrong, as REST does', async () => {
    const answer = await request(socket, 'message:send', { conversationId: 'nope', text: 5, extra: 1 });
    expect(answer.ok).toBe(false);
    if (answer.ok) return;
    expect(answer.error.message).toEqual(expect.arrayContaining(['property extra should not exist', 'conversationId must be a valid id', 'text must be a string']));
  });

  it('keeps the socket connected and working after a burst of invalid payloads, ack or not', async () => {
    const raw = socket as unknown as { emit(event: string, ...args: unknown[]): void };
    for (const [, payload] of notObjects) raw.emit('message:send', payload);
    raw.emit('message:send');
    raw.emit('typing', ID, true, 'extra');
    raw.emit('no-such-event', { x: 1 });
    for (const [event, , payload] of invalid) await request(socket, event, payload);
    expect(socket.connected).toBe(true);
    const bobSocket = await connectSocket(t.baseUrl, bob.accessToken);
    const arrival = waitFor(bobSocket, 'message:new');
    const message = await requestOk(socket, 'message:send', { conversationId: conversation.id, text: 'still here' });
    await expect(arrival).resolves.toEqual(message);
    // And nothing invalid was stored or announced along the way.
    const listing = await t.http().get(`/api/v1/conversations/${conversation.id}/messages`).set(alice.auth).expect(200);
    expect(listing.body.items.map((item: { text: string }) => item.text)).toEqual(['still here']);
  });

  it('an invalid payload announces nothing to anybody', async () => {
    const bobSocket = await connectSocket(t.baseUrl, bob.accessToken);
    const [messages, typing, updates] = [collect(bobSocket, 'message:new'), collect(bobSocket, 'typing'), collect(bobSocket, 'message:updated')];
    await request(socket, 'message:send', { conversationId: conversation.id, text: '' });
    await request(socket, 'typing', { conversationId: conversation.id, typing: 'maybe' });
    // Barrier: a valid message sent after both were answered; only it reached bob.
    const marker = await barrier(bobSocket, () => requestOk(socket, 'message:send', { conversationId: conversation.id, text: 'barrier' }));
    expect(messages).toEqual([marker]);
    expect(typing).toEqual([]);
    expect(updates).toEqual([]);
  });
});
