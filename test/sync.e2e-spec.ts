import { Types } from 'mongoose';
import { createSecretKey } from 'node:crypto';
import { SyncCursorCodec, syncCursorKey } from '../src/messages/sync-cursor';
import { createTestApp, TEST_ENV, TestApp } from './helpers/app';
import { createUsers, TestUser } from './factories/user.factory';
import {
  ConversationBody,
  createGroup,
  expectConversationShape,
  expectError,
  expectMessageShape,
  ISO,
  mark,
  MessageBody,
  OBJECT_ID,
  openDirect,
  send,
  sendMany,
} from './helpers/messaging';

interface ReceiptBody {
  conversationId: string;
  userId: string;
  type: 'delivered' | 'read';
  messageId: string;
  at: string;
}
interface SyncBody {
  messages: MessageBody[];
  receipts: ReceiptBody[];
  conversations: ConversationBody[];
  removed: string[];
  blocks: unknown[];
  presence: unknown[];
  cursor: string;
  hasMore: boolean;
}

const MAX_AGE_DAYS = 7;
/** Cursors as the server signs them (its key derives from the JWT secret the tests run with). */
const codec = new SyncCursorCodec(syncCursorKey(createSecretKey(Buffer.from(TEST_ENV.JWT_SECRET))));
const cursorOf = (issuedAt: number, position = issuedAt) =>
  codec.encode({
    issuedAt,
    messages: { at: new Date(position), id: null },
    receipts: { at: new Date(position), id: null },
    conversations: { at: new Date(position), id: null },
    blocks: { at: new Date(position), id: null },
  });
/** The cursor's body with its signature, as a client would see them (`body.signature`). */
const partsOf = (cursor: string) => {
  const [body, signature] = cursor.split('.');
  return { body: JSON.parse(Buffer.from(body, 'base64url').toString('utf8')), signature };
};
const unsigned = (body: unknown, signature = 'AAAA') => `${Buffer.from(JSON.stringify(body)).toString('base64url')}.${signature}`;

describe('Sync: catch-up after being offline (e2e)', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await createTestApp({ SYNC_MAX_AGE_DAYS: String(MAX_AGE_DAYS) });
  });
  afterAll(async () => {
    await t.close();
  });

  const users = (n: number) => createUsers(t, n);
  const sync = async (user: TestUser, since?: string): Promise<SyncBody> => {
    const response = await t
      .http()
      .get('/api/v1/sync')
      .query(since === undefined ? {} : { since })
      .set(user.auth);
    if (response.status !== 200) throw new Error(`sync: ${response.status} ${JSON.stringify(response.body)}`);
    expect(Object.keys(response.body).sort()).toEqual(['blocks', 'conversations', 'cursor', 'hasMore', 'messages', 'presence', 'receipts', 'removed']);
    for (const id of response.body.removed) expect(id).toMatch(OBJECT_ID);
    response.body.messages.forEach(expectMessageShape);
    response.body.conversations.forEach(expectConversationShape);
    for (const receipt of response.body.receipts) {
      expect(Object.keys(receipt).sort()).toEqual(['at', 'conversationId', 'messageId', 'type', 'userId']);
      expect(receipt.messageId).toMatch(OBJECT_ID);
      expect(receipt.at).toMatch(ISO);
    }
    return response.body;
  };
  /** Follows cursors while hasMore, merging pages by id as a client would. */
  const syncAll = async (user: TestUser, since: string) => {
    const messages = new Map<string, MessageBody>();
    let cursor = since;
    let pages = 0;
    for (;;) {
      const page = await sync(user, cursor);
      pages += 1;
      for (const message of page.messages) messages.set(message.id, message);
      cursor = page.cursor;
      if (!page.hasMore) break;
      if (pages > 50) throw new Error('sync never ends');
    }
    return { messages, pages, cursor };
  };

  it('without since: no changes and a cursor', async () => {
    const [a, b] = await users(2);
    await send(t, a, (await openDirect(t, a, b)).id, 'earlier');
    const first = await sync(b);
    expect(first).toEqual({ messages: [], receipts: [], conversations: [], removed: [], blocks: [], presence: [], cursor: expect.any(String), hasMore: false });
    expect(first.cursor.length).toBeGreaterThan(10);
  });

  it('one sync from the cursor returns every change made while away; the next one misses nothing sent in between', async () => {
    const [a, b, c] = await users(3);
    const direct = await openDirect(t, a, b);
    const renamed = await createGroup(t, a, [b, c], 'Old name');
    const leftBehind = await createGroup(t, a, [b, c], 'Will drop B');
    const toEdit = await send(t, a, direct.id, 'draft');
    const toDelete = await send(t, a, direct.id, 'oops');
    const inGroup = await send(t, a, renamed.id, 'group hello');

    const { cursor } = await sync(b);
    // B is away. Others send, edit, delete, read, and change membership.
    const fresh = await send(t, a, direct.id, 'while you were away');
    await t.http().patch(`/api/v1/messages/${toEdit.id}`).set(a.auth).send({ text: 'final' }).expect(200);
    await t.http().delete(`/api/v1/messages/${toDelete.id}`).set(a.auth).expect(204);
    await mark(t, c, renamed.id, 'read', inGroup.id);
    await t.http().patch(`/api/v1/conversations/${renamed.id}`).set(a.auth).send({ title: 'New name' }).expect(200);
    const joined = await createGroup(t, c, [a], 'B joins later');
    await t
      .http()
      .post(`/api/v1/conversations/${joined.id}/members`)
      .set(c.auth)
      .send({ userIds: [b.id] })
      .expect(200);
    await t.http().delete(`/api/v1/conversations/${leftBehind.id}/members/${b.id}`).set(a.auth).expect(204);
    const afterRemoval = await send(t, a, leftBehind.id, 'B must not see this');
    const notForB = await createGroup(t, a, [c], 'Without B');
    await send(t, a, notForB.id, 'private');

    const result = await sync(b, cursor);
    expect(result.hasMore).toBe(false);
    const messages = new Map(result.messages.map((m) => [m.id, m]));
    expect(messages.get(fresh.id)).toMatchObject({ text: 'while you were away', conversationId: direct.id });
    expect(messages.get(toEdit.id)).toMatchObject({ text: 'final', editedAt: expect.stringMatching(ISO), deletedAt: null });
    expect(messages.get(toDelete.id)).toMatchObject({ text: null, deletedAt: expect.stringMatching(ISO) });
    expect(messages.has(afterRemoval.id)).toBe(false);
    expect(result.messages.every((m) => [direct.id, renamed.id, joined.id].includes(m.conversationId))).toBe(true);

    expect(result.receipts).toContainEqual({ conversationId: renamed.id, userId: c.id, type: 'read', messageId: inGroup.id, at: expect.stringMatching(ISO) });
    expect(result.receipts).toContainEqual({ conversationId: renamed.id, userId: c.id, type: 'delivered', messageId: inGroup.id, at: expect.stringMatching(ISO) });
    expect(result.receipts.every((r) => r.conversationId !== notForB.id && r.conversationId !== leftBehind.id)).toBe(true);

    const conversations = new Map(result.conversations.map((x) => [x.id, x]));
    expect(conversations.get(renamed.id)).toMatchObject({ title: 'New name' });
    expect(
      conversations
        .get(joined.id)
        ?.members.map((m) => m.userId)
        .sort(),
    ).toEqual([a.id, b.id, c.id].sort());
    // The group B was removed from: its id alone, nothing of it after the removal.
    expect(conversations.has(leftBehind.id)).toBe(false);
    expect(result.removed).toEqual([leftBehind.id]);
    expect(JSON.stringify(result)).not.toContain('B must not see this');
    expect(conversations.has(notForB.id)).toBe(false);

    // Something sent after the first sync is in the next one.
    const later = await send(t, a, direct.id, 'after your sync');
    const laterEdit = await t.http().patch(`/api/v1/messages/${fresh.id}`).set(a.auth).send({ text: 'while you were away (edited)' });
    expect(laterEdit.status).toBe(200);
    const next = await sync(b, result.cursor);
    const nextMessages = new Map(next.messages.map((m) => [m.id, m]));
    expect(nextMessages.get(later.id)).toMatchObject({ text: 'after your sync' });
    expect(nextMessages.get(fresh.id)).toMatchObject({ text: 'while you were away (edited)' });
    // And from that cursor again: still nothing missing when nothing changed (repeats are allowed).
    const quiet = await sync(b, next.cursor);
    expect(quiet.hasMore).toBe(false);
  });

  it('pages: more than 100 changes → hasMore, and following the cursors gets every one', async () => {
    const [a, b] = await users(2);
    const direct = await openDirect(t, a, b);
    const { cursor } = await sync(b);
    const sent = await sendMany(t, a, direct.id, 230, 15);
    const first = await sync(b, cursor);
    expect(first.hasMore).toBe(true);
    expect(first.messages.length).toBeLessThanOrEqual(100);
    const { messages, pages } = await syncAll(b, cursor);
    expect(pages).toBeGreaterThanOrEqual(3);
    expect([...messages.keys()].sort()).toEqual(sent.map((m) => m.id).sort());
    for (const message of sent) expect(messages.get(message.id)?.text).toBe(message.text);
  });

  it('a malformed cursor is a 400', async () => {
    const [a] = await users(1);
    const now = Date.now();
    const bad = [
      'garbage',
      '!!!',
      Buffer.from('{}').toString('base64url'),
      Buffer.from('[1,2]').toString('base64url'),
      Buffer.from('null').toString('base64url'),
      Buffer.from(JSON.stringify({ v: 2, i: now, m: [now, null], r: [now, null], c: [now, null] })).toString('base64url'),
      Buffer.from(JSON.stringify({ v: 1, i: now, m: [now, 'not-an-id'], r: [now, null], c: [now, null] })).toString('base64url'),
      Buffer.from(JSON.stringify({ v: 1, i: now, m: [now], r: [now, null], c: [now, null] })).toString('base64url'),
      Buffer.from(JSON.stringify({ v: 1, i: 'yesterday', m: [now, null], r: [now, null], c: [now, null] })).toString('base64url'),
      Buffer.from(JSON.stringify({ v: 1, i: now, m: [{ $gt: 0 }, null], r: [now, null], c: [now, null] })).toString('base64url'),
      cursorOf(now + 3_600_000),
      'x'.repeat(2000),
    ];
    for (const since of bad) {
      const response = await t.http().get('/api/v1/sync').query({ since }).set(a.auth);
      if (response.status !== 400) throw new Error(`${since.slice(0, 40)} → ${response.status}`);
      expectError(response, 400);
    }
    expectError(await t.http().get('/api/v1/sync?since[$gt]=').set(a.auth), 400);
    expectError(await t.http().get('/api/v1/sync?since=a&since=b').set(a.auth), 400);
    expectError(await t.http().get('/api/v1/sync'), 401);
  });

  it('a cursor older than SYNC_MAX_AGE_DAYS is a 410; one just inside the limit works', async () => {
    const [a] = await users(1);
    const day = 86_400_000;
    expectError(
      await t
        .http()
        .get('/api/v1/sync')
        .query({ since: cursorOf(Date.now() - (MAX_AGE_DAYS + 1) * day) })
        .set(a.auth),
      410,
    );
    const recent = await t
      .http()
      .get('/api/v1/sync')
      .query({ since: cursorOf(Date.now() - (MAX_AGE_DAYS - 1) * day) })
      .set(a.auth);
    expect(recent.status).toBe(200);
  });
  describe('membership at the time of each change (issue 11, finding 1)', () => {
    it('a member who left gets the conversation only as its id in removed: no later message, title or lastMessage', async () => {
      const [a, b, c] = await users(3);
      const group = await createGroup(t, a, [b, c], 'Before');
      await send(t, a, group.id, 'seen before leaving');
      const { cursor } = await sync(b);
      await t.http().delete(`/api/v1/conversations/${group.id}/members/${b.id}`).set(b.auth).expect(204);
      const secret = await send(t, a, group.id, 'secret after leaving');
      await t.http().patch(`/api/v1/conversations/${group.id}`).set(a.auth).send({ title: 'Secret title' }).expect(200);
      await mark(t, c, group.id, 'read', secret.id);

      const result = await sync(b, cursor);
      expect(result.removed).toEqual([group.id]);
      expect(result.conversations.map((conversation) => conversation.id)).not.toContain(group.id);
      expect(result.messages.map((message) => message.conversationId)).not.toContain(group.id);
      expect(result.receipts.map((receipt) => receipt.conversationId)).not.toContain(group.id);
      for (const leak of ['secret after leaving', 'Secret title', secret.id]) expect(JSON.stringify(result)).not.toContain(leak);
      // A sync from the new cursor (inside the overlap) may name it again, never more than its id.
      const again = await sync(b, result.cursor);
      expect(JSON.stringify(again)).not.toContain('secret after leaving');
      expect(again.conversations.map((conversation) => conversation.id)).not.toContain(group.id);
    });

    it('a member added back sees nothing from the time it was away, and what came after it returned', async () => {
      const [a, b] = await users(2);
      const group = await createGroup(t, a, [b], 'Comings and goings');
      const { cursor } = await sync(b);
      await t.http().delete(`/api/v1/conversations/${group.id}/members/${b.id}`).set(a.auth).expect(204);
      const whileAway = await send(t, a, group.id, 'said while b was away');
      await t
        .http()
        .post(`/api/v1/conversations/${group.id}/members`)
        .set(a.auth)
        .send({ userIds: [b.id] })
        .expect(200);
      const afterReturn = await send(t, a, group.id, 'said after b returned');

      const result = await sync(b, cursor);
      const ids = result.messages.map((message) => message.id);
      expect(ids).toContain(afterReturn.id);
      expect(ids).not.toContain(whileAway.id);
      expect(result.conversations.map((conversation) => conversation.id)).toContain(group.id);
      expect(result.removed).not.toContain(group.id);
    });

    it('a cursor moved back or otherwise altered is a 400, and so is an unsigned one of the old form', async () => {
      const [a, b] = await users(2);
      await send(t, a, (await openDirect(t, a, b)).id, 'history');
      const { cursor } = await sync(b);
      const { body, signature } = partsOf(cursor);
      const replayAll = { ...body, m: [0, null], r: [0, null], c: [0, null] };
      const forged = [
        unsigned(replayAll, signature),
        unsigned({ ...body, i: body.i + 1 }, signature),
        `${cursor.split('.')[0]}.${signature.slice(0, -2)}${signature.endsWith('AA') ? 'BB' : 'AA'}`,
        cursor.split('.')[0],
        `${cursor}.extra`,
        // The first release's cursor: plain base64 JSON with every position at 0.
        Buffer.from(JSON.stringify({ v: 1, i: Date.now(), m: [0, null], r: [0, null], c: [0, null] })).toString('base64url'),
      ];
      for (const since of forged) {
        const response = await t.http().get('/api/v1/sync').query({ since }).set(b.auth);
        if (response.status !== 400) throw new Error(`${since.slice(0, 60)} → ${response.status}`);
        expectError(response, 400);
      }
      // The untouched cursor still works.
      expect((await t.http().get('/api/v1/sync').query({ since: cursor }).set(b.auth)).status).toBe(200);
    });

    it('clamps a cursor to the retention window: nothing older than SYNC_MAX_AGE_DAYS is replayed', async () => {
      const [a, b] = await users(2);
      const direct = await openDirect(t, a, b);
      const recent = await send(t, a, direct.id, 'recent');
      const old = new Date(Date.now() - (MAX_AGE_DAYS + 3) * 86_400_000);
      const ancient = new Types.ObjectId();
      await t.connection.collection('messages').insertOne({
        _id: ancient,
        conversationId: new Types.ObjectId(direct.id),
        seq: 1000,
        senderId: new Types.ObjectId(a.id),
        text: 'ancient',
        clientId: null,
        createdAt: old,
        editedAt: null,
        deletedAt: null,
        changedAt: old,
      });
      // B has been a member since before it, so only the window keeps it out.
      await t.connection.collection('memberships').updateMany({ conversationId: new Types.ObjectId(direct.id) }, { $set: { joinedAt: new Date(old.getTime() - 86_400_000) } });
      // Signed by the server's key, issued now, but with positions at the epoch.
      const result = await sync(b, cursorOf(Date.now(), 0));
      const ids = result.messages.map((message) => message.id);
      expect(ids).toContain(recent.id);
      expect(ids).not.toContain(ancient.toHexString());
    });
  });
});
