import { createUsers, TestUser } from './factories/user.factory';
import { createTestApp, TestApp } from './helpers/app';
import { expectNoInternals } from './helpers/http-assertions';
import { createGroup, expectError, openDirect, send } from './helpers/messaging';
import { closeAllSockets, connectSocket } from './helpers/socket';
import { request } from './realtime-helpers';

/** A 24-character id with the `0x` prefix: validator's IsMongoId accepts it, the driver's cast does not. */
const HEX_PREFIXED = `0x${'a'.repeat(22)}`;
const upper = (id: string) => id.toUpperCase();

describe('One canonical form of id (issue 11, findings 2 and 3)', () => {
  let t: TestApp;
  let a: TestUser;
  let b: TestUser;
  let c: TestUser;

  beforeAll(async () => {
    t = await createTestApp();
    [a, b, c] = await createUsers(t, 3);
  });
  afterEach(() => closeAllSockets());
  afterAll(async () => {
    await t.close();
  });

  const syncOf = async (user: TestUser, since?: string) => {
    const response = await t
      .http()
      .get('/api/v1/sync')
      .query(since === undefined ? {} : { since })
      .set(user.auth)
      .expect(200);
    return response.body as { messages: { id: string; text: string | null }[]; conversations: { id: string }[]; removed: string[]; cursor: string };
  };

  describe('ids in upper case (finding 2)', () => {
    it('an admin that removes itself with its own id in upper case has left: no member list, no history, nothing through sync', async () => {
      const group = await createGroup(t, a, [b, c], 'Upper-case leave');
      const { cursor } = await syncOf(a);
      await t
        .http()
        .delete(`/api/v1/conversations/${group.id}/members/${upper(a.id)}`)
        .set(a.auth)
        .expect(204);
      const after = await send(t, b, group.id, 'after the admin left');

      const seen = await t.http().get(`/api/v1/conversations/${group.id}`).set(b.auth).expect(200);
      expect(seen.body.members.map((member: { userId: string }) => member.userId)).not.toContain(a.id);
      expectError(await t.http().get(`/api/v1/conversations/${group.id}`).set(a.auth), 404);
      expectError(await t.http().get(`/api/v1/conversations/${group.id}/messages`).set(a.auth), 404);
      const sync = await syncOf(a, cursor);
      expect(sync.messages.map((message) => message.id)).not.toContain(after.id);
      expect(sync.removed).toEqual([group.id]);
      // A group is never left without an admin: someone stepped up.
      expect(seen.body.members.some((member: { role: string }) => member.role === 'admin')).toBe(true);
    });

    it("POST /messages with one's own id in upper case as recipientId is a 400 (no conversation with oneself), never a 500", async () => {
      const response = await t
        .http()
        .post('/api/v1/messages')
        .set(a.auth)
        .send({ recipientId: upper(a.id), text: 'hello me' });
      expectError(response, 400);
      expectNoInternals(response);
      expect(await t.connection.collection('messages').countDocuments({ text: 'hello me' })).toBe(0);
    });

    it('mixed-case ids of one user open the one direct conversation of the pair, with canonical ids in every answer', async () => {
      const [x, y] = await createUsers(t, 2);
      const mixed = y.id.replace(/[a-f]/g, (letter, offset: number) => (offset % 2 ? letter.toUpperCase() : letter));
      const first = await t
        .http()
        .post('/api/v1/conversations')
        .set(x.auth)
        .send({ type: 'direct', userId: upper(y.id) });
      expect(first.status).toBe(201);
      const second = await t.http().post('/api/v1/conversations').set(x.auth).send({ type: 'direct', userId: mixed });
      const third = await t.http().post('/api/v1/conversations').set(y.auth).send({ type: 'direct', userId: x.id });
      expect([second.status, third.status]).toEqual([200, 200]);
      expect(new Set([first.body.id, second.body.id, third.body.id]).size).toBe(1);
      expect(first.body.members.map((member: { userId: string }) => member.userId).sort()).toEqual([x.id, y.id].sort());
      const sent = await t.http().post('/api/v1/messages').set(x.auth).send({ recipientId: mixed, text: 'by mixed case' }).expect(201);
      expect(sent.body.conversationId).toBe(first.body.id);
      expect(await t.connection.collection('conversations').countDocuments({ type: 'direct', uniqueKey: { $regex: x.id, $options: 'i' } })).toBe(1);
    });

    it('a member named twice in different cases is one member; path ids in upper case work and answer in lower case', async () => {
      const group = await t
        .http()
        .post('/api/v1/conversations')
        .set(a.auth)
        .send({ type: 'group', title: 'Twice', memberIds: [b.id, upper(b.id)] })
        .expect(201);
      expect(group.body.members).toHaveLength(2);
      const byUpper = await t
        .http()
        .get(`/api/v1/conversations/${upper(group.body.id)}`)
        .set(a.auth)
        .expect(200);
      expect(byUpper.body.id).toBe(group.body.id);
      const message = await send(t, a, group.body.id, 'to be edited');
      const edited = await t
        .http()
        .patch(`/api/v1/messages/${upper(message.id)}`)
        .set(a.auth)
        .send({ text: 'edited' })
        .expect(200);
      expect(edited.body.id).toBe(message.id);
      await t
        .http()
        .post(`/api/v1/conversations/${upper(group.body.id)}/read`)
        .set(b.auth)
        .send({ messageId: upper(message.id) })
        .expect(200);
    });

    it('socket payloads take ids in any case and answer in the canonical form', async () => {
      const direct = await openDirect(t, a, b);
      const socket = await connectSocket(t.baseUrl, a.accessToken);
      const answer = await request(socket, 'message:send', { conversationId: upper(direct.id), text: 'upper over a socket' });
      expect(answer).toMatchObject({ ok: true, data: { conversationId: direct.id } });
      const presence = await request(socket, 'presence:subscribe', { userIds: [upper(b.id), b.id] });
      expect(presence).toEqual({ ok: true, data: [{ userId: b.id, online: false, lastSeenAt: null }] });
    });
    it('search takes conversationId and before in any case (issue 22, defect 6), like every other route', async () => {
      const direct = await openDirect(t, a, b);
      const older = await send(t, a, direct.id, 'findable marmalade one');
      const newer = await send(t, b, direct.id, 'findable marmalade two');
      const search = (query: Record<string, string>) =>
        t
          .http()
          .get('/api/v1/search/messages')
          .query({ q: 'marmalade', ...query })
          .set(a.auth);
      const inConversation = await search({ conversationId: upper(direct.id) });
      expect(inConversation.status).toBe(200);
      expect(inConversation.body.items.map((message: { id: string }) => message.id)).toEqual([newer.id, older.id]);
      for (const query of [{ before: upper(newer.id) }, { conversationId: upper(direct.id), before: upper(newer.id) }] as Record<string, string>[]) {
        const page = await search(query);
        expect(page.status).toBe(200);
        expect(page.body.items.map((message: { id: string; conversationId: string }) => [message.id, message.conversationId])).toEqual([[older.id, direct.id]]);
      }
      // Another user's conversation stays a 404 in any case.
      expectError(
        await t
          .http()
          .get('/api/v1/search/messages')
          .query({ q: 'marmalade', conversationId: upper(direct.id) })
          .set(c.auth),
        404,
      );
    });
  });

  describe('0x… ids (finding 3)', () => {
    it('answers 400 for a 0x-prefixed id in every query, path and body, and never 500', async () => {
      const direct = await openDirect(t, a, b);
      const message = await send(t, a, direct.id, 'anchor');
      const attempts = [
        t.http().get(`/api/v1/conversations/${direct.id}/messages`).query({ before: HEX_PREFIXED }).set(a.auth),
        t.http().get(`/api/v1/conversations/${direct.id}/messages`).query({ after: HEX_PREFIXED }).set(a.auth),
        t.http().get('/api/v1/conversations').query({ before: HEX_PREFIXED }).set(a.auth),
        t.http().get(`/api/v1/conversations/${HEX_PREFIXED}`).set(a.auth),
        t.http().get(`/api/v1/users/${HEX_PREFIXED}`).set(a.auth),
        t.http().get(`/api/v1/messages/${HEX_PREFIXED}/receipts`).set(a.auth),
        t.http().delete(`/api/v1/conversations/${direct.id}/members/${HEX_PREFIXED}`).set(a.auth),
        t.http().post('/api/v1/messages').set(a.auth).send({ recipientId: HEX_PREFIXED, text: 'x' }),
        t.http().post('/api/v1/messages').set(a.auth).send({ conversationId: HEX_PREFIXED, text: 'x' }),
        t.http().post('/api/v1/conversations').set(a.auth).send({ type: 'direct', userId: HEX_PREFIXED }),
        t
          .http()
          .post('/api/v1/conversations')
          .set(a.auth)
          .send({ type: 'group', title: 'g', memberIds: [HEX_PREFIXED] }),
        t.http().post(`/api/v1/conversations/${direct.id}/read`).set(a.auth).send({ messageId: HEX_PREFIXED }),
        t.http().get('/messages').query({ receiverId: HEX_PREFIXED }).set(a.auth),
        t.http().put('/message/status/read').query({ messageId: HEX_PREFIXED }).set(a.auth),
      ];
      for (const response of await Promise.all(attempts)) {
        expectError(response, 400);
        expectNoInternals(response);
      }
      // The anchor is untouched and history still answers.
      await t.http().get(`/api/v1/conversations/${direct.id}/messages`).query({ before: message.id }).set(a.auth).expect(200);
    });

    it('search answers 400 to a 0x-prefixed before or conversationId (issue 22, defect 6), never 500', async () => {
      const direct = await openDirect(t, a, b);
      await send(t, a, direct.id, 'findable quince');
      for (const id of [HEX_PREFIXED, `0x${'a'.repeat(24)}`]) {
        for (const query of [{ before: id }, { conversationId: id }, { conversationId: direct.id, before: id }]) {
          const response = await t
            .http()
            .get('/api/v1/search/messages')
            .query({ q: 'quince', ...query })
            .set(a.auth);
          expectError(response, 400);
          expectNoInternals(response);
        }
      }
      expect((await t.http().get('/api/v1/search/messages').query({ q: 'quince' }).set(a.auth).expect(200)).body.items).toHaveLength(1);
    });

    it('answers 400 to a 0x-prefixed id in a socket payload, and the socket stays connected', async () => {
      const socket = await connectSocket(t.baseUrl, a.accessToken);
      for (const [event, payload] of [
        ['message:delete', { messageId: HEX_PREFIXED }],
        ['message:edit', { messageId: HEX_PREFIXED, text: 'x' }],
        ['conversation:read', { conversationId: HEX_PREFIXED, messageId: HEX_PREFIXED }],
        ['typing', { conversationId: HEX_PREFIXED, typing: true }],
        ['presence:subscribe', { userIds: [HEX_PREFIXED] }],
      ] as const) {
        await expect(request(socket, event, payload)).resolves.toMatchObject({ ok: false, error: { status: 400 } });
      }
      expect(socket.connected).toBe(true);
    });
  });
});
