import { createUsers } from './factories/user.factory';
import { TestApp, useTestApp } from './helpers/app';
import { createGroup, expectError, expectMessageShape, getConversation, history, openDirect, send } from './helpers/messaging';
import { react, reactionPath } from './helpers/rich-messaging';
import { barrier, collect, connectSocket, waitFor } from './helpers/socket';
import { request, requestOk } from './realtime-helpers';

describe('Reactions (e2e)', () => {
  let t: TestApp;
  useTestApp((app) => {
    t = app;
  });

  it("PUT adds the caller's reaction (200 Message), a repeat is a no-op; counts and userIds follow first use; DELETE takes it back", async () => {
    const [a, b, c] = await createUsers(t, 3);
    const group = await createGroup(t, a, [b, c]);
    const message = await send(t, a, group.id, 'vote');

    const first = await react(t, b, message.id, '👍');
    expectMessageShape(first);
    expect(first.reactions).toEqual([{ emoji: '👍', count: 1, userIds: [b.id] }]);
    expect(first.editedAt).toBeNull();
    await react(t, c, message.id, '🎉');
    await react(t, c, message.id, '👍');
    const again = await react(t, b, message.id, '👍');
    expect(again.reactions).toEqual([
      { emoji: '👍', count: 2, userIds: [b.id, c.id] },
      { emoji: '🎉', count: 1, userIds: [c.id] },
    ]);

    const removed = await react(t, c, message.id, '🎉', false);
    expect(removed.reactions).toEqual([{ emoji: '👍', count: 2, userIds: [b.id, c.id] }]);
    expect(await react(t, c, message.id, '🎉', false)).toMatchObject({ reactions: removed.reactions });
    // The history page and the conversation's lastMessage show the same.
    expect((await history(t, a, group.id)).items[0].reactions).toEqual(removed.reactions);
    expect((await getConversation(t, c, group.id)).lastMessage?.reactions).toEqual(removed.reactions);
  });

  it('"❤" and "❤️" are one reaction; skin tones, flags, keycaps and ZWJ sequences are single emoji', async () => {
    const [a, b] = await createUsers(t, 2);
    const message = await send(t, a, (await openDirect(t, a, b)).id, 'emoji');
    await react(t, a, message.id, '❤');
    const both = await react(t, b, message.id, '❤️');
    expect(both.reactions).toEqual([{ emoji: '❤️', count: 2, userIds: [a.id, b.id] }]);
    for (const emoji of ['👍🏽', '🇫🇷', '1️⃣', '👨‍👩‍👧']) await react(t, a, message.id, emoji);
    expect((await react(t, a, message.id, '❤', false)).reactions.map((r) => r.emoji)).toEqual(['❤️', '👍🏽', '🇫🇷', '1️⃣', '👨‍👩‍👧']);
  });

  it('anything but one emoji is a 400 that changes nothing', async () => {
    const [a, b] = await createUsers(t, 2);
    const message = await send(t, a, (await openDirect(t, a, b)).id, 'x');
    for (const emoji of ['a', '👍👍', 'ok', '1', ' ', '<script>', '👍a']) {
      const response = await t.http().put(reactionPath(message.id, emoji)).set(a.auth);
      if (response.status !== 400) throw new Error(`${emoji} → ${response.status}`);
      expectError(response, 400);
    }
    expectError(await t.http().put(`/api/v1/messages/${message.id}/reactions/%E0%A4%A`).set(a.auth), 400);
    expectError(
      await t
        .http()
        .put(`/api/v1/messages/not-an-id/reactions/${encodeURIComponent('👍')}`)
        .set(a.auth),
      400,
    );
    expect((await history(t, a, message.conversationId)).items[0].reactions).toEqual([]);
  });

  it('a non-member cannot react or unreact (404), and a removed member no longer can', async () => {
    const [a, b, outsider] = await createUsers(t, 3);
    const group = await createGroup(t, a, [b]);
    const message = await send(t, a, group.id, 'members only');
    expectError(await t.http().put(reactionPath(message.id, '👍')).set(outsider.auth), 404);
    expectError(await t.http().delete(reactionPath(message.id, '👍')).set(outsider.auth), 404);
    expectError(await t.http().put(reactionPath('ffffffffffffffffffffffff', '👍')).set(a.auth), 404);
    await t.http().delete(`/api/v1/conversations/${group.id}/members/${b.id}`).set(a.auth).expect(204);
    expectError(await t.http().put(reactionPath(message.id, '👍')).set(b.auth), 404);
    expect((await history(t, a, group.id)).items[0].reactions).toEqual([]);
  });

  it('reacting to a deleted message is a 409; 20 different emoji at most (409 for a 21st, a known one still counts up)', async () => {
    const [a, b] = await createUsers(t, 2);
    const direct = await openDirect(t, a, b);
    const doomed = await send(t, a, direct.id, 'soon gone');
    await react(t, b, doomed.id, '👍');
    await t.http().delete(`/api/v1/messages/${doomed.id}`).set(a.auth).expect(204);
    expectError(await t.http().put(reactionPath(doomed.id, '👍')).set(b.auth), 409);
    const tombstone = (await history(t, a, direct.id)).items.find((m) => m.id === doomed.id);
    expect(tombstone).toMatchObject({ text: null, reactions: [] });

    const popular = await send(t, a, direct.id, 'popular');
    const twenty = Array.from({ length: 20 }, (_, i) => String.fromCodePoint(0x1f600 + i));
    await Promise.all(twenty.map((emoji) => react(t, a, popular.id, emoji)));
    expectError(await t.http().put(reactionPath(popular.id, '🚀')).set(b.auth), 409);
    const counted = await react(t, b, popular.id, twenty[3]);
    expect(counted.reactions).toHaveLength(20);
    expect(counted.reactions.find((r) => r.emoji === twenty[3])).toMatchObject({ count: 2 });
  });

  it('concurrent reactions are all kept (one atomic update each, no lost write)', async () => {
    const users = await createUsers(t, 8);
    const group = await createGroup(t, users[0], users.slice(1));
    const message = await send(t, users[0], group.id, 'race');
    await Promise.all(users.map((user) => react(t, user, message.id, '🔥')));
    const [reaction] = (await history(t, users[0], group.id)).items[0].reactions;
    expect(reaction.count).toBe(8);
    expect([...reaction.userIds].sort()).toEqual(users.map((user) => user.id).sort());
  });

  it("racing one's own adds and removes of a reaction never answers 409 (issue 22, defect 6): each is applied or a no-op answered with the message", async () => {
    const [a, b] = await createUsers(t, 2);
    const message = await send(t, a, (await openDirect(t, a, b)).id, 'flip flop');
    await react(t, a, message.id, '🎉');
    const statuses: number[] = [];
    for (let round = 0; round < 15; round++) {
      const answers = await Promise.all(
        Array.from({ length: 8 }, (_, i) => {
          const path = reactionPath(message.id, '👍');
          return (i % 2 === 0 ? t.http().put(path) : t.http().delete(path)).set(b.auth);
        }),
      );
      for (const answer of answers) {
        statuses.push(answer.status);
        if (answer.status === 200) expect(answer.body.id).toBe(message.id);
      }
    }
    expect(statuses.filter((status) => status !== 200)).toEqual([]);
    // A's reaction was never touched; B's is there or not, nothing else.
    const [stored] = (await history(t, a, message.conversationId)).items;
    expect(stored.reactions.find((r) => r.emoji === '🎉')).toEqual({ emoji: '🎉', count: 1, userIds: [a.id] });
    expect(stored.reactions.filter((r) => r.emoji !== '🎉').every((r) => r.emoji === '👍' && r.count === 1 && r.userIds[0] === b.id)).toBe(true);
  });

  it('every member gets message:updated (REST and message:react alike); the socket ack is the Message', async () => {
    const [a, b, outsider] = await createUsers(t, 3);
    const direct = await openDirect(t, a, b);
    const message = await send(t, a, direct.id, 'hello');
    const [aSocket, bSocket, outsiderSocket] = await Promise.all([a, b, outsider].map((user) => connectSocket(t.baseUrl, user.accessToken)));
    const outsiderSees = collect(outsiderSocket, 'message:updated');

    const toA = waitFor(aSocket, 'message:updated');
    const viaRest = await react(t, b, message.id, '👍');
    await expect(toA).resolves.toEqual(viaRest);

    const toB = waitFor(bSocket, 'message:updated', { predicate: (m) => m.reactions.length === 2 });
    const acked = await requestOk(aSocket, 'message:react', { messageId: message.id, emoji: '😂', on: true });
    expect(acked.reactions).toEqual([
      { emoji: '👍', count: 1, userIds: [b.id] },
      { emoji: '😂', count: 1, userIds: [a.id] },
    ]);
    await expect(toB).resolves.toEqual(acked);
    const off = await requestOk(aSocket, 'message:react', { messageId: message.id, emoji: '😂', on: false });
    expect(off.reactions).toEqual([{ emoji: '👍', count: 1, userIds: [b.id] }]);

    await expect(request(outsiderSocket, 'message:react', { messageId: message.id, emoji: '👍', on: true })).resolves.toMatchObject({ ok: false, error: { status: 404 } });
    await expect(request(aSocket, 'message:react', { messageId: message.id, emoji: 'nope', on: true })).resolves.toMatchObject({ ok: false, error: { status: 400 } });
    await expect(request(aSocket, 'message:react', { messageId: message.id, emoji: '👍' })).resolves.toMatchObject({ ok: false, error: { status: 400 } });
    // Barrier: a later event to the outsider proves the earlier ones would have arrived by now.
    await barrier(outsiderSocket, async () => send(t, a, (await openDirect(t, a, outsider)).id, 'barrier'));
    expect(outsiderSees).toEqual([]);
  });

  it('/sync replays a reaction (and its removal) as a change of the message, editedAt untouched', async () => {
    const [a, b] = await createUsers(t, 2);
    const message = await send(t, a, (await openDirect(t, a, b)).id, 'sync me');
    const { cursor } = (await t.http().get('/api/v1/sync').set(a.auth).expect(200)).body;
    await react(t, b, message.id, '👀');
    const synced = (await t.http().get('/api/v1/sync').query({ since: cursor }).set(a.auth).expect(200)).body;
    const replayed = synced.messages.find((m: { id: string }) => m.id === message.id);
    expect(replayed).toMatchObject({ editedAt: null, reactions: [{ emoji: '👀', count: 1, userIds: [b.id] }] });
    await react(t, b, message.id, '👀', false);
    const later = (await t.http().get('/api/v1/sync').query({ since: synced.cursor }).set(a.auth).expect(200)).body;
    expect(later.messages.find((m: { id: string }) => m.id === message.id)).toMatchObject({ reactions: [] });
  });
});
