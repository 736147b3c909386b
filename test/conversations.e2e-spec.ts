import { createTestApp, TestApp } from './helpers/app';
import { createUsers } from './factories/user.factory';
import { createGroup, expectConversationShape, expectError, getConversation, history, openDirect, send, UNKNOWN_ID } from './helpers/messaging';

describe('Conversations (e2e)', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await createTestApp();
  });
  afterAll(async () => {
    await t.close();
  });

  const users = (n: number) => createUsers(t, n);

  describe('direct', () => {
    it('is created once (201), then the same one answers from either side (200)', async () => {
      const [a, b] = await users(2);
      const first = await t.http().post('/api/v1/conversations').set(a.auth).send({ type: 'direct', userId: b.id });
      expect(first.status).toBe(201);
      expectConversationShape(first.body);
      expect(first.body).toMatchObject({ type: 'direct', title: null, lastMessage: null, unreadCount: 0 });
      // Direct conversations have no admins.
      expect(first.body.members).toEqual(
        expect.arrayContaining([
          { userId: a.id, role: 'member' },
          { userId: b.id, role: 'member' },
        ]),
      );
      expect(first.body.members).toHaveLength(2);

      const again = await t.http().post('/api/v1/conversations').set(a.auth).send({ type: 'direct', userId: b.id });
      const fromOther = await t.http().post('/api/v1/conversations').set(b.auth).send({ type: 'direct', userId: a.id });
      expect([again.status, fromOther.status]).toEqual([200, 200]);
      expect(again.body.id).toBe(first.body.id);
      expect(fromOther.body.id).toBe(first.body.id);
    });

    it('concurrent first calls from both sides still make one conversation', async () => {
      const [a, b] = await users(2);
      const answers = await Promise.all([
        ...Array.from({ length: 4 }, () => t.http().post('/api/v1/conversations').set(a.auth).send({ type: 'direct', userId: b.id })),
        ...Array.from({ length: 4 }, () => t.http().post('/api/v1/conversations').set(b.auth).send({ type: 'direct', userId: a.id })),
      ]);
      expect(answers.map((r) => r.status).sort()).toEqual([200, 200, 200, 200, 200, 200, 200, 201]);
      expect(new Set(answers.map((r) => r.body.id)).size).toBe(1);
    });

    it('with yourself is a 400, with an unknown user a 404, with a malformed id a 400', async () => {
      const [a] = await users(1);
      expectError(await t.http().post('/api/v1/conversations').set(a.auth).send({ type: 'direct', userId: a.id }), 400);
      expectError(await t.http().post('/api/v1/conversations').set(a.auth).send({ type: 'direct', userId: UNKNOWN_ID }), 404);
      expectError(await t.http().post('/api/v1/conversations').set(a.auth).send({ type: 'direct', userId: 'not-an-id' }), 400);
      expectError(await t.http().post('/api/v1/conversations').set(a.auth).send({ type: 'direct' }), 400);
      expectError(await t.http().post('/api/v1/conversations').set(a.auth).send({ type: 'channel', userId: a.id }), 400);
      expectError(await t.http().post('/api/v1/conversations').set(a.auth).send({ type: 'direct', userId: UNKNOWN_ID, extra: 1 }), 400);
    });

    it('cannot be renamed or have members added or removed (400)', async () => {
      const [a, b, c] = await users(3);
      const direct = await openDirect(t, a, b);
      expectError(await t.http().patch(`/api/v1/conversations/${direct.id}`).set(a.auth).send({ title: 'x' }), 400);
      expectError(
        await t
          .http()
          .post(`/api/v1/conversations/${direct.id}/members`)
          .set(a.auth)
          .send({ userIds: [c.id] }),
        400,
      );
      expectError(await t.http().delete(`/api/v1/conversations/${direct.id}/members/${b.id}`).set(a.auth), 400);
      expect((await getConversation(t, a, direct.id)).members).toHaveLength(2);
    });

    it('requires authentication', async () => {
      const [b] = await users(1);
      expectError(await t.http().post('/api/v1/conversations').send({ type: 'direct', userId: b.id }), 401);
      expectError(await t.http().get('/api/v1/conversations'), 401);
    });
  });

  describe('group', () => {
    it('is created with the creator as admin and the others as members', async () => {
      const [a, b, c] = await users(3);
      const response = await t
        .http()
        .post('/api/v1/conversations')
        .set(a.auth)
        .send({ type: 'group', title: '  Team  ', memberIds: [b.id, c.id, b.id, a.id] });
      expect(response.status).toBe(201);
      expectConversationShape(response.body);
      expect(response.body).toMatchObject({ type: 'group', title: 'Team', lastMessage: null, unreadCount: 0 });
      expect(response.body.members).toHaveLength(3);
      expect(response.body.members).toEqual(
        expect.arrayContaining([
          { userId: a.id, role: 'admin' },
          { userId: b.id, role: 'member' },
          { userId: c.id, role: 'member' },
        ]),
      );
      // Every member sees it; an outsider does not.
      const [outsider] = await users(1);
      expect((await getConversation(t, c, response.body.id)).id).toBe(response.body.id);
      expectError(await t.http().get(`/api/v1/conversations/${response.body.id}`).set(outsider.auth), 404);
    });

    it('rejects bad bodies (400) and unknown members (404), creating nothing', async () => {
      const [a, b] = await users(2);
      for (const body of [
        { type: 'group', memberIds: [b.id] },
        { type: 'group', title: '   ', memberIds: [b.id] },
        { type: 'group', title: 'x'.repeat(101), memberIds: [b.id] },
        { type: 'group', title: 'T', memberIds: [] },
        { type: 'group', title: 'T', memberIds: b.id },
        { type: 'group', title: 'T', memberIds: ['nope'] },
        { type: 'group', title: 'T', memberIds: [b.id], admin: true },
      ]) {
        expectError(await t.http().post('/api/v1/conversations').set(a.auth).send(body), 400);
      }
      expectError(
        await t
          .http()
          .post('/api/v1/conversations')
          .set(a.auth)
          .send({ type: 'group', title: 'T', memberIds: [b.id, UNKNOWN_ID] }),
        404,
      );
      const list = await t.http().get('/api/v1/conversations').set(a.auth);
      expect(list.body).toEqual({ items: [], hasMore: false });
    });

    it('rename: admin only (member 403, non-member 404, malformed 400, unknown 404)', async () => {
      const [a, b, outsider] = await users(3);
      const group = await createGroup(t, a, [b], 'Before');
      const renamed = await t.http().patch(`/api/v1/conversations/${group.id}`).set(a.auth).send({ title: ' After ' });
      expect(renamed.status).toBe(200);
      expectConversationShape(renamed.body);
      expect(renamed.body).toMatchObject({ id: group.id, title: 'After' });
      expect((await getConversation(t, b, group.id)).title).toBe('After');

      expectError(await t.http().patch(`/api/v1/conversations/${group.id}`).set(b.auth).send({ title: 'member' }), 403);
      expectError(await t.http().patch(`/api/v1/conversations/${group.id}`).set(outsider.auth).send({ title: 'outsider' }), 404);
      expectError(await t.http().patch(`/api/v1/conversations/${group.id}`).set(a.auth).send({ title: '' }), 400);
      expectError(await t.http().patch(`/api/v1/conversations/${group.id}`).set(a.auth).send({}), 400);
      expectError(await t.http().patch('/api/v1/conversations/not-an-id').set(a.auth).send({ title: 'x' }), 400);
      expectError(await t.http().patch(`/api/v1/conversations/${UNKNOWN_ID}`).set(a.auth).send({ title: 'x' }), 404);
      expect((await getConversation(t, a, group.id)).title).toBe('After');
    });

    it('add members: admin only, unknown user 404, already-members ignored', async () => {
      const [a, b, c, d, outsider] = await users(5);
      const group = await createGroup(t, a, [b]);
      const added = await t
        .http()
        .post(`/api/v1/conversations/${group.id}/members`)
        .set(a.auth)
        .send({ userIds: [c.id, b.id] });
      expect(added.status).toBe(200);
      expectConversationShape(added.body);
      expect(added.body.members).toHaveLength(3);
      expect(added.body.members).toContainEqual({ userId: c.id, role: 'member' });
      // The new member sees the conversation.
      expect((await getConversation(t, c, group.id)).members).toHaveLength(3);

      expectError(
        await t
          .http()
          .post(`/api/v1/conversations/${group.id}/members`)
          .set(b.auth)
          .send({ userIds: [d.id] }),
        403,
      );
      expectError(
        await t
          .http()
          .post(`/api/v1/conversations/${group.id}/members`)
          .set(outsider.auth)
          .send({ userIds: [d.id] }),
        404,
      );
      expectError(
        await t
          .http()
          .post(`/api/v1/conversations/${group.id}/members`)
          .set(a.auth)
          .send({ userIds: [UNKNOWN_ID] }),
        404,
      );
      expectError(await t.http().post(`/api/v1/conversations/${group.id}/members`).set(a.auth).send({ userIds: [] }), 400);
      expectError(
        await t
          .http()
          .post(`/api/v1/conversations/${group.id}/members`)
          .set(a.auth)
          .send({ userIds: ['x'] }),
        400,
      );
      expect((await getConversation(t, a, group.id)).members.map((m) => m.userId).sort()).toEqual([a.id, b.id, c.id].sort());
    });

    it('a member added later starts with nothing unread and does not hold back ticks of older messages', async () => {
      const [a, b, c] = await users(3);
      const group = await createGroup(t, a, [b]);
      const m1 = await send(t, a, group.id, 'before c');
      await t.http().post(`/api/v1/conversations/${group.id}/read`).set(b.auth).send({ messageId: m1.id }).expect(200);
      await t
        .http()
        .post(`/api/v1/conversations/${group.id}/members`)
        .set(a.auth)
        .send({ userIds: [c.id] })
        .expect(200);
      expect((await getConversation(t, c, group.id)).unreadCount).toBe(0);
      expect((await history(t, a, group.id)).items.map((m) => m.status)).toEqual(['read']);
      // The newcomer reads the history too.
      expect((await history(t, c, group.id)).items.map((m) => m.text)).toEqual(['before c']);
    });

    it('remove: admin removes anyone, a member may leave, a member cannot remove another (403)', async () => {
      const [a, b, c, d, outsider] = await users(5);
      const group = await createGroup(t, a, [b, c, d]);
      expectError(await t.http().delete(`/api/v1/conversations/${group.id}/members/${c.id}`).set(b.auth), 403);
      expectError(await t.http().delete(`/api/v1/conversations/${group.id}/members/${a.id}`).set(b.auth), 403);
      expectError(await t.http().delete(`/api/v1/conversations/${group.id}/members/${c.id}`).set(outsider.auth), 404);
      expectError(await t.http().delete(`/api/v1/conversations/${group.id}/members/not-an-id`).set(a.auth), 400);
      expectError(await t.http().delete(`/api/v1/conversations/${group.id}/members/${outsider.id}`).set(a.auth), 404);

      const byAdmin = await t.http().delete(`/api/v1/conversations/${group.id}/members/${c.id}`).set(a.auth);
      expect(byAdmin.status).toBe(204);
      expect(byAdmin.text).toBe('');
      const leave = await t.http().delete(`/api/v1/conversations/${group.id}/members/${b.id}`).set(b.auth);
      expect(leave.status).toBe(204);
      expect((await getConversation(t, a, group.id)).members).toEqual(
        expect.arrayContaining([
          { userId: a.id, role: 'admin' },
          { userId: d.id, role: 'member' },
        ]),
      );
      expect((await getConversation(t, d, group.id)).members).toHaveLength(2);
    });

    it('when the last admin leaves, a remaining member becomes admin', async () => {
      const [a, b, c] = await users(3);
      const group = await createGroup(t, a, [b, c]);
      await t.http().delete(`/api/v1/conversations/${group.id}/members/${a.id}`).set(a.auth).expect(204);
      const after = await getConversation(t, b, group.id);
      expect(after.members).toHaveLength(2);
      expect(after.members.filter((m) => m.role === 'admin')).toHaveLength(1);
    });

    it('removed members lose access at once: conversation, history, sending, marks all 404; re-adding restores it', async () => {
      const [a, b] = await users(2);
      const group = await createGroup(t, a, [b]);
      const m1 = await send(t, b, group.id, 'hello');
      await t.http().delete(`/api/v1/conversations/${group.id}/members/${b.id}`).set(a.auth).expect(204);

      expectError(await t.http().get(`/api/v1/conversations/${group.id}`).set(b.auth), 404);
      expectError(await t.http().get(`/api/v1/conversations/${group.id}/messages`).set(b.auth), 404);
      expectError(await t.http().post('/api/v1/messages').set(b.auth).send({ conversationId: group.id, text: 'still here?' }), 404);
      expectError(await t.http().post(`/api/v1/conversations/${group.id}/read`).set(b.auth).send({ messageId: m1.id }), 404);
      expectError(await t.http().get(`/api/v1/messages/${m1.id}/receipts`).set(b.auth), 404);
      expectError(await t.http().patch(`/api/v1/messages/${m1.id}`).set(b.auth).send({ text: 'edit' }), 404);
      expectError(await t.http().delete(`/api/v1/messages/${m1.id}`).set(b.auth), 404);
      const list = await t.http().get('/api/v1/conversations').set(b.auth);
      expect(list.body.items.map((c: { id: string }) => c.id)).not.toContain(group.id);
      // Nothing was stored by the refused send.
      expect((await history(t, a, group.id)).items.map((m) => m.text)).toEqual(['hello']);

      await t
        .http()
        .post(`/api/v1/conversations/${group.id}/members`)
        .set(a.auth)
        .send({ userIds: [b.id] })
        .expect(200);
      expect((await getConversation(t, b, group.id)).id).toBe(group.id);
      expect((await send(t, b, group.id, 'back')).seq).toBe(2);
    });
  });

  describe('list', () => {
    it('is newest activity first, with unreadCount and lastMessage, and pages with before/hasMore', async () => {
      const [a, b, c, d] = await users(4);
      const withB = await openDirect(t, a, b);
      const withC = await openDirect(t, a, c);
      const group = await createGroup(t, a, [b, c, d], 'G');
      // Activity order (oldest → newest): group (created), withC, withB.
      await send(t, c, withC.id, 'c1');
      await send(t, b, withB.id, 'b1');
      const last = await send(t, b, withB.id, 'b2');

      const page = await t.http().get('/api/v1/conversations').set(a.auth);
      expect(page.status).toBe(200);
      expect(Object.keys(page.body).sort()).toEqual(['hasMore', 'items']);
      expect(page.body.hasMore).toBe(false);
      page.body.items.forEach(expectConversationShape);
      expect(page.body.items.map((x: { id: string }) => x.id)).toEqual([withB.id, withC.id, group.id]);
      expect(page.body.items[0]).toMatchObject({ unreadCount: 2, lastMessage: { id: last.id, text: 'b2', senderId: b.id, status: 'sent' } });
      expect(page.body.items[1]).toMatchObject({ unreadCount: 1, lastMessage: { text: 'c1' } });
      expect(page.body.items[2]).toMatchObject({ unreadCount: 0, lastMessage: null });
      // The sender's own messages are not unread for it.
      const ofB = await t.http().get('/api/v1/conversations').set(b.auth);
      expect(ofB.body.items.find((x: { id: string }) => x.id === withB.id)).toMatchObject({ unreadCount: 0 });

      // Activity in the oldest one moves it to the top.
      await send(t, d, group.id, 'g1');
      const p1 = await t.http().get('/api/v1/conversations').query({ limit: 2 }).set(a.auth);
      expect(p1.body.items.map((x: { id: string }) => x.id)).toEqual([group.id, withB.id]);
      expect(p1.body.hasMore).toBe(true);
      const p2 = await t.http().get('/api/v1/conversations').query({ limit: 2, before: withB.id }).set(a.auth);
      expect(p2.status).toBe(200);
      expect(p2.body.items.map((x: { id: string }) => x.id)).toEqual([withC.id]);
      expect(p2.body.hasMore).toBe(false);
    });

    it('shows a summary text as it was sent, also one that looks like a field path or an operator', async () => {
      const [a, b] = await users(2);
      const direct = await openDirect(t, a, b);
      for (const text of ['$seq', '{ "$literal": 1 }', '$$ROOT.$lastMessage']) {
        const sent = await send(t, a, direct.id, text);
        const got = await getConversation(t, b, direct.id);
        expect(got.lastMessage).toMatchObject({ id: sent.id, seq: sent.seq, text, senderId: a.id });
      }
      // The sender's marks moved with its sends: nothing of its own is unread, its partner has three.
      expect(await getConversation(t, a, direct.id)).toMatchObject({ unreadCount: 0 });
      expect(await getConversation(t, b, direct.id)).toMatchObject({ unreadCount: 3 });
    });

    it('pages through many conversations exactly once each', async () => {
      const [a, ...others] = await users(8);
      const created = [];
      for (const other of others) created.push((await openDirect(t, a, other)).id);
      const seen: string[] = [];
      let before: string | undefined;
      for (let guard = 0; guard < 10; guard += 1) {
        const page = await t
          .http()
          .get('/api/v1/conversations')
          .query({ limit: 3, ...(before ? { before } : {}) })
          .set(a.auth);
        expect(page.status).toBe(200);
        seen.push(...page.body.items.map((x: { id: string }) => x.id));
        if (!page.body.hasMore) break;
        before = page.body.items[page.body.items.length - 1].id;
      }
      expect(seen).toEqual([...created].reverse());
    });

    it('rejects bad paging (400)', async () => {
      const [a, b, c] = await users(3);
      const foreign = await openDirect(t, b, c);
      for (const query of [{ limit: 0 }, { limit: 101 }, { limit: 'x' }, { before: 'not-an-id' }, { before: foreign.id }, { other: 1 }]) {
        expectError(await t.http().get('/api/v1/conversations').query(query).set(a.auth), 400);
      }
    });
  });

  describe('get one', () => {
    it('answers the full shape to members; 404 to others and for unknown ids; 400 for malformed ids', async () => {
      const [a, b, outsider] = await users(3);
      const direct = await openDirect(t, a, b);
      const message = await send(t, a, direct.id, 'hi');
      const got = await getConversation(t, b, direct.id);
      expectConversationShape(got);
      expect(got).toMatchObject({ id: direct.id, unreadCount: 1, lastMessage: { ...message, status: 'sent' } });
      expect(Date.parse(got.updatedAt)).toBeGreaterThanOrEqual(Date.parse(got.createdAt));
      expectError(await t.http().get(`/api/v1/conversations/${direct.id}`).set(outsider.auth), 404);
      expectError(await t.http().get(`/api/v1/conversations/${UNKNOWN_ID}`).set(a.auth), 404);
      expectError(await t.http().get('/api/v1/conversations/not-an-id').set(a.auth), 400);
    });
  });
});
