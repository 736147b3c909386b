import { Types } from 'mongoose';
import { createUsers } from './factories/user.factory';
import { createTestApp, TestApp, useTestApp } from './helpers/app';
import { createGroup, expectError, history, openDirect, send } from './helpers/messaging';
import { react, reactionPath, sendRich, setBlocked } from './helpers/rich-messaging';
import { barrier, collect, connectSocket, waitFor } from './helpers/socket';
import { request, requestOk } from './realtime-helpers';

describe('Blocking (e2e)', () => {
  let t: TestApp;
  useTestApp((app) => {
    t = app;
  });

  const storedCount = (conversationId: string) => t.connection.collection('messages').countDocuments({ conversationId: new Types.ObjectId(conversationId) });

  it('POST/DELETE /users/:id/block are 204 and idempotent; GET /users/me/blocked lists the blocked, privately', async () => {
    const [a, b, c] = await createUsers(t, 3);
    await t.http().post(`/api/v1/users/${b.id}/block`).set(a.auth).expect(204);
    await t.http().post(`/api/v1/users/${b.id}/block`).set(a.auth).expect(204);
    await setBlocked(t, a, c);
    const list = (await t.http().get('/api/v1/users/me/blocked').set(a.auth).expect(200)).body;
    expect(list.map((user: { id: string }) => user.id)).toEqual([c.id, b.id]);
    expect(Object.keys(list[0]).sort()).toEqual(['avatarUrl', 'id', 'lastSeenAt', 'name', 'online']);
    // Private: the blocked user's own list is untouched, and nothing of it shows in B's view of A.
    expect((await t.http().get('/api/v1/users/me/blocked').set(b.auth).expect(200)).body).toEqual([]);
    const aSeenByB = (await t.http().get(`/api/v1/users/${a.id}`).set(b.auth).expect(200)).body;
    expect(Object.keys(aSeenByB).sort()).toEqual(['avatarUrl', 'id', 'lastSeenAt', 'name', 'online']);

    await t.http().delete(`/api/v1/users/${b.id}/block`).set(a.auth).expect(204);
    await t.http().delete(`/api/v1/users/${b.id}/block`).set(a.auth).expect(204);
    expect((await t.http().get('/api/v1/users/me/blocked').set(a.auth).expect(200)).body.map((user: { id: string }) => user.id)).toEqual([c.id]);
  });

  it('blocking oneself is a 400, an unknown user a 404, a malformed id a 400; none changes anything', async () => {
    const [a] = await createUsers(t, 1);
    expectError(await t.http().post(`/api/v1/users/${a.id}/block`).set(a.auth), 400);
    expectError(await t.http().post('/api/v1/users/ffffffffffffffffffffffff/block').set(a.auth), 404);
    expectError(await t.http().delete('/api/v1/users/ffffffffffffffffffffffff/block').set(a.auth), 404);
    expectError(await t.http().post('/api/v1/users/nope/block').set(a.auth), 400);
    expectError(await t.http().post(`/api/v1/users/${a.id}/block`), 401);
    expect((await t.http().get('/api/v1/users/me/blocked').set(a.auth).expect(200)).body).toEqual([]);
  });

  it('while A blocks B: B cannot send into their direct conversation (either way in) nor open it, and nothing is stored', async () => {
    const [a, b] = await createUsers(t, 2);
    const direct = await openDirect(t, a, b);
    await send(t, b, direct.id, 'before');
    await setBlocked(t, a, b);

    expectError(await t.http().post('/api/v1/messages').set(b.auth).send({ conversationId: direct.id, text: 'let me in' }), 403);
    expectError(await t.http().post('/api/v1/messages').set(b.auth).send({ recipientId: a.id, text: 'let me in' }), 403);
    expectError(await t.http().post('/message/send').set(b.auth).send({ receiverId: a.id, message: 'let me in' }), 403);
    expectError(await t.http().post('/api/v1/conversations').set(b.auth).send({ type: 'direct', userId: a.id }), 403);
    const socket = await connectSocket(t.baseUrl, b.accessToken);
    await expect(request(socket, 'message:send', { conversationId: direct.id, text: 'socket', clientId: 'blocked-1' })).resolves.toMatchObject({
      ok: false,
      error: { status: 403 },
    });
    // The blocker must unblock to write; it can still open the conversation.
    expectError(await t.http().post('/api/v1/messages').set(a.auth).send({ conversationId: direct.id, text: 'hm' }), 403);
    await t.http().post('/api/v1/conversations').set(a.auth).send({ type: 'direct', userId: b.id }).expect(200);

    expect(await storedCount(direct.id)).toBe(1);
    expect((await history(t, a, direct.id)).items.map((m) => m.text)).toEqual(['before']);

    await setBlocked(t, a, b, false);
    // Unblocked: messages flow, and no number was used up by the refused sends.
    expect((await send(t, b, direct.id, 'after')).seq).toBe(2);
    expect((await t.http().get(`/api/v1/conversations/${direct.id}`).set(a.auth).expect(200)).body.unreadCount).toBe(2);
  });

  it("while A blocks B: neither edits its old messages nor reacts in their direct conversation (403, REST and socket), nothing changes, deleting one's own still works; unblock restores both", async () => {
    const [a, b] = await createUsers(t, 2);
    const direct = await openDirect(t, a, b);
    const fromB = await send(t, b, direct.id, 'from b');
    const fromA = await send(t, a, direct.id, 'from a');
    await setBlocked(t, a, b);

    // The blocked user: its own message stays as it was, and it cannot react to A's.
    expectError(await t.http().patch(`/api/v1/messages/${fromB.id}`).set(b.auth).send({ text: 'edited after the block' }), 403);
    expectError(await t.http().put(reactionPath(fromA.id, '👍')).set(b.auth), 403);
    const socket = await connectSocket(t.baseUrl, b.accessToken);
    await expect(request(socket, 'message:edit', { messageId: fromB.id, text: 'socket edit' })).resolves.toMatchObject({ ok: false, error: { status: 403 } });
    await expect(request(socket, 'message:react', { messageId: fromA.id, emoji: '👍', on: true })).resolves.toMatchObject({ ok: false, error: { status: 403 } });
    // The blocker must unblock to write, as for sends.
    expectError(await t.http().patch(`/api/v1/messages/${fromA.id}`).set(a.auth).send({ text: 'edited by the blocker' }), 403);
    expectError(await t.http().put(reactionPath(fromB.id, '👍')).set(a.auth), 403);
    expect((await history(t, a, direct.id)).items.map((m) => [m.text, m.editedAt, m.reactions])).toEqual([
      ['from b', null, []],
      ['from a', null, []],
    ]);
    // Taking one's own message back stays possible: it writes nothing new into the conversation.
    await t.http().delete(`/api/v1/messages/${fromB.id}`).set(b.auth).expect(204);
    expect((await history(t, a, direct.id)).items.map((m) => m.text)).toEqual([null, 'from a']);

    await setBlocked(t, a, b, false);
    expect((await t.http().patch(`/api/v1/messages/${fromA.id}`).set(a.auth).send({ text: 'edited' }).expect(200)).body.text).toBe('edited');
    expect((await react(t, b, fromA.id, '👍')).reactions).toEqual([{ emoji: '👍', count: 1, userIds: [b.id] }]);
  });

  it('a direct conversation first opened by the blocker after the block refuses the blocked user too', async () => {
    const [a, b] = await createUsers(t, 2);
    await setBlocked(t, a, b);
    expectError(await t.http().post('/api/v1/messages').set(b.auth).send({ recipientId: a.id, text: 'hi' }), 403);
    const direct = await openDirect(t, a, b);
    expectError(await t.http().post('/api/v1/messages').set(b.auth).send({ conversationId: direct.id, text: 'hi' }), 403);
    expect(await storedCount(direct.id)).toBe(0);
  });

  it('B cannot add A to a group, nor create one with A (403, naming nobody); A can add B; shared groups flow as usual', async () => {
    const [a, b, c] = await createUsers(t, 3);
    await setBlocked(t, a, b);
    const ofB = await createGroup(t, b, [c], 'B group');
    const refused = await t
      .http()
      .post(`/api/v1/conversations/${ofB.id}/members`)
      .set(b.auth)
      .send({ userIds: [a.id] });
    expectError(refused, 403);
    expect(refused.body.message).not.toContain(a.id);
    expectError(
      await t
        .http()
        .post('/api/v1/conversations')
        .set(b.auth)
        .send({ type: 'group', title: 'X', memberIds: [a.id, c.id] }),
      403,
    );
    expect((await t.http().get(`/api/v1/conversations/${ofB.id}`).set(b.auth).expect(200)).body.members).toHaveLength(2);

    const shared = await createGroup(t, a, [b, c], 'Shared');
    expect((await send(t, b, shared.id, 'hello all')).seq).toBe(1);
    expect((await sendRich(t, b, { conversationId: shared.id, text: '@a', mentions: [a.id] })).mentions).toEqual([a.id]);
  });

  it('presence stops both ways at once: subscribe answers hide it, REST hides it, events stop; unblock restores them', async () => {
    const [a, b, watcher] = await createUsers(t, 3);
    const aSocket = await connectSocket(t.baseUrl, a.accessToken);
    const bSocket = await connectSocket(t.baseUrl, b.accessToken);
    const watcherSocket = await connectSocket(t.baseUrl, watcher.accessToken);
    await requestOk(aSocket, 'presence:subscribe', { userIds: [b.id] });
    await requestOk(bSocket, 'presence:subscribe', { userIds: [a.id] });
    await requestOk(watcherSocket, 'presence:subscribe', { userIds: [a.id, b.id] });

    const hiddenForB = waitFor(bSocket, 'presence', { predicate: (state) => state.userId === a.id });
    const blockedEvent = waitFor(aSocket, 'block:updated');
    await setBlocked(t, a, b);
    await expect(hiddenForB).resolves.toEqual({ userId: a.id, online: false, lastSeenAt: null });
    await expect(blockedEvent).resolves.toEqual({ userId: b.id, blocked: true });
    await expect(requestOk(bSocket, 'presence:subscribe', { userIds: [a.id] })).resolves.toEqual([{ userId: a.id, online: false, lastSeenAt: null }]);
    await expect(requestOk(aSocket, 'presence:subscribe', { userIds: [b.id] })).resolves.toEqual([{ userId: b.id, online: false, lastSeenAt: null }]);
    expect((await t.http().get(`/api/v1/users/${a.id}`).set(b.auth).expect(200)).body).toMatchObject({ online: false, lastSeenAt: null });
    expect((await t.http().get(`/api/v1/users/${b.id}`).set(a.auth).expect(200)).body).toMatchObject({ online: false, lastSeenAt: null });
    expect((await t.http().get(`/api/v1/users/${a.id}`).set(watcher.auth).expect(200)).body).toMatchObject({ online: true });

    // A goes offline: the watcher hears it; B must not (barrier: a later message:new on B's socket).
    const bSees = collect(bSocket, 'presence');
    const aOffline = waitFor(watcherSocket, 'presence', { predicate: (state) => state.userId === a.id && !state.online });
    aSocket.close();
    await aOffline;
    await barrier(bSocket, async () => send(t, watcher, (await openDirect(t, watcher, b)).id, 'barrier for B'));
    expect(bSees).toEqual([]);
    // B goes offline: A (back on a new tab, subscribed) must not hear it either.
    const aTab = await connectSocket(t.baseUrl, a.accessToken);
    await requestOk(aTab, 'presence:subscribe', { userIds: [b.id] });
    const aSees = collect(aTab, 'presence');
    const bOffline = waitFor(watcherSocket, 'presence', { predicate: (state) => state.userId === b.id && !state.online });
    bSocket.close();
    await bOffline;
    await barrier(aTab, async () => send(t, watcher, (await openDirect(t, watcher, a)).id, 'barrier for A'));
    expect(aSees).toEqual([]);
    aTab.close();
    await waitFor(watcherSocket, 'presence', { predicate: (state) => state.userId === a.id && !state.online });

    // Unblocked: the real state is back.
    const b2 = await connectSocket(t.baseUrl, b.accessToken);
    await setBlocked(t, a, b, false);
    const restored = await requestOk(b2, 'presence:subscribe', { userIds: [a.id] });
    expect(restored).toEqual([{ userId: a.id, online: false, lastSeenAt: expect.any(String) }]);
    const cameOnline = waitFor(b2, 'presence', { predicate: (state) => state.userId === a.id && state.online });
    await connectSocket(t.baseUrl, a.accessToken);
    await expect(cameOnline).resolves.toMatchObject({ userId: a.id, online: true });
  });

  it('is private to the blocker: a blocked user that follows nothing of the blocker gets no event, however often the block is toggled', async () => {
    const [a, b, c] = await createUsers(t, 3);
    const bSocket = await connectSocket(t.baseUrl, b.accessToken);
    // B follows C's presence only: nothing of A.
    await requestOk(bSocket, 'presence:subscribe', { userIds: [c.id] });
    const bHears = collect(bSocket, 'presence');
    for (let round = 0; round < 5; round += 1) {
      await setBlocked(t, a, b);
      await setBlocked(t, a, b, false);
    }
    // Barrier: a later event B does get (C comes online) arrives after anything the toggles sent.
    const cOnline = waitFor(bSocket, 'presence', { predicate: (state) => state.userId === c.id && state.online });
    await connectSocket(t.baseUrl, c.accessToken);
    await cOnline;
    expect(bHears.filter((state) => state.userId === a.id)).toEqual([]);
  });

  it('typing stops both ways in a shared group while others still get it; unblock restores it', async () => {
    const [a, b, c] = await createUsers(t, 3);
    const group = await createGroup(t, a, [b, c]);
    const [aSocket, bSocket, cSocket] = await Promise.all([a, b, c].map((user) => connectSocket(t.baseUrl, user.accessToken)));
    await setBlocked(t, b, a);
    const aSees = collect(aSocket, 'typing');
    const bSees = collect(bSocket, 'typing');
    const cHearsB = waitFor(cSocket, 'typing', { predicate: (event) => event.userId === b.id });
    const cHearsA = waitFor(cSocket, 'typing', { predicate: (event) => event.userId === a.id });
    await requestOk(bSocket, 'typing', { conversationId: group.id, typing: true });
    await requestOk(aSocket, 'typing', { conversationId: group.id, typing: true });
    await Promise.all([cHearsB, cHearsA]);
    // Barrier: a message from C reaches A and B after any typing relayed before it.
    await Promise.all([aSocket, bSocket].map((socket) => barrier(socket, () => send(t, c, group.id, `barrier for ${socket.id}`))));
    expect(aSees).toEqual([]);
    expect(bSees).toEqual([]);

    await setBlocked(t, b, a, false);
    const aHearsB = waitFor(aSocket, 'typing', { predicate: (event) => event.userId === b.id });
    await requestOk(bSocket, 'typing', { conversationId: group.id, typing: false });
    await expect(aHearsB).resolves.toEqual({ conversationId: group.id, userId: b.id, typing: false });
  });

  it("/sync replays block effects: the blocker's own block list changes, and each side the other's presence as it may now see it", async () => {
    const [a, b] = await createUsers(t, 2);
    const cursorOf = async (user: typeof a) => (await t.http().get('/api/v1/sync').set(user.auth).expect(200)).body.cursor as string;
    const [aCursor, bCursor] = [await cursorOf(a), await cursorOf(b)];
    await connectSocket(t.baseUrl, a.accessToken);
    await setBlocked(t, a, b);
    const forA = (await t.http().get('/api/v1/sync').query({ since: aCursor }).set(a.auth).expect(200)).body;
    expect(forA.blocks).toEqual([{ userId: b.id, blocked: true, at: expect.any(String) }]);
    expect(forA.presence).toEqual([{ userId: b.id, online: false, lastSeenAt: null }]);
    const forB = (await t.http().get('/api/v1/sync').query({ since: bCursor }).set(b.auth).expect(200)).body;
    expect(forB.blocks).toEqual([]);
    expect(forB.presence).toEqual([{ userId: a.id, online: false, lastSeenAt: null }]);

    await setBlocked(t, a, b, false);
    const afterUnblock = (await t.http().get('/api/v1/sync').query({ since: forB.cursor }).set(b.auth).expect(200)).body;
    expect(afterUnblock.presence).toEqual([{ userId: a.id, online: true, lastSeenAt: null }]);
    const aAfter = (await t.http().get('/api/v1/sync').query({ since: forA.cursor }).set(a.auth).expect(200)).body;
    expect(aAfter.blocks).toEqual([{ userId: b.id, blocked: false, at: expect.any(String) }]);
  });

  it('takes effect at once on another instance over the same database', async () => {
    const [a, b] = await createUsers(t, 2);
    const direct = await openDirect(t, a, b);
    const other = await createTestApp({}, { database: t.database });
    try {
      await setBlocked(t, a, b);
      expectError(await other.http().post('/api/v1/messages').set(b.auth).send({ conversationId: direct.id, text: 'via two' }), 403);
      await setBlocked(other, a, b, false);
      expect((await other.http().post('/api/v1/messages').set(b.auth).send({ conversationId: direct.id, text: 'via two' })).status).toBe(201);
    } finally {
      await other.app.close();
    }
  });
});
