import { createTestApp, TestApp } from './helpers/app';
import { createUser, createUsers } from './factories/user.factory';
import { createGroup, expectError, getConversation, history, ISO, mark, membership, openDirect, send, UNKNOWN_ID } from './helpers/messaging';

describe('Receipts: read and delivered marks (e2e)', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await createTestApp();
  });
  afterAll(async () => {
    await t.close();
  });

  const users = (n: number) => createUsers(t, n);
  const statuses = async (caller: Awaited<ReturnType<typeof createUser>>, conversationId: string) => (await history(t, caller, conversationId)).items.map((m) => m.status);

  it('delivered and read answer the contract bodies; read implies delivered', async () => {
    const [a, b] = await users(2);
    const direct = await openDirect(t, a, b);
    const m1 = await send(t, a, direct.id, 'one');
    const m2 = await send(t, a, direct.id, 'two');
    const m3 = await send(t, a, direct.id, 'three');

    const delivered = await t.http().post(`/api/v1/conversations/${direct.id}/delivered`).set(b.auth).send({ messageId: m1.id });
    expect(delivered.status).toBe(200);
    expect(delivered.body).toEqual({ conversationId: direct.id, userId: b.id, deliveredUpTo: m1.id });
    expect(await statuses(a, direct.id)).toEqual(['delivered', 'sent', 'sent']);

    const read = await t.http().post(`/api/v1/conversations/${direct.id}/read`).set(b.auth).send({ messageId: m2.id });
    expect(read.status).toBe(200);
    expect(read.body).toEqual({ conversationId: direct.id, userId: b.id, readUpTo: m2.id, unreadCount: 1 });
    // Reading m2 delivered it too.
    expect(await statuses(a, direct.id)).toEqual(['read', 'read', 'sent']);
    const stored = await membership(t, direct.id, b.id);
    expect(stored).toMatchObject({ readUpToSeq: 2, deliveredUpToSeq: 2 });
    expect((await getConversation(t, b, direct.id)).unreadCount).toBe(1);

    const all = await mark(t, b, direct.id, 'read', m3.id);
    expect(all).toEqual({ conversationId: direct.id, userId: b.id, readUpTo: m3.id, unreadCount: 0 });
    expect((await getConversation(t, b, direct.id)).unreadCount).toBe(0);
    expect((await getConversation(t, a, direct.id)).lastMessage?.status).toBe('read');
  });

  it('an older or equal message is a 200 no-op that moves nothing', async () => {
    const [a, b] = await users(2);
    const direct = await openDirect(t, a, b);
    const m1 = await send(t, a, direct.id, 'one');
    const m2 = await send(t, a, direct.id, 'two');
    await send(t, a, direct.id, 'three');
    await mark(t, b, direct.id, 'read', m2.id);
    const before = await membership(t, direct.id, b.id);

    for (const messageId of [m1.id, m2.id]) {
      const read = await t.http().post(`/api/v1/conversations/${direct.id}/read`).set(b.auth).send({ messageId });
      expect(read.status).toBe(200);
      // The answer tells the mark as it stands.
      expect(read.body).toEqual({ conversationId: direct.id, userId: b.id, readUpTo: m2.id, unreadCount: 1 });
      const delivered = await t.http().post(`/api/v1/conversations/${direct.id}/delivered`).set(b.auth).send({ messageId });
      expect(delivered.status).toBe(200);
      expect(delivered.body).toEqual({ conversationId: direct.id, userId: b.id, deliveredUpTo: m2.id });
    }
    const after = await membership(t, direct.id, b.id);
    expect(after).toEqual(before);
    expect(await statuses(a, direct.id)).toEqual(['read', 'read', 'sent']);
  });

  it('delivered ahead of read leaves the read mark alone', async () => {
    const [a, b] = await users(2);
    const direct = await openDirect(t, a, b);
    const m1 = await send(t, a, direct.id, 'one');
    const m2 = await send(t, a, direct.id, 'two');
    await mark(t, b, direct.id, 'read', m1.id);
    await mark(t, b, direct.id, 'delivered', m2.id);
    expect(await statuses(a, direct.id)).toEqual(['read', 'delivered']);
    expect((await getConversation(t, b, direct.id)).unreadCount).toBe(1);
  });

  it('a message of another conversation is a 4xx and moves nothing; unknown message 404; malformed 400; non-member 404', async () => {
    const [a, b, c, outsider] = await users(4);
    const direct = await openDirect(t, a, b);
    const other = await openDirect(t, a, c);
    const mine = await send(t, a, direct.id, 'here');
    const foreign = await send(t, a, other.id, 'there');
    await send(t, a, other.id, 'there again');
    // b is a member of `direct` only; the foreign message has a higher seq than b's marks.
    for (const type of ['read', 'delivered'] as const) {
      const response = await t.http().post(`/api/v1/conversations/${direct.id}/${type}`).set(b.auth).send({ messageId: foreign.id });
      expect(response.status).toBeGreaterThanOrEqual(400);
      expect(response.status).toBeLessThan(500);
      // c, a member of the foreign message's conversation, naming it in the wrong conversation.
      const byC = await t.http().post(`/api/v1/conversations/${other.id}/${type}`).set(c.auth).send({ messageId: mine.id });
      expect(byC.status).toBeGreaterThanOrEqual(400);
      expect(byC.status).toBeLessThan(500);
    }
    expect(await membership(t, direct.id, b.id)).toMatchObject({ readUpToSeq: 0, deliveredUpToSeq: 0 });
    expect(await membership(t, other.id, c.id)).toMatchObject({ readUpToSeq: 0, deliveredUpToSeq: 0 });
    expect((await getConversation(t, b, direct.id)).unreadCount).toBe(1);
    expect((await getConversation(t, c, other.id)).unreadCount).toBe(2);

    expectError(await t.http().post(`/api/v1/conversations/${direct.id}/read`).set(b.auth).send({ messageId: UNKNOWN_ID }), 404);
    expectError(await t.http().post(`/api/v1/conversations/${direct.id}/read`).set(b.auth).send({ messageId: 'nope' }), 400);
    expectError(await t.http().post(`/api/v1/conversations/${direct.id}/read`).set(b.auth).send({}), 400);
    expectError(await t.http().post(`/api/v1/conversations/${direct.id}/read`).set(b.auth).send({ messageId: mine.id, extra: 1 }), 400);
    expectError(await t.http().post('/api/v1/conversations/not-an-id/read').set(b.auth).send({ messageId: mine.id }), 400);
    expectError(await t.http().post(`/api/v1/conversations/${direct.id}/read`).set(outsider.auth).send({ messageId: mine.id }), 404);
    expectError(await t.http().post(`/api/v1/conversations/${direct.id}/delivered`).set(outsider.auth).send({ messageId: mine.id }), 404);
    expectError(await t.http().post(`/api/v1/conversations/${UNKNOWN_ID}/delivered`).set(b.auth).send({ messageId: mine.id }), 404);
    expectError(await t.http().post(`/api/v1/conversations/${direct.id}/read`).send({ messageId: mine.id }), 401);
    expect(await membership(t, direct.id, b.id)).toMatchObject({ readUpToSeq: 0, deliveredUpToSeq: 0 });
  });

  it('status and unreadCount in a 3-member group: delivered only when both others delivered, read only when both read', async () => {
    const [a, b, c] = await users(3);
    const group = await createGroup(t, a, [b, c]);
    const m1 = await send(t, a, group.id, 'one');
    const m2 = await send(t, a, group.id, 'two');
    expect(await statuses(a, group.id)).toEqual(['sent', 'sent']);
    expect((await getConversation(t, b, group.id)).unreadCount).toBe(2);
    expect((await getConversation(t, a, group.id)).unreadCount).toBe(0);

    await mark(t, b, group.id, 'delivered', m2.id);
    expect(await statuses(a, group.id)).toEqual(['sent', 'sent']);
    await mark(t, c, group.id, 'delivered', m1.id);
    expect(await statuses(a, group.id)).toEqual(['delivered', 'sent']);
    expect((await getConversation(t, b, group.id)).unreadCount).toBe(2);

    await mark(t, b, group.id, 'read', m1.id);
    expect(await statuses(c, group.id)).toEqual(['delivered', 'sent']);
    expect((await getConversation(t, b, group.id)).unreadCount).toBe(1);
    expect((await getConversation(t, c, group.id)).unreadCount).toBe(2);

    await mark(t, c, group.id, 'read', m2.id);
    expect(await statuses(a, group.id)).toEqual(['read', 'delivered']);
    expect((await getConversation(t, c, group.id)).unreadCount).toBe(0);
    expect((await getConversation(t, a, group.id)).lastMessage?.status).toBe('delivered');

    await mark(t, b, group.id, 'read', m2.id);
    expect(await statuses(b, group.id)).toEqual(['read', 'read']);
    expect((await getConversation(t, b, group.id)).unreadCount).toBe(0);

    // A message from b: its status waits on a and c (not on b).
    const m3 = await send(t, b, group.id, 'three');
    expect((await getConversation(t, a, group.id)).unreadCount).toBe(1);
    await mark(t, a, group.id, 'read', m3.id);
    expect((await history(t, b, group.id)).items[2].status).toBe('sent');
    await mark(t, c, group.id, 'read', m3.id);
    expect((await history(t, b, group.id)).items[2].status).toBe('read');
  });

  it('a member who leaves no longer holds back the status', async () => {
    const [a, b, c] = await users(3);
    const group = await createGroup(t, a, [b, c]);
    const m1 = await send(t, a, group.id, 'one');
    await mark(t, b, group.id, 'read', m1.id);
    expect(await statuses(a, group.id)).toEqual(['sent']);
    await t.http().delete(`/api/v1/conversations/${group.id}/members/${c.id}`).set(c.auth).expect(204);
    expect(await statuses(a, group.id)).toEqual(['read']);
  });

  describe('GET /messages/:id/receipts', () => {
    it('one entry per member other than the sender, null until the mark passes, then the time', async () => {
      const [a, b, c, outsider] = await users(4);
      const group = await createGroup(t, a, [b, c]);
      const m1 = await send(t, a, group.id, 'one');
      const m2 = await send(t, a, group.id, 'two');
      const initial = await t.http().get(`/api/v1/messages/${m2.id}/receipts`).set(a.auth);
      expect(initial.status).toBe(200);
      expect(initial.body).toHaveLength(2);
      expect(initial.body).toEqual(
        expect.arrayContaining([
          { userId: b.id, deliveredAt: null, readAt: null },
          { userId: c.id, deliveredAt: null, readAt: null },
        ]),
      );

      await mark(t, b, group.id, 'delivered', m1.id);
      await mark(t, c, group.id, 'read', m2.id);
      const receipts = async (messageId: string, caller = a) => {
        const response = await t.http().get(`/api/v1/messages/${messageId}/receipts`).set(caller.auth);
        expect(response.status).toBe(200);
        return Object.fromEntries((response.body as { userId: string; deliveredAt: string | null; readAt: string | null }[]).map((r) => [r.userId, r]));
      };
      const ofM1 = await receipts(m1.id);
      expect(ofM1[b.id]).toEqual({ userId: b.id, deliveredAt: expect.stringMatching(ISO), readAt: null });
      expect(ofM1[c.id]).toEqual({ userId: c.id, deliveredAt: expect.stringMatching(ISO), readAt: expect.stringMatching(ISO) });
      const ofM2 = await receipts(m2.id);
      // b's delivered mark is at m1: not past m2.
      expect(ofM2[b.id]).toEqual({ userId: b.id, deliveredAt: null, readAt: null });
      expect(ofM2[c.id].readAt).toMatch(ISO);
      expect(Object.keys(ofM2)).not.toContain(a.id);
      // Any member may look (not only the sender); the times are those of the first mark that passed.
      expect(await receipts(m1.id, c)).toEqual(ofM1);
      await mark(t, b, group.id, 'delivered', m2.id);
      expect((await receipts(m1.id))[b.id].deliveredAt).toBe(ofM1[b.id].deliveredAt);

      expectError(await t.http().get(`/api/v1/messages/${m1.id}/receipts`).set(outsider.auth), 404);
      expectError(await t.http().get(`/api/v1/messages/${UNKNOWN_ID}/receipts`).set(a.auth), 404);
      expectError(await t.http().get('/api/v1/messages/not-an-id/receipts').set(a.auth), 400);
    });

    it("agrees with the status: a reply moves the replier's marks, so the receipt shows it read", async () => {
      const [a, b] = await users(2);
      const direct = await openDirect(t, a, b);
      const question = await send(t, a, direct.id, 'question?');
      await send(t, b, direct.id, 'answer');
      const page = await history(t, a, direct.id);
      expect(page.items[0]).toMatchObject({ id: question.id, status: 'read' });
      const receipts = await t.http().get(`/api/v1/messages/${question.id}/receipts`).set(a.auth);
      expect(receipts.status).toBe(200);
      expect(receipts.body).toEqual([{ userId: b.id, deliveredAt: expect.stringMatching(ISO), readAt: expect.stringMatching(ISO) }]);
    });
  });
});
