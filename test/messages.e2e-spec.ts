import { createTestApp, TestApp } from './helpers/app';
import { createUser, createUsers } from './factories/user.factory';
import { connectSocket } from './helpers/socket';
import { request } from './realtime-helpers';
import { createGroup, expectError, expectMessageShape, getConversation, history, MessageBody, openDirect, send, sendMany, UNKNOWN_ID } from './helpers/messaging';

const MAX = 50;

describe('Messages (e2e)', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await createTestApp({ MESSAGE_MAX_LENGTH: String(MAX) });
  });
  afterAll(async () => {
    await t.close();
  });

  const users = (n: number) => createUsers(t, n);

  describe('send', () => {
    it('by conversationId: 201 with the full Message, text trimmed, seq 1, 2, …', async () => {
      const [a, b] = await users(2);
      const direct = await openDirect(t, a, b);
      const response = await t.http().post('/api/v1/messages').set(a.auth).send({ conversationId: direct.id, text: '  hello  ' });
      expect(response.status).toBe(201);
      expectMessageShape(response.body);
      expect(response.body).toEqual({
        id: expect.any(String),
        conversationId: direct.id,
        seq: 1,
        senderId: a.id,
        text: 'hello',
        clientId: null,
        createdAt: expect.any(String),
        editedAt: null,
        deletedAt: null,
        status: 'sent',
        replyTo: null,
        mentions: [],
        reactions: [],
      });
      expect((await send(t, b, direct.id, 'second')).seq).toBe(2);
    });

    it('by recipientId: creates the direct conversation on first use, then reuses it', async () => {
      const [a, b] = await users(2);
      const first = await t.http().post('/api/v1/messages').set(a.auth).send({ recipientId: b.id, text: 'first contact' });
      expect(first.status).toBe(201);
      const list = await t.http().get('/api/v1/conversations').set(b.auth);
      expect(list.body.items).toHaveLength(1);
      expect(list.body.items[0]).toMatchObject({ id: first.body.conversationId, type: 'direct', unreadCount: 1, lastMessage: { id: first.body.id } });
      const reply = await t.http().post('/api/v1/messages').set(b.auth).send({ recipientId: a.id, text: 'reply' });
      expect(reply.status).toBe(201);
      expect(reply.body).toMatchObject({ conversationId: first.body.conversationId, seq: 2 });
      expect((await openDirect(t, a, b)).id).toBe(first.body.conversationId);
    });

    it('to yourself by recipientId is a 400, to an unknown user a 404', async () => {
      const [a] = await users(1);
      expectError(await t.http().post('/api/v1/messages').set(a.auth).send({ recipientId: a.id, text: 'me' }), 400);
      expectError(await t.http().post('/api/v1/messages').set(a.auth).send({ recipientId: UNKNOWN_ID, text: 'nobody' }), 404);
    });

    it('validates the body: exactly one target, text 1..MAX after trim, no unknown fields (400)', async () => {
      const [a, b] = await users(2);
      const direct = await openDirect(t, a, b);
      const bodies: unknown[] = [
        { text: 'no target' },
        { conversationId: direct.id, recipientId: b.id, text: 'both' },
        { conversationId: direct.id },
        { conversationId: direct.id, text: '' },
        { conversationId: direct.id, text: '   \n\t ' },
        { conversationId: direct.id, text: 'x'.repeat(MAX + 1) },
        { conversationId: direct.id, text: 42 },
        { conversationId: direct.id, text: ['a'] },
        { conversationId: direct.id, text: 'ok', unknown: true },
        { conversationId: direct.id, text: 'ok', senderId: b.id },
        { conversationId: direct.id, text: 'ok', clientId: '' },
        { conversationId: direct.id, text: 'ok', clientId: 7 },
        { conversationId: 'not-an-id', text: 'ok' },
      ];
      for (const body of bodies) {
        const response = await t
          .http()
          .post('/api/v1/messages')
          .set(a.auth)
          .send(body as object);
        if (response.status !== 400) throw new Error(`${JSON.stringify(body)} → ${response.status}`);
        expectError(response, 400);
      }
      // Exactly MAX characters (after trimming) is fine.
      expect((await send(t, a, direct.id, `  ${'y'.repeat(MAX)}  `)).text).toBe('y'.repeat(MAX));
      expect((await history(t, a, direct.id)).items).toHaveLength(1);
    });

    it('non-member (404), unknown conversation (404), no token (401): nothing stored', async () => {
      const [a, b, outsider] = await users(3);
      const direct = await openDirect(t, a, b);
      expectError(await t.http().post('/api/v1/messages').set(outsider.auth).send({ conversationId: direct.id, text: 'hi' }), 404);
      expectError(await t.http().post('/api/v1/messages').set(a.auth).send({ conversationId: UNKNOWN_ID, text: 'hi' }), 404);
      expectError(await t.http().post('/api/v1/messages').send({ conversationId: direct.id, text: 'hi' }), 401);
      expect((await history(t, a, direct.id)).items).toEqual([]);
      expect((await getConversation(t, a, direct.id)).lastMessage).toBeNull();
    });

    it('a retried clientId answers 200 with the first message; history holds one; another sender may reuse it', async () => {
      const [a, b] = await users(2);
      const direct = await openDirect(t, a, b);
      const first = await t.http().post('/api/v1/messages').set(a.auth).send({ conversationId: direct.id, text: 'once', clientId: 'c-1' });
      expect(first.status).toBe(201);
      expect(first.body.clientId).toBe('c-1');
      const retry = await t.http().post('/api/v1/messages').set(a.auth).send({ conversationId: direct.id, text: 'once', clientId: 'c-1' });
      expect(retry.status).toBe(200);
      expect(retry.body).toEqual(first.body);
      const byOther = await t.http().post('/api/v1/messages').set(b.auth).send({ conversationId: direct.id, text: 'mine', clientId: 'c-1' });
      expect(byOther.status).toBe(201);
      const items = (await history(t, a, direct.id)).items;
      expect(items.map((m) => [m.senderId, m.text])).toEqual([
        [a.id, 'once'],
        [b.id, 'mine'],
      ]);
      expect(items.map((m) => m.seq)).toEqual([1, 2]);
    });

    it('concurrent retries of one clientId store one message', async () => {
      const [a, b] = await users(2);
      const direct = await openDirect(t, a, b);
      const answers = await Promise.all(
        Array.from({ length: 6 }, () => t.http().post('/api/v1/messages').set(a.auth).send({ conversationId: direct.id, text: 'dup', clientId: 'race' })),
      );
      expect(answers.map((r) => r.status).sort()).toEqual([200, 200, 200, 200, 200, 201]);
      expect(new Set(answers.map((r) => r.body.id)).size).toBe(1);
      expect((await history(t, a, direct.id)).items).toHaveLength(1);
    });

    it('a retry is answered only while its sender is a member: a removed member gets 404 and nothing of later changes (REST and socket); a member still gets 200', async () => {
      const [a, b, c] = await users(3);
      const group = await createGroup(t, a, [b, c]);
      const quoted = await send(t, a, group.id, 'the plan');
      const sent = await t.http().post('/api/v1/messages').set(b.auth).send({ conversationId: group.id, text: 'agreed', clientId: 'b-rest', replyToId: quoted.id }).expect(201);
      const bSocket = await connectSocket(t.baseUrl, b.accessToken);
      const overSocket = await request(bSocket, 'message:send', { conversationId: group.id, text: 'me too', clientId: 'b-socket', replyToId: quoted.id });
      expect(overSocket.ok).toBe(true);
      const kept = await t.http().post('/api/v1/messages').set(c.auth).send({ conversationId: group.id, text: 'count me in', clientId: 'c-rest' }).expect(201);
      // While b is a member its retry is answered with the message.
      const early = await t.http().post('/api/v1/messages').set(b.auth).send({ conversationId: group.id, text: 'agreed', clientId: 'b-rest', replyToId: quoted.id }).expect(200);
      expect(early.body.id).toBe(sent.body.id);

      await t.http().delete(`/api/v1/conversations/${group.id}/members/${b.id}`).set(a.auth).expect(204);
      // Changes b may no longer see: its messages' quote edited, reactions, reads.
      await t.http().patch(`/api/v1/messages/${quoted.id}`).set(a.auth).send({ text: 'the secret plan' }).expect(200);
      const socketId = overSocket.ok ? overSocket.data.id : '';
      for (const id of [sent.body.id, socketId])
        await t
          .http()
          .put(`/api/v1/messages/${id}/reactions/${encodeURIComponent('🤫')}`)
          .set(c.auth)
          .expect(200);
      await t.http().post(`/api/v1/conversations/${group.id}/read`).set(a.auth).send({ messageId: kept.body.id }).expect(200);

      const retried = await t.http().post('/api/v1/messages').set(b.auth).send({ conversationId: group.id, text: 'agreed', clientId: 'b-rest', replyToId: quoted.id });
      expectError(retried, 404);
      expect(retried.body.message).toBe('Conversation not found');
      const socketRetry = await request(bSocket, 'message:send', { conversationId: group.id, text: 'me too', clientId: 'b-socket', replyToId: quoted.id });
      expect(socketRetry).toEqual({ ok: false, error: { status: 404, message: 'Conversation not found' } });
      for (const answer of [retried.body, socketRetry]) {
        expect(JSON.stringify(answer)).not.toContain('secret');
        expect(JSON.stringify(answer)).not.toContain('🤫');
      }
      // Without its quote, through the socket too.
      expect(await request(bSocket, 'message:send', { conversationId: group.id, text: 'agreed', clientId: 'b-rest' })).toMatchObject({ ok: false, error: { status: 404 } });

      // A current member's retry is answered as before, with the message as it is now.
      const stillMember = await t.http().post('/api/v1/messages').set(c.auth).send({ conversationId: group.id, text: 'count me in', clientId: 'c-rest' }).expect(200);
      expect(stillMember.body).toMatchObject({ id: kept.body.id, text: 'count me in', clientId: 'c-rest' });
      bSocket.close();
    });

    it('seq strictly increases under concurrent senders: 60 sends from 3 users are 1..60, history ordered by seq', async () => {
      const [a, b, c] = await users(3);
      const group = await createGroup(t, a, [b, c]);
      const senders = [a, b, c];
      const answers = await Promise.all(
        Array.from({ length: 60 }, (_, i) =>
          t
            .http()
            .post('/api/v1/messages')
            .set(senders[i % 3].auth)
            .send({ conversationId: group.id, text: `n${i}` }),
        ),
      );
      expect(answers.map((r) => r.status)).toEqual(Array(60).fill(201));
      const seqs = answers.map((r) => r.body.seq as number).sort((x, y) => x - y);
      expect(seqs).toEqual(Array.from({ length: 60 }, (_, i) => i + 1));
      const page = await history(t, b, group.id, { limit: 100 });
      expect(page.items.map((m) => m.seq)).toEqual(seqs);
      expect(page.items.map((m) => m.text).sort()).toEqual(answers.map((r) => r.body.text).sort());
      // The list shows the newest message, and counts the others' messages as unread.
      const view = await getConversation(t, a, group.id);
      expect(view.lastMessage?.seq).toBe(60);
      // A's own sends moved its read mark to its latest message: what others sent after it is unread.
      const ownLatest = Math.max(...answers.filter((r) => r.body.senderId === a.id).map((r) => r.body.seq as number));
      expect(view.unreadCount).toBe(answers.filter((r) => r.body.senderId !== a.id && r.body.seq > ownLatest).length);
    });
  });

  describe('edit', () => {
    it('the sender edits: 200 with new text and editedAt; the list summary follows', async () => {
      const [a, b] = await users(2);
      const direct = await openDirect(t, a, b);
      const message = await send(t, a, direct.id, 'typo');
      const edited = await t.http().patch(`/api/v1/messages/${message.id}`).set(a.auth).send({ text: '  fixed  ' });
      expect(edited.status).toBe(200);
      expectMessageShape(edited.body);
      expect(edited.body).toMatchObject({ id: message.id, seq: 1, text: 'fixed', createdAt: message.createdAt, deletedAt: null });
      expect(Date.parse(edited.body.editedAt)).toBeGreaterThanOrEqual(Date.parse(message.createdAt));
      expect((await history(t, b, direct.id)).items[0]).toMatchObject({ text: 'fixed', editedAt: edited.body.editedAt });
      expect((await getConversation(t, b, direct.id)).lastMessage).toMatchObject({ text: 'fixed', editedAt: edited.body.editedAt });
    });

    it('others get 403 (member) or 404 (non-member); bad text 400; unknown 404; deleted 409', async () => {
      const [a, b, outsider] = await users(3);
      const direct = await openDirect(t, a, b);
      const message = await send(t, a, direct.id, 'original');
      expectError(await t.http().patch(`/api/v1/messages/${message.id}`).set(b.auth).send({ text: 'hijack' }), 403);
      expectError(await t.http().patch(`/api/v1/messages/${message.id}`).set(outsider.auth).send({ text: 'hijack' }), 404);
      expectError(await t.http().patch(`/api/v1/messages/${message.id}`).set(a.auth).send({ text: '  ' }), 400);
      expectError(
        await t
          .http()
          .patch(`/api/v1/messages/${message.id}`)
          .set(a.auth)
          .send({ text: 'x'.repeat(MAX + 1) }),
        400,
      );
      expectError(await t.http().patch(`/api/v1/messages/${message.id}`).set(a.auth).send({ text: 'ok', seq: 9 }), 400);
      expectError(await t.http().patch(`/api/v1/messages/${UNKNOWN_ID}`).set(a.auth).send({ text: 'ok' }), 404);
      expectError(await t.http().patch('/api/v1/messages/not-an-id').set(a.auth).send({ text: 'ok' }), 400);
      expect((await history(t, a, direct.id)).items[0]).toMatchObject({ text: 'original', editedAt: null });

      await t.http().delete(`/api/v1/messages/${message.id}`).set(a.auth).expect(204);
      expectError(await t.http().patch(`/api/v1/messages/${message.id}`).set(a.auth).send({ text: 'revive' }), 409);
      expect((await history(t, a, direct.id)).items[0]).toMatchObject({ text: null });
    });
  });

  describe('delete', () => {
    it('leaves a tombstone (text null, deletedAt set), updates the list summary; sender only', async () => {
      const [a, b, outsider] = await users(3);
      const direct = await openDirect(t, a, b);
      const first = await send(t, a, direct.id, 'keep');
      const last = await send(t, a, direct.id, 'regret');
      expectError(await t.http().delete(`/api/v1/messages/${last.id}`).set(b.auth), 403);
      expectError(await t.http().delete(`/api/v1/messages/${last.id}`).set(outsider.auth), 404);
      expectError(await t.http().delete(`/api/v1/messages/${UNKNOWN_ID}`).set(a.auth), 404);
      expectError(await t.http().delete('/api/v1/messages/not-an-id').set(a.auth), 400);

      const deleted = await t.http().delete(`/api/v1/messages/${last.id}`).set(a.auth);
      expect(deleted.status).toBe(204);
      expect(deleted.text).toBe('');
      const items = (await history(t, b, direct.id)).items;
      expect(items).toHaveLength(2);
      expectMessageShape(items[1]);
      expect(items[1]).toMatchObject({ id: last.id, seq: 2, text: null, senderId: a.id });
      expect(items[1].deletedAt).not.toBeNull();
      expect(items[0]).toMatchObject({ id: first.id, text: 'keep', deletedAt: null });
      const list = await t.http().get('/api/v1/conversations').set(b.auth);
      expect(list.body.items[0].lastMessage).toMatchObject({ id: last.id, text: null, deletedAt: items[1].deletedAt });
      // Deleting again is harmless.
      expect((await t.http().delete(`/api/v1/messages/${last.id}`).set(a.auth)).status).toBe(204);
    });

    it('deleting an older message leaves the list summary on the newest one', async () => {
      const [a, b] = await users(2);
      const direct = await openDirect(t, a, b);
      const old = await send(t, a, direct.id, 'old');
      const newest = await send(t, b, direct.id, 'newest');
      await t.http().delete(`/api/v1/messages/${old.id}`).set(a.auth).expect(204);
      expect((await getConversation(t, a, direct.id)).lastMessage).toMatchObject({ id: newest.id, text: 'newest' });
    });
  });

  describe('history pages', () => {
    let a: Awaited<ReturnType<typeof createUser>>;
    let b: Awaited<ReturnType<typeof createUser>>;
    let conversationId: string;
    let all: MessageBody[];

    beforeAll(async () => {
      [a, b] = await users(2);
      conversationId = (await openDirect(t, a, b)).id;
      all = await sendMany(t, a, conversationId, 120, 12);
      expect(all.map((m) => m.seq)).toEqual(Array.from({ length: 120 }, (_, i) => i + 1));
    });

    it('no cursor: the newest `limit`, oldest first; default limit 50', async () => {
      const page = await history(t, b, conversationId, { limit: 25 });
      expect(page.items.map((m) => m.seq)).toEqual(all.slice(95).map((m) => m.seq));
      expect(page.hasMore).toBe(true);
      page.items.forEach(expectMessageShape);
      const byDefault = await history(t, b, conversationId);
      expect(byDefault.items.map((m) => m.id)).toEqual(all.slice(70).map((m) => m.id));
      expect(byDefault.hasMore).toBe(true);
      const everything = await history(t, b, conversationId, { limit: 100 });
      expect(everything.items).toHaveLength(100);
    });

    it('walking back with `before` yields each message exactly once, in order; hasMore false at the start', async () => {
      const seen: MessageBody[] = [];
      let page = await history(t, b, conversationId, { limit: 25 });
      const hasMores: boolean[] = [page.hasMore];
      seen.unshift(...page.items);
      while (page.hasMore) {
        page = await history(t, b, conversationId, { limit: 25, before: page.items[0].id });
        hasMores.push(page.hasMore);
        seen.unshift(...page.items);
      }
      expect(seen.map((m) => m.id)).toEqual(all.map((m) => m.id));
      expect(hasMores).toEqual([true, true, true, true, false]);
      expect(page.items).toHaveLength(20);
      // Before the very first message: an empty page.
      expect(await history(t, b, conversationId, { before: all[0].id })).toEqual({ items: [], hasMore: false });
    });

    it('walking forth with `after` yields each message exactly once, in order; hasMore false at the end', async () => {
      const seen: MessageBody[] = [all[0]];
      let page = await history(t, b, conversationId, { limit: 25, after: all[0].id });
      const hasMores: boolean[] = [page.hasMore];
      seen.push(...page.items);
      while (page.hasMore) {
        page = await history(t, b, conversationId, { limit: 25, after: page.items[page.items.length - 1].id });
        hasMores.push(page.hasMore);
        seen.push(...page.items);
      }
      expect(seen.map((m) => m.id)).toEqual(all.map((m) => m.id));
      expect(hasMores).toEqual([true, true, true, true, false]);
      expect(await history(t, b, conversationId, { after: all[119].id })).toEqual({ items: [], hasMore: false });
    });

    it('exact page boundaries: hasMore is false when the rest fits exactly', async () => {
      const back = await history(t, b, conversationId, { limit: 10, before: all[10].id });
      expect(back.items.map((m) => m.seq)).toEqual(Array.from({ length: 10 }, (_, i) => i + 1));
      expect(back.hasMore).toBe(false);
      const forth = await history(t, b, conversationId, { limit: 10, after: all[109].id });
      expect(forth.items.map((m) => m.seq)).toEqual(Array.from({ length: 10 }, (_, i) => i + 111));
      expect(forth.hasMore).toBe(false);
    });

    it('rejects bad paging: limit bounds, both cursors, malformed or foreign cursor (400); non-member 404', async () => {
      const [c, outsider] = await users(2);
      const other = await openDirect(t, a, c);
      const foreign = await send(t, a, other.id, 'elsewhere');
      for (const query of [
        { limit: 0 },
        { limit: 101 },
        { limit: -1 },
        { limit: 1.5 },
        { limit: 'ten' },
        { before: all[50].id, after: all[10].id },
        { before: 'not-an-id' },
        { after: 'nope' },
        { before: foreign.id },
        { after: foreign.id },
        { before: UNKNOWN_ID },
        { page: 2 },
      ]) {
        const response = await t.http().get(`/api/v1/conversations/${conversationId}/messages`).query(query).set(b.auth);
        if (response.status !== 400) throw new Error(`${JSON.stringify(query)} → ${response.status}`);
        expectError(response, 400);
      }
      expectError(await t.http().get(`/api/v1/conversations/${conversationId}/messages`).set(outsider.auth), 404);
      expectError(await t.http().get(`/api/v1/conversations/${UNKNOWN_ID}/messages`).set(b.auth), 404);
      expectError(await t.http().get('/api/v1/conversations/not-an-id/messages').set(b.auth), 400);
    });
  });

  describe('malformed input never answers 500', () => {
    it('every messaging route, with malformed ids, wrong body types and operator objects, answers a 4xx (or a success)', async () => {
      const [a, b, c] = await users(3);
      const group = await createGroup(t, a, [b, c]);
      const message = await send(t, a, group.id, 'target');
      const ids = [group.id, message.id, 'not-an-id', UNKNOWN_ID, encodeURIComponent('{"$gt":""}'), '%24gt', '0'.repeat(25)];
      const routes: { method: 'get' | 'post' | 'patch' | 'delete' | 'put'; path: string; fields: string[] }[] = [
        { method: 'post', path: '/api/v1/conversations', fields: ['type', 'userId', 'title', 'memberIds'] },
        { method: 'get', path: '/api/v1/conversations', fields: ['limit', 'before'] },
        { method: 'get', path: '/api/v1/conversations/:id', fields: [] },
        { method: 'patch', path: '/api/v1/conversations/:id', fields: ['title'] },
        { method: 'post', path: '/api/v1/conversations/:id/members', fields: ['userIds'] },
        { method: 'delete', path: '/api/v1/conversations/:id/members/:other', fields: [] },
        { method: 'post', path: '/api/v1/conversations/:id/read', fields: ['messageId'] },
        { method: 'post', path: '/api/v1/conversations/:id/delivered', fields: ['messageId'] },
        { method: 'get', path: '/api/v1/conversations/:id/messages', fields: ['before', 'after', 'limit'] },
        { method: 'post', path: '/api/v1/messages', fields: ['conversationId', 'recipientId', 'text', 'clientId'] },
        { method: 'patch', path: '/api/v1/messages/:id', fields: ['text'] },
        { method: 'get', path: '/api/v1/messages/:id/receipts', fields: [] },
        { method: 'get', path: '/api/v1/sync', fields: ['since'] },
        { method: 'get', path: '/messages', fields: ['receiverId'] },
        { method: 'post', path: '/message/send', fields: ['receiverId', 'message'] },
        { method: 'put', path: '/message/status/delivered', fields: ['messageId'] },
        { method: 'put', path: '/message/status/read', fields: ['messageId'] },
        { method: 'delete', path: '/message/delete/:id', fields: [] },
        { method: 'delete', path: '/api/v1/messages/:id', fields: [] },
      ];
      const operator = { $gt: '' };
      const failures: string[] = [];
      let requests = 0;
      const check = async (label: string, run: () => Promise<{ status: number; body: unknown; text: string }>) => {
        requests += 1;
        const response = await run();
        const leaks = /stack|Mongo|Cast|at \/|node_modules|documentdb|postgres/i.test(response.text);
        if (response.status >= 500 || leaks) failures.push(`${label} → ${response.status} ${response.text.slice(0, 120)}`);
        if (response.status >= 400 && response.status < 500) {
          const body = response.body as { statusCode?: number; error?: unknown; message?: unknown };
          if (body.statusCode !== response.status || typeof body.error !== 'string' || body.message === undefined)
            failures.push(`${label}: not the error shape: ${response.text.slice(0, 120)}`);
        }
      };
      for (const route of routes) {
        const paths = route.path.includes(':')
          ? ids.flatMap((id) => [route.path.replace(':id', id).replace(':other', b.id), route.path.replace(':id', group.id).replace(':other', id)])
          : [route.path];
        for (const path of [...new Set(paths)]) {
          const bodies: unknown[] = [{}, [], [{}], 'text', 42, null, true, { [route.fields[0] ?? 'x']: operator }];
          for (const field of route.fields) bodies.push({ [field]: operator }, { [field]: [message.id] }, { [field]: { nested: { $ne: null } } }, { [field]: 123 });
          if (route.method === 'get' || route.method === 'delete') {
            const queries = [`?${route.fields[0] ?? 'x'}[$gt]=`, '?limit=1&limit=2', `?${route.fields[0] ?? 'x'}=not-an-id`, '?__proto__[x]=1'];
            for (const field of route.fields)
              queries.push(`?${field}[$ne]=1`, `?${field}=${encodeURIComponent(JSON.stringify(operator))}`, `?${field}=${message.id}&${field}=${group.id}`);
            for (const query of queries) await check(`${route.method} ${path}${query}`, () => t.http()[route.method](`${path}${query}`).set(b.auth));
          } else {
            for (const body of bodies) {
              const raw = JSON.stringify(body);
              await check(`${route.method} ${path} ${raw}`, () => t.http()[route.method](path).set(b.auth).set('Content-Type', 'application/json').send(raw));
            }
            await check(`${route.method} ${path} malformed JSON`, () => t.http()[route.method](path).set(b.auth).set('Content-Type', 'application/json').send('{"text": '));
            const queries = [`?${route.fields[0] ?? 'x'}[$gt]=`, '?messageId=1&messageId=2'];
            for (const query of queries) await check(`${route.method} ${path}${query}`, () => t.http()[route.method](`${path}${query}`).set(b.auth));
          }
        }
      }
      expect(failures).toEqual([]);
      expect(requests).toBeGreaterThan(500);
    }, 60_000);
  });

  // Last in the file: a second instance of the app over the same database (as behind a load balancer).
  describe('two app instances over one database', () => {
    it('concurrent sends through both instances still get distinct seqs 1..n, all stored (no 500)', async () => {
      const second = await createTestApp({ MESSAGE_MAX_LENGTH: String(MAX) }, { database: t.database });
      try {
        const [a, b] = await users(2);
        const group = await createGroup(t, a, [b]);
        const answers = await Promise.all(
          Array.from({ length: 40 }, (_, i) =>
            (i % 2 ? second : t)
              .http()
              .post('/api/v1/messages')
              .set((i % 4 < 2 ? a : b).auth)
              .send({ conversationId: group.id, text: `x${i}` }),
          ),
        );
        expect(answers.map((r) => r.status)).toEqual(Array(40).fill(201));
        const seqs = answers.map((r) => r.body.seq as number).sort((x, y) => x - y);
        expect(new Set(seqs).size).toBe(40);
        const page = await history(t, a, group.id, { limit: 100 });
        expect(page.items).toHaveLength(40);
        expect(page.items.map((m) => m.seq)).toEqual(seqs);
      } finally {
        // Not second.close(): that drops the database the first instance still uses.
        await second.app.close();
      }
    }, 30_000);

    it('a retry through the other instance (which never saw the first send) returns the first message and owes no unread', async () => {
      const second = await createTestApp({ MESSAGE_MAX_LENGTH: String(MAX) }, { database: t.database });
      try {
        const [a, b] = await users(2);
        const direct = await openDirect(t, a, b);
        const first = await t.http().post('/api/v1/messages').set(a.auth).send({ conversationId: direct.id, text: 'hello', clientId: 'lost-ack' }).expect(201);
        const retry = await second.http().post('/api/v1/messages').set(a.auth).send({ conversationId: direct.id, text: 'hello', clientId: 'lost-ack' }).expect(200);
        expect(retry.body).toEqual({ ...first.body, status: 'sent' });
        expect((await history(t, b, direct.id)).items.map((m) => m.id)).toEqual([first.body.id]);
        expect(await getConversation(t, b, direct.id)).toMatchObject({ unreadCount: 1, lastMessage: { id: first.body.id, seq: first.body.seq } });
        await t.http().post(`/api/v1/conversations/${direct.id}/read`).set(b.auth).send({ messageId: first.body.id }).expect(200);
        expect(await getConversation(t, b, direct.id)).toMatchObject({ unreadCount: 0 });
      } finally {
        await second.app.close();
      }
    }, 30_000);
  });
});
