import { GuardedUpdates } from '../src/database/guarded-update';
import { createUser, TestUser } from './factories/user.factory';
import { createTestApp, TestApp } from './helpers/app';
import { createGroup, membership, openDirect, send } from './helpers/messaging';

/**
 * The test database is FerretDB, where guarded updates run by document (read, check, write by _id).
 * This file forces the other mode, the one MongoDB uses (the guard inside the update's filter), so
 * that both ways stay covered by the same behaviour.
 */
describe('guarded updates in filter mode (as on MongoDB)', () => {
  let t: TestApp;
  let a: TestUser;
  let b: TestUser;
  let c: TestUser;

  beforeAll(async () => {
    t = await createTestApp({ DB_GUARDED_UPDATES: 'filter' });
    [a, b, c] = await Promise.all([createUser(t), createUser(t), createUser(t)]);
  });
  afterAll(async () => {
    await t.close();
  });

  it('runs in filter mode', async () => {
    await expect(t.app.get(GuardedUpdates).mode()).resolves.toBe('filter');
  });

  it('marks only move forward; reading implies delivered; an older mark is a no-op', async () => {
    const direct = await openDirect(t, a, b);
    const m1 = await send(t, a, direct.id, 'one');
    const m2 = await send(t, a, direct.id, 'two');
    await t.http().post(`/api/v1/conversations/${direct.id}/read`).set(b.auth).send({ messageId: m2.id }).expect(200);
    expect(await membership(t, direct.id, b.id)).toMatchObject({ readUpToSeq: 2, deliveredUpToSeq: 2 });
    const older = await t.http().post(`/api/v1/conversations/${direct.id}/read`).set(b.auth).send({ messageId: m1.id }).expect(200);
    expect(older.body).toEqual({ conversationId: direct.id, userId: b.id, readUpTo: m2.id, unreadCount: 0 });
    expect(await membership(t, direct.id, b.id)).toMatchObject({ readUpToSeq: 2, deliveredUpToSeq: 2 });
    const page = await t.http().get(`/api/v1/conversations/${direct.id}/messages`).set(a.auth).expect(200);
    expect(page.body.items.map((message: { status: string }) => message.status)).toEqual(['read', 'read']);
  });

  it('the list summary keeps the newest of concurrent sends and follows edits and deletes of the last message', async () => {
    const group = await createGroup(t, a, [b, c]);
    const sent = await Promise.all(Array.from({ length: 12 }, (_, i) => send(t, [a, b, c][i % 3], group.id, `n${i}`)));
    const newest = sent.reduce((top, message) => (message.seq > top.seq ? message : top));
    const listed = async () => (await t.http().get(`/api/v1/conversations/${group.id}`).set(c.auth).expect(200)).body.lastMessage;
    expect(await listed()).toMatchObject({ id: newest.id, seq: 12 });
    const sender = [a, b, c].find((user) => user.id === newest.senderId) as TestUser;
    await t.http().patch(`/api/v1/messages/${newest.id}`).set(sender.auth).send({ text: 'edited' }).expect(200);
    expect(await listed()).toMatchObject({ id: newest.id, text: 'edited' });
    const older = sent.find((message) => message.seq === 3) as { id: string; senderId: string };
    const olderSender = [a, b, c].find((user) => user.id === older.senderId) as TestUser;
    await t.http().patch(`/api/v1/messages/${older.id}`).set(olderSender.auth).send({ text: 'not last' }).expect(200);
    expect(await listed()).toMatchObject({ id: newest.id, text: 'edited' });
    await t.http().delete(`/api/v1/messages/${newest.id}`).set(sender.auth).expect(204);
    expect(await listed()).toMatchObject({ id: newest.id, text: null, deletedAt: expect.any(String) });
  });
});
