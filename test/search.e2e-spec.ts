import { Types } from 'mongoose';
import { createUsers } from './factories/user.factory';
import { createTestApp, TestApp, useTestApp } from './helpers/app';
import { createGroup, expectError, expectMessageShape, openDirect, send } from './helpers/messaging';
import { searchMessages } from './helpers/rich-messaging';

describe('Message search (e2e)', () => {
  let t: TestApp;
  useTestApp((app) => {
    t = app;
  });

  const texts = (page: { items: { text: string | null }[] }) => page.items.map((m) => m.text);

  it('finds messages holding every word of q, any case, other forms of a word too, newest first', async () => {
    const [a, b] = await createUsers(t, 2);
    const direct = await openDirect(t, a, b);
    for (const text of ['Running late today', 'He runs fast', 'the cat sat', 'CATS are running', 'Café au lait', 'dog and cat']) await send(t, a, direct.id, text);
    const page = await searchMessages(t, b, { q: 'run' });
    page.items.forEach(expectMessageShape);
    expect(texts(page)).toEqual(['CATS are running', 'He runs fast', 'Running late today']);
    expect(texts(await searchMessages(t, b, { q: 'Cat RUNNING' }))).toEqual(['CATS are running']);
    expect(texts(await searchMessages(t, b, { q: 'cats' }))).toEqual(['dog and cat', 'CATS are running', 'the cat sat']);
    expect(texts(await searchMessages(t, b, { q: 'the cat!' }))).toEqual(['dog and cat', 'CATS are running', 'the cat sat']);
    expect(texts(await searchMessages(t, b, { q: 'zebra' }))).toEqual([]);
  });

  it('finds "constructor" in messages stored by the old stemmer, whose term for it the next start repairs', async () => {
    const [a, b] = await createUsers(t, 2);
    const direct = await openDirect(t, a, b);
    const fresh = await send(t, a, direct.id, 'a fresh constructor');
    expect(texts(await searchMessages(t, b, { q: 'constructor' }))).toEqual(['a fresh constructor']);
    // What the old stemmer stored for "constructor": Object.prototype.constructor, as text.
    const legacy = { ...(await t.connection.collection('messages').findOne({ _id: new Types.ObjectId(fresh.id) })), _id: new Types.ObjectId(), seq: 2, text: 'an old constructor' };
    await t.connection.collection('messages').insertOne({ ...legacy, searchTerms: ['old', String(Object)] });
    expect(texts(await searchMessages(t, b, { q: 'constructor' }))).toEqual(['a fresh constructor']);

    // Another instance starts over the same data: once its indexes are built, it repairs the old term.
    const next = await createTestApp({}, { database: t.database });
    try {
      const deadline = Date.now() + 10_000;
      let found = texts(await searchMessages(next, b, { q: 'constructor' }));
      while (found.length < 2 && Date.now() < deadline) {
        await new Promise((resolve) => setTimeout(resolve, 20));
        found = texts(await searchMessages(next, b, { q: 'constructor' }));
      }
      expect(found).toEqual(['an old constructor', 'a fresh constructor']);
      expect(await t.connection.collection('messages').countDocuments({ searchTerms: String(Object) })).toBe(0);
    } finally {
      await next.app.close();
    }
  });

  it('pages newest first with before= and hasMore, within limit 1–50', async () => {
    const [a, b] = await createUsers(t, 2);
    const direct = await openDirect(t, a, b);
    const sent = [];
    for (let i = 0; i < 7; i += 1) sent.push(await send(t, a, direct.id, `report number ${i}`));
    const first = await searchMessages(t, a, { q: 'report', limit: 3 });
    expect(first).toMatchObject({ hasMore: true });
    expect(first.items.map((m) => m.id)).toEqual([sent[6].id, sent[5].id, sent[4].id]);
    const second = await searchMessages(t, a, { q: 'report', limit: 3, before: first.items[2].id });
    expect(second.items.map((m) => m.id)).toEqual([sent[3].id, sent[2].id, sent[1].id]);
    const last = await searchMessages(t, a, { q: 'report', limit: 3, before: second.items[2].id });
    expect(last).toEqual({ items: [expect.objectContaining({ id: sent[0].id })], hasMore: false });
    expect((await searchMessages(t, a, { q: 'report' })).items).toHaveLength(7);
    for (const limit of ['0', '51', 'x']) expectError(await t.http().get('/api/v1/search/messages').query({ q: 'report', limit }).set(a.auth), 400);
  });

  it('never leaks: only conversations the caller is a member of now, never deleted messages', async () => {
    const [a, b, c] = await createUsers(t, 3);
    const mine = await openDirect(t, a, b);
    const notMine = await openDirect(t, a, c);
    const group = await createGroup(t, a, [b, c], 'G');
    await send(t, a, mine.id, 'secret plan alpha');
    const theirs = await send(t, a, notMine.id, 'secret plan beta');
    await send(t, a, group.id, 'secret plan gamma');
    const deleted = await send(t, a, mine.id, 'secret plan delta');
    await t.http().delete(`/api/v1/messages/${deleted.id}`).set(a.auth).expect(204);
    const edited = await send(t, a, mine.id, 'secret plan epsilon');
    await t.http().patch(`/api/v1/messages/${edited.id}`).set(a.auth).send({ text: 'nothing to see' }).expect(200);

    expect(texts(await searchMessages(t, b, { q: 'secret plan' }))).toEqual(['secret plan gamma', 'secret plan alpha']);
    expect(texts(await searchMessages(t, b, { q: 'delta' }))).toEqual([]);
    expect(texts(await searchMessages(t, b, { q: 'epsilon' }))).toEqual([]);
    expect(texts(await searchMessages(t, b, { q: 'nothing see' }))).toEqual(['nothing to see']);
    // Removed from the group: its messages no longer match, old or new.
    await t.http().delete(`/api/v1/conversations/${group.id}/members/${b.id}`).set(a.auth).expect(204);
    await send(t, a, group.id, 'secret plan zeta');
    expect(texts(await searchMessages(t, b, { q: 'secret' }))).toEqual(['secret plan alpha']);
    // Naming a conversation that is not the caller's is a 404; a cursor from outside the scope a 400.
    expectError(await t.http().get('/api/v1/search/messages').query({ q: 'secret', conversationId: group.id }).set(b.auth), 404);
    expectError(await t.http().get('/api/v1/search/messages').query({ q: 'secret', conversationId: notMine.id }).set(b.auth), 404);
    expectError(await t.http().get('/api/v1/search/messages').query({ q: 'secret', before: theirs.id }).set(b.auth), 400);
    expect(texts(await searchMessages(t, a, { q: 'secret', conversationId: notMine.id }))).toEqual(['secret plan beta']);
  });

  it('a query of only stop words or punctuation is a 400; a missing, empty or over-long q too', async () => {
    const [a] = await createUsers(t, 1);
    for (const q of ['the', 'The and OF', '!!! ...', '"-"', 'x'.repeat(201)]) {
      const response = await t.http().get('/api/v1/search/messages').query({ q }).set(a.auth);
      if (response.status !== 400) throw new Error(`${q} → ${response.status}`);
      expectError(response, 400);
    }
    expectError(await t.http().get('/api/v1/search/messages').set(a.auth), 400);
    expectError(await t.http().get('/api/v1/search/messages').query({ q: '   ' }).set(a.auth), 400);
    expectError(await t.http().get('/api/v1/search/messages?q[$ne]=x').set(a.auth), 400);
    expectError(await t.http().get('/api/v1/search/messages').query({ q: 'ok', before: 'nope' }).set(a.auth), 400);
    expectError(await t.http().get('/api/v1/search/messages').query({ q: 'ok' }), 401);
  });
});
