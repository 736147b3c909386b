import { createTestApp, TestApp } from './helpers/app';
import { createUsers } from './factories/user.factory';
import { expectError, expectMessageShape, history, membership, openDirect, send, UNKNOWN_ID } from './helpers/messaging';

describe('Seed-compatible message routes (e2e)', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await createTestApp();
  });
  afterAll(async () => {
    await t.close();
  });

  const users = (n: number) => createUsers(t, n);

  it("POST /message/send {receiverId, message} → 201 Message in the pair's direct conversation", async () => {
    const [a, b] = await users(2);
    const response = await t.http().post('/message/send').set(a.auth).send({ receiverId: b.id, message: '  from the old client ' });
    expect(response.status).toBe(201);
    expectMessageShape(response.body);
    expect(response.body).toMatchObject({ seq: 1, senderId: a.id, text: 'from the old client', clientId: null, status: 'sent' });
    // The same conversation as the new API's.
    const direct = await openDirect(t, b, a);
    expect(direct.id).toBe(response.body.conversationId);
    expect((await history(t, b, direct.id)).items.map((m) => m.id)).toEqual([response.body.id]);
  });

  it('POST /message/send validates like the new API (400, 404 unknown receiver, 401)', async () => {
    const [a] = await users(1);
    for (const body of [
      {},
      { receiverId: 'nope', message: 'x' },
      { receiverId: UNKNOWN_ID },
      { receiverId: UNKNOWN_ID, message: '   ' },
      { receiverId: UNKNOWN_ID, message: 'x'.repeat(4001) },
      { receiverId: UNKNOWN_ID, message: 'x', extra: 1 },
      { receiverId: a.id, message: 'me' },
    ]) {
      const response = await t.http().post('/message/send').set(a.auth).send(body);
      if (response.status !== 400) throw new Error(`${JSON.stringify(body).slice(0, 80)} → ${response.status}`);
      expectError(response, 400);
    }
    expectError(await t.http().post('/message/send').set(a.auth).send({ receiverId: UNKNOWN_ID, message: 'hello?' }), 404);
    expectError(await t.http().post('/message/send').send({ receiverId: a.id, message: 'anon' }), 401);
  });

  it('GET /messages?receiverId= is the direct history oldest first; [] when none; 400 malformed; 401 without token', async () => {
    const [a, b, c] = await users(3);
    const m1 = (await t.http().post('/message/send').set(a.auth).send({ receiverId: b.id, message: 'one' })).body;
    const direct = await openDirect(t, a, b);
    const m2 = await send(t, b, direct.id, 'two');
    const m3 = (await t.http().post('/message/send').set(a.auth).send({ receiverId: b.id, message: 'three' })).body;

    const fromA = await t.http().get('/messages').query({ receiverId: b.id }).set(a.auth);
    expect(fromA.status).toBe(200);
    expect(Array.isArray(fromA.body)).toBe(true);
    fromA.body.forEach(expectMessageShape);
    expect(fromA.body.map((m: { id: string }) => m.id)).toEqual([m1.id, m2.id, m3.id]);
    const fromB = await t.http().get('/messages').query({ receiverId: a.id }).set(b.auth);
    expect(fromB.body.map((m: { text: string }) => m.text)).toEqual(['one', 'two', 'three']);

    const none = await t.http().get('/messages').query({ receiverId: c.id }).set(a.auth);
    expect(none.status).toBe(200);
    expect(none.body).toEqual([]);
    expect((await t.http().get('/messages').query({ receiverId: UNKNOWN_ID }).set(a.auth)).body).toEqual([]);
    expectError(await t.http().get('/messages').query({ receiverId: 'not-an-id' }).set(a.auth), 400);
    expectError(await t.http().get('/messages').set(a.auth), 400);
    expectError(await t.http().get('/messages?receiverId[$gt]=').set(a.auth), 400);
    expectError(await t.http().get('/messages').query({ receiverId: b.id }), 401);
    // A third user cannot read the pair's history through it: it names only the caller's own pair.
    expect((await t.http().get('/messages').query({ receiverId: b.id }).set(c.auth)).body).toEqual([]);
  });

  it('DELETE /message/delete/:id → 204 tombstone, sender only', async () => {
    const [a, b, outsider] = await users(3);
    const message = (await t.http().post('/message/send').set(a.auth).send({ receiverId: b.id, message: 'bye' })).body;
    expectError(await t.http().delete(`/message/delete/${message.id}`).set(b.auth), 403);
    expectError(await t.http().delete(`/message/delete/${message.id}`).set(outsider.auth), 404);
    expectError(await t.http().delete('/message/delete/not-an-id').set(a.auth), 400);
    expectError(await t.http().delete(`/message/delete/${UNKNOWN_ID}`).set(a.auth), 404);
    expectError(await t.http().delete(`/message/delete/${message.id}`), 401);
    const deleted = await t.http().delete(`/message/delete/${message.id}`).set(a.auth);
    expect(deleted.status).toBe(204);
    const after = await t.http().get('/messages').query({ receiverId: b.id }).set(a.auth);
    expect(after.body).toEqual([expect.objectContaining({ id: message.id, text: null, deletedAt: expect.any(String) })]);
  });

  it('PUT /message/status/delivered and /read?messageId= → 200 and move the marks', async () => {
    const [a, b, outsider] = await users(3);
    const m1 = (await t.http().post('/message/send').set(a.auth).send({ receiverId: b.id, message: 'one' })).body;
    const m2 = (await t.http().post('/message/send').set(a.auth).send({ receiverId: b.id, message: 'two' })).body;
    const conversationId = m1.conversationId;

    const delivered = await t.http().put('/message/status/delivered').query({ messageId: m2.id }).set(b.auth);
    expect(delivered.status).toBe(200);
    expect(delivered.body).toEqual({ conversationId, userId: b.id, deliveredUpTo: m2.id });
    expect((await history(t, a, conversationId)).items.map((m) => m.status)).toEqual(['delivered', 'delivered']);

    const read = await t.http().put('/message/status/read').query({ messageId: m1.id }).set(b.auth);
    expect(read.status).toBe(200);
    expect(read.body).toEqual({ conversationId, userId: b.id, readUpTo: m1.id, unreadCount: 1 });
    expect((await history(t, a, conversationId)).items.map((m) => m.status)).toEqual(['read', 'delivered']);
    expect(await membership(t, conversationId, b.id)).toMatchObject({ readUpToSeq: 1, deliveredUpToSeq: 2 });

    expectError(await t.http().put('/message/status/read').query({ messageId: m2.id }).set(outsider.auth), 404);
    expectError(await t.http().put('/message/status/delivered').query({ messageId: 'nope' }).set(b.auth), 400);
    expectError(await t.http().put('/message/status/read').set(b.auth), 400);
    expectError(await t.http().put('/message/status/read').query({ messageId: UNKNOWN_ID }).set(b.auth), 404);
    expectError(await t.http().put('/message/status/read').query({ messageId: m2.id }), 401);
    expectError(await t.http().put('/message/status/delivered').query({ messageId: m2.id }), 401);
    expect(await membership(t, conversationId, b.id)).toMatchObject({ readUpToSeq: 1, deliveredUpToSeq: 2 });
  });
});
