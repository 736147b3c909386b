import { Types } from 'mongoose';
import { createUsers } from './factories/user.factory';
import { TestApp, useTestApp } from './helpers/app';
import { createGroup, expectError, getConversation, history, mark, openDirect, send } from './helpers/messaging';
import { sendRich } from './helpers/rich-messaging';
import { connectSocket, waitFor } from './helpers/socket';
import { request } from './realtime-helpers';

describe('Mentions (e2e)', () => {
  let t: TestApp;
  useTestApp((app) => {
    t = app;
  });

  it('a message lists whom it mentions; mentionCount counts those after the read mark, and reading clears it', async () => {
    const [a, b, c] = await createUsers(t, 3);
    const group = await createGroup(t, a, [b, c]);
    const first = await sendRich(t, a, { conversationId: group.id, text: '@b look', mentions: [b.id] });
    expect(first.mentions).toEqual([b.id]);
    await send(t, a, group.id, 'no mention');
    const third = await sendRich(t, c, { conversationId: group.id, text: '@b @a', mentions: [b.id, a.id, b.id.toUpperCase()] });
    expect(third.mentions).toEqual([b.id, a.id]);

    expect(await getConversation(t, b, group.id)).toMatchObject({ unreadCount: 3, mentionCount: 2 });
    expect(await getConversation(t, a, group.id)).toMatchObject({ unreadCount: 1, mentionCount: 1 });
    expect(await getConversation(t, c, group.id)).toMatchObject({ mentionCount: 0 });
    const list = (await t.http().get('/api/v1/conversations').set(b.auth).expect(200)).body;
    expect(list.items.find((x: { id: string }) => x.id === group.id)).toMatchObject({ mentionCount: 2 });

    await mark(t, b, group.id, 'read', first.id);
    expect(await getConversation(t, b, group.id)).toMatchObject({ unreadCount: 2, mentionCount: 1 });
    await mark(t, b, group.id, 'read', third.id);
    expect(await getConversation(t, b, group.id)).toMatchObject({ unreadCount: 0, mentionCount: 0 });
  });

  it('mentioning yourself never counts; a deleted message stops counting', async () => {
    const [a, b] = await createUsers(t, 2);
    const group = await createGroup(t, a, [b]);
    await sendRich(t, a, { conversationId: group.id, text: 'note to self', mentions: [a.id] });
    expect(await getConversation(t, a, group.id)).toMatchObject({ mentionCount: 0 });
    const doomed = await sendRich(t, a, { conversationId: group.id, text: '@b oops', mentions: [b.id] });
    expect(await getConversation(t, b, group.id)).toMatchObject({ mentionCount: 1 });
    await t.http().delete(`/api/v1/messages/${doomed.id}`).set(a.auth).expect(204);
    expect(await getConversation(t, b, group.id)).toMatchObject({ mentionCount: 0 });
    expect((await history(t, b, group.id)).items.find((m) => m.id === doomed.id)).toMatchObject({ text: null, mentions: [] });
  });

  it('a mention of a non-member (or a removed member), more than 50, or a malformed id is a 400 that stores nothing', async () => {
    const [a, b, outsider] = await createUsers(t, 3);
    const group = await createGroup(t, a, [b]);
    await send(t, a, group.id, 'm1');
    const tooMany = Array.from({ length: 51 }, () => new Types.ObjectId().toHexString());
    for (const mentions of [[outsider.id], ['ffffffffffffffffffffffff'], tooMany, ['nope'], 'not-a-list', [b.id, outsider.id]]) {
      const response = await t.http().post('/api/v1/messages').set(a.auth).send({ conversationId: group.id, text: 'x', mentions });
      if (response.status !== 400) throw new Error(`${JSON.stringify(mentions).slice(0, 60)} → ${response.status}`);
      expectError(response, 400);
    }
    await t.http().delete(`/api/v1/conversations/${group.id}/members/${b.id}`).set(a.auth).expect(204);
    expectError(
      await t
        .http()
        .post('/api/v1/messages')
        .set(a.auth)
        .send({ conversationId: group.id, text: 'x', mentions: [b.id] }),
      400,
    );
    const socket = await connectSocket(t.baseUrl, a.accessToken);
    await expect(request(socket, 'message:send', { conversationId: group.id, text: 'x', mentions: [outsider.id] })).resolves.toMatchObject({ ok: false, error: { status: 400 } });
    expect((await history(t, a, group.id)).items.map((m) => m.text)).toEqual(['m1']);
    expect((await send(t, a, group.id, 'm2')).seq).toBe(2);
  });

  it('50 mentions of members are fine; direct conversations take mentions too', async () => {
    const [a, b] = await createUsers(t, 2);
    const direct = await openDirect(t, a, b);
    const message = await sendRich(t, a, { conversationId: direct.id, text: 'hey', mentions: Array.from({ length: 50 }, () => b.id) });
    expect(message.mentions).toEqual([b.id]);
    expect(await getConversation(t, b, direct.id)).toMatchObject({ mentionCount: 1 });
  });

  it("conversation:updated carries each member's own mentionCount", async () => {
    const [a, b, c] = await createUsers(t, 3);
    const group = await createGroup(t, a, [b, c]);
    await sendRich(t, a, { conversationId: group.id, text: '@b', mentions: [b.id] });
    const [bSocket, cSocket] = await Promise.all([connectSocket(t.baseUrl, b.accessToken), connectSocket(t.baseUrl, c.accessToken)]);
    const forB = waitFor(bSocket, 'conversation:updated');
    const forC = waitFor(cSocket, 'conversation:updated');
    await t.http().patch(`/api/v1/conversations/${group.id}`).set(a.auth).send({ title: 'Renamed' }).expect(200);
    await expect(forB).resolves.toMatchObject({ id: group.id, title: 'Renamed', unreadCount: 1, mentionCount: 1 });
    await expect(forC).resolves.toMatchObject({ id: group.id, unreadCount: 1, mentionCount: 0 });
  });
});
