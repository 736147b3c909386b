import type { Conversation, Message } from '../src/contract';
import { createUser, TestUser } from './factories/user.factory';
import { createTestApp, TestApp } from './helpers/app';
import { barrier, closeAllSockets, collect, connectSocket } from './helpers/socket';
import { directConversation, groupConversation, messagesOf, request, requestOk } from './realtime-helpers';

const LIMIT = 3;

interface Answer {
  status: number;
  headers: Record<string, string>;
}

/** A REST write refused by a rate limit: 429 in the contract's shape, with when to come back. */
function expectTooMany(answer: Answer & { body: unknown }): void {
  expect(answer.status).toBe(429);
  expect(Number(answer.headers['retry-after'])).toBeGreaterThan(0);
  expect(answer.body).toEqual({ statusCode: 429, error: 'Too Many Requests', message: expect.any(String) });
}

/** A socket event refused by a rate limit: a 429 ack saying when to come back; the socket stays connected. */
const tooManyAck = { ok: false, error: { status: 429, message: expect.any(String), retryAfterMs: expect.any(Number) } };

describe('Rate limits on writes (e2e, issue 22: reactions, marks, blocks, member changes, profile, sends that open a conversation; 3 per window)', () => {
  let t: TestApp;

  beforeAll(async () => {
    t = await createTestApp({
      RATE_LIMIT_WINDOW_SECONDS: '60',
      ...Object.fromEntries(['REACTION', 'MARK', 'BLOCK', 'MEMBERS', 'PROFILE', 'CONVERSATION'].map((name) => [`${name}_RATE_LIMIT`, String(LIMIT)])),
    });
  });
  afterEach(() => closeAllSockets());
  afterAll(async () => {
    await t.close();
  });

  const send = async (from: TestUser, conversationId: string, text: string): Promise<Message> =>
    (await t.http().post('/api/v1/messages').set(from.auth).send({ conversationId, text }).expect(201)).body;
  const react = (user: TestUser, messageId: string, emoji: string, on: boolean) =>
    t
      .http()
      [on ? 'put' : 'delete'](`/api/v1/messages/${messageId}/reactions/${encodeURIComponent(emoji)}`)
      .set(user.auth);
  const conversationOf = async (user: TestUser, id: string): Promise<Conversation> => (await t.http().get(`/api/v1/conversations/${id}`).set(user.auth).expect(200)).body;

  it('limits reactions per user, REST and message:react in one budget; the refused ones are not stored and nobody hears of them; another user keeps its budget', async () => {
    const [alice, bob] = await Promise.all([createUser(t), createUser(t)]);
    const direct = await directConversation(t, alice, bob);
    const message = await send(bob, direct.id, 'react to me');
    const [aliceSocket, bobSocket] = await Promise.all([connectSocket(t.baseUrl, alice.accessToken), connectSocket(t.baseUrl, bob.accessToken)]);
    const bobHears = collect(bobSocket, 'message:updated');

    expect((await react(alice, message.id, '👍', true)).status).toBe(200);
    await requestOk(aliceSocket, 'message:react', { messageId: message.id, emoji: '🎉', on: true });
    expect((await react(alice, message.id, '👍', false)).status).toBe(200);
    // The budget is spent, over REST and the socket alike.
    await expect(request(aliceSocket, 'message:react', { messageId: message.id, emoji: '😀', on: true })).resolves.toEqual(tooManyAck);
    expectTooMany(await react(alice, message.id, '🔥', true));
    expectTooMany(await react(alice, message.id, '🎉', false));
    expect(aliceSocket.connected).toBe(true);

    // Another user reacts as usual.
    expect((await react(bob, message.id, '👀', true)).status).toBe(200);
    // Barrier: every refused request was answered; what they would have announced has come by now.
    await barrier(bobSocket, () => send(alice, direct.id, 'barrier'));
    expect(bobHears.map((updated) => updated.reactions.map(({ emoji, userIds }) => ({ emoji, userIds })))).toEqual([
      [{ emoji: '👍', userIds: [alice.id] }],
      [
        { emoji: '👍', userIds: [alice.id] },
        { emoji: '🎉', userIds: [alice.id] },
      ],
      [{ emoji: '🎉', userIds: [alice.id] }],
      [
        { emoji: '🎉', userIds: [alice.id] },
        { emoji: '👀', userIds: [bob.id] },
      ],
    ]);
    const stored = (await messagesOf(t, bob, direct.id)).find((item) => item.id === message.id);
    expect(stored?.reactions.map(({ emoji, userIds }) => ({ emoji, userIds }))).toEqual([
      { emoji: '🎉', userIds: [alice.id] },
      { emoji: '👀', userIds: [bob.id] },
    ]);
  });

  it('limits read and delivered marks per user, REST, first-release and socket in one budget; a refused mark moves nothing; another user keeps its budget', async () => {
    const [alice, bob] = await Promise.all([createUser(t), createUser(t)]);
    const direct = await directConversation(t, alice, bob);
    const messages: Message[] = [];
    for (let i = 0; i < 5; i += 1) messages.push(await send(bob, direct.id, `m${i}`));
    const aliceSocket = await connectSocket(t.baseUrl, alice.accessToken);

    expect((await t.http().post(`/api/v1/conversations/${direct.id}/read`).set(alice.auth).send({ messageId: messages[0].id })).status).toBe(200);
    await requestOk(aliceSocket, 'conversation:delivered', { conversationId: direct.id, messageId: messages[1].id });
    expect((await t.http().put('/message/status/delivered').query({ messageId: messages[2].id }).set(alice.auth)).status).toBe(200);
    // The budget is spent: read and delivered, over every way in.
    await expect(request(aliceSocket, 'conversation:read', { conversationId: direct.id, messageId: messages[4].id })).resolves.toEqual(tooManyAck);
    await expect(request(aliceSocket, 'conversation:delivered', { conversationId: direct.id, messageId: messages[4].id })).resolves.toEqual(tooManyAck);
    expectTooMany(await t.http().post(`/api/v1/conversations/${direct.id}/read`).set(alice.auth).send({ messageId: messages[4].id }));
    expectTooMany(await t.http().post(`/api/v1/conversations/${direct.id}/delivered`).set(alice.auth).send({ messageId: messages[4].id }));
    expectTooMany(await t.http().put('/message/status/read').query({ messageId: messages[4].id }).set(alice.auth));
    expect(aliceSocket.connected).toBe(true);

    // Alice's read mark is still on m0: four unread, and bob sees m1..m4 not read by her.
    expect((await conversationOf(alice, direct.id)).unreadCount).toBe(4);
    const receipts = (await t.http().get(`/api/v1/messages/${messages[4].id}/receipts`).set(bob.auth).expect(200)).body as { userId: string; readAt: string | null }[];
    expect(receipts.find((receipt) => receipt.userId === alice.id)?.readAt ?? null).toBeNull();
    // Bob marks as usual.
    expect((await t.http().post(`/api/v1/conversations/${direct.id}/read`).set(bob.auth).send({ messageId: messages[4].id })).status).toBe(200);
  });

  it('limits blocks and unblocks per user; a refused unblock leaves the block in place; another user keeps its budget', async () => {
    const [carol, dave] = await Promise.all([createUser(t), createUser(t)]);
    await t.http().post(`/api/v1/users/${dave.id}/block`).set(carol.auth).expect(204);
    await t.http().delete(`/api/v1/users/${dave.id}/block`).set(carol.auth).expect(204);
    await t.http().post(`/api/v1/users/${dave.id}/block`).set(carol.auth).expect(204);
    expectTooMany(await t.http().delete(`/api/v1/users/${dave.id}/block`).set(carol.auth));
    expectTooMany(await t.http().post(`/api/v1/users/${dave.id}/block`).set(carol.auth));

    const blocked = (await t.http().get('/api/v1/users/me/blocked').set(carol.auth).expect(200)).body as { id: string }[];
    expect(blocked.map((user) => user.id)).toEqual([dave.id]);
    await t.http().post(`/api/v1/users/${carol.id}/block`).set(dave.auth).expect(204);
  });

  it('limits member additions, removals and renames per user; the refused ones change nothing; another member keeps its budget', async () => {
    const [owner, first, second, third] = await Promise.all([createUser(t), createUser(t), createUser(t), createUser(t)]);
    const group = await groupConversation(t, owner, [first], 'Before');
    await t.http().patch(`/api/v1/conversations/${group.id}`).set(owner.auth).send({ title: 'Renamed' }).expect(200);
    await t
      .http()
      .post(`/api/v1/conversations/${group.id}/members`)
      .set(owner.auth)
      .send({ userIds: [second.id] })
      .expect(200);
    await t.http().delete(`/api/v1/conversations/${group.id}/members/${second.id}`).set(owner.auth).expect(204);
    expectTooMany(
      await t
        .http()
        .post(`/api/v1/conversations/${group.id}/members`)
        .set(owner.auth)
        .send({ userIds: [third.id] }),
    );
    expectTooMany(await t.http().patch(`/api/v1/conversations/${group.id}`).set(owner.auth).send({ title: 'Refused' }));
    expectTooMany(await t.http().delete(`/api/v1/conversations/${group.id}/members/${first.id}`).set(owner.auth));

    const seen = await conversationOf(owner, group.id);
    expect(seen.title).toBe('Renamed');
    expect(seen.members.map((member) => member.userId).sort()).toEqual([owner.id, first.id].sort());
    // Another member leaves as usual.
    await t.http().delete(`/api/v1/conversations/${group.id}/members/${first.id}`).set(first.auth).expect(204);
  });

  it('limits profile updates per user; the refused one is not stored; another user keeps its budget', async () => {
    const [erin, frank] = await Promise.all([createUser(t), createUser(t)]);
    for (let i = 0; i < LIMIT; i += 1)
      await t
        .http()
        .patch('/api/v1/users/me')
        .set(erin.auth)
        .send({ name: `Erin ${i}` })
        .expect(200);
    expectTooMany(await t.http().patch('/api/v1/users/me').set(erin.auth).send({ name: 'Refused' }));
    expect((await t.http().get('/api/v1/users/me').set(erin.auth).expect(200)).body.name).toBe(`Erin ${LIMIT - 1}`);
    await t.http().patch('/api/v1/users/me').set(frank.auth).send({ name: 'Frank' }).expect(200);
  });

  it('counts a send by recipient that opens a conversation in the conversation limit (REST, first-release and socket); over it nothing is created or stored; sends in open conversations go on', async () => {
    const [gina, ...others] = await Promise.all(Array.from({ length: 8 }, () => createUser(t)));
    const ginaSocket = await connectSocket(t.baseUrl, gina.accessToken);
    await directConversation(t, gina, others[0]);
    const opened = (await t.http().post('/api/v1/messages').set(gina.auth).send({ recipientId: others[1].id, text: 'opens' }).expect(201)).body as Message;
    await requestOk(ginaSocket, 'message:send', { recipientId: others[2].id, text: 'opens too' });

    // The budget is spent: every way of opening one more conversation is refused.
    expectTooMany(await t.http().post('/api/v1/messages').set(gina.auth).send({ recipientId: others[3].id, text: 'refused' }));
    await expect(request(ginaSocket, 'message:send', { recipientId: others[4].id, text: 'refused' })).resolves.toEqual(tooManyAck);
    expectTooMany(await t.http().post('/message/send').set(gina.auth).send({ receiverId: others[5].id, message: 'refused' }));
    expectTooMany(await t.http().post('/api/v1/conversations').set(gina.auth).send({ type: 'direct', userId: others[6].id }));
    // None of them was created, nor any message stored.
    for (const other of others.slice(3)) {
      expect((await t.http().get('/api/v1/conversations').set(other.auth).expect(200)).body.items).toEqual([]);
    }
    expect((await t.http().get('/api/v1/conversations').set(gina.auth).expect(200)).body.items).toHaveLength(3);

    // A send by recipient into a conversation that exists opens nothing and goes through (REST, first release, socket).
    const again = (await t.http().post('/api/v1/messages').set(gina.auth).send({ recipientId: others[1].id, text: 'again' }).expect(201)).body as Message;
    expect(again.conversationId).toBe(opened.conversationId);
    await t.http().post('/message/send').set(gina.auth).send({ receiverId: others[1].id, message: 'first release' }).expect(201);
    await requestOk(ginaSocket, 'message:send', { recipientId: others[2].id, text: 'socket' });
    // Another user opens a conversation with gina as usual.
    await t.http().post('/api/v1/messages').set(others[3].auth).send({ recipientId: gina.id, text: 'hello' }).expect(201);
  });
});
