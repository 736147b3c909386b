import { createUsers } from './factories/user.factory';
import { TestApp, useTestApp } from './helpers/app';
import { createGroup, expectError, expectMessageShape, getConversation, history, openDirect, send } from './helpers/messaging';
import { sendRich } from './helpers/rich-messaging';
import { connectSocket, waitFor } from './helpers/socket';
import { request } from './realtime-helpers';

describe('Replies (e2e)', () => {
  let t: TestApp;
  useTestApp((app) => {
    t = app;
  });

  it('a reply quotes its message: id, sender, text cut to 200 characters; everywhere a Message appears', async () => {
    const [a, b] = await createUsers(t, 2);
    const direct = await openDirect(t, a, b);
    const long = `${'word '.repeat(60)}end`;
    const quoted = await send(t, a, direct.id, long);
    const reply = await sendRich(t, b, { conversationId: direct.id, text: 'agreed', replyToId: quoted.id });
    expectMessageShape(reply);
    expect(reply.replyTo).toEqual({ id: quoted.id, senderId: a.id, text: long.slice(0, 200), deletedAt: null });
    expect((await history(t, a, direct.id)).items.find((m) => m.id === reply.id)?.replyTo).toEqual(reply.replyTo);
    expect((await getConversation(t, a, direct.id)).lastMessage?.replyTo).toEqual(reply.replyTo);
    // The first release's routes carry the same Message.
    const compat = await t.http().get('/messages').query({ receiverId: b.id }).set(a.auth).expect(200);
    expect(compat.body.find((m: { id: string }) => m.id === reply.id).replyTo).toEqual(reply.replyTo);
    expect(quoted.replyTo).toBeNull();
  });

  it('by recipientId and over the socket too; the ack and message:new carry the quote', async () => {
    const [a, b] = await createUsers(t, 2);
    const first = await sendRich(t, a, { recipientId: b.id, text: 'first' });
    const viaRecipient = await sendRich(t, b, { recipientId: a.id, text: 're', replyToId: first.id });
    expect(viaRecipient.replyTo?.id).toBe(first.id);
    const [aSocket, bSocket] = await Promise.all([connectSocket(t.baseUrl, a.accessToken), connectSocket(t.baseUrl, b.accessToken)]);
    const arrival = waitFor(bSocket, 'message:new');
    const answer = await request(aSocket, 'message:send', { conversationId: first.conversationId, text: 'socket reply', replyToId: viaRecipient.id, clientId: 'r-1' });
    expect(answer).toMatchObject({ ok: true, data: { replyTo: { id: viaRecipient.id, senderId: b.id, text: 're', deletedAt: null } } });
    if (answer.ok) await expect(arrival).resolves.toEqual(answer.data);
  });

  it('replyToId naming no message, or one of another conversation, is a 400 and stores nothing (REST and socket)', async () => {
    const [a, b, c] = await createUsers(t, 3);
    const direct = await openDirect(t, a, b);
    const elsewhere = await send(t, a, (await openDirect(t, a, c)).id, 'other conversation');
    await send(t, a, direct.id, 'm1');
    for (const replyToId of ['ffffffffffffffffffffffff', elsewhere.id]) {
      expectError(await t.http().post('/api/v1/messages').set(a.auth).send({ conversationId: direct.id, text: 'x', replyToId }), 400);
    }
    expectError(await t.http().post('/api/v1/messages').set(a.auth).send({ conversationId: direct.id, text: 'x', replyToId: 'nope' }), 400);
    const socket = await connectSocket(t.baseUrl, a.accessToken);
    await expect(request(socket, 'message:send', { conversationId: direct.id, text: 'x', replyToId: elsewhere.id })).resolves.toMatchObject({ ok: false, error: { status: 400 } });
    // Nothing stored, no number used: the next message is seq 2.
    const items = (await history(t, a, direct.id)).items;
    expect(items.map((m) => m.text)).toEqual(['m1']);
    expect((await send(t, a, direct.id, 'm2')).seq).toBe(2);
  });

  it('a non-member gets 404 whatever replyToId names, so it cannot tell where a message lives; a member gets 400 for a quote of another conversation (issue 22, defect 6)', async () => {
    const [a, b, outsider] = await createUsers(t, 3);
    const group = await createGroup(t, a, [b]);
    const inGroup = await send(t, a, group.id, 'in the group');
    const outsidersOwn = await send(t, outsider, (await openDirect(t, outsider, a)).id, 'elsewhere');
    const socket = await connectSocket(t.baseUrl, outsider.accessToken);
    for (const replyToId of [inGroup.id, outsidersOwn.id, 'ffffffffffffffffffffffff']) {
      const response = await t.http().post('/api/v1/messages').set(outsider.auth).send({ conversationId: group.id, text: 'x', replyToId });
      expectError(response, 404);
      expect(response.body.message).toBe('Conversation not found');
      await expect(request(socket, 'message:send', { conversationId: group.id, text: 'x', replyToId })).resolves.toEqual({
        ok: false,
        error: { status: 404, message: 'Conversation not found' },
      });
    }
    // A member still hears that the quote is not of this conversation.
    expectError(await t.http().post('/api/v1/messages').set(b.auth).send({ conversationId: group.id, text: 'x', replyToId: outsidersOwn.id }), 400);
    expect((await history(t, a, group.id)).items.map((m) => m.text)).toEqual(['in the group']);
  });

  it('an edit, then a delete, of the quoted message shows in the reply the next time it is read or synced', async () => {
    const [a, b] = await createUsers(t, 2);
    const group = await createGroup(t, a, [b]);
    const quoted = await send(t, a, group.id, 'meet at 5');
    const reply = await sendRich(t, b, { conversationId: group.id, text: 'ok', replyToId: quoted.id });
    const otherReply = await sendRich(t, a, { conversationId: group.id, text: 'see you', replyToId: quoted.id });
    const { cursor } = (await t.http().get('/api/v1/sync').set(b.auth).expect(200)).body;

    await t.http().patch(`/api/v1/messages/${quoted.id}`).set(a.auth).send({ text: 'meet at 6' }).expect(200);
    const afterEdit = await history(t, b, group.id);
    for (const id of [reply.id, otherReply.id]) expect(afterEdit.items.find((m) => m.id === id)?.replyTo).toMatchObject({ text: 'meet at 6', deletedAt: null });
    expect((await getConversation(t, b, group.id)).lastMessage?.replyTo?.text).toBe('meet at 6');
    const synced = (await t.http().get('/api/v1/sync').query({ since: cursor }).set(b.auth).expect(200)).body;
    expect(synced.messages.find((m: { id: string }) => m.id === reply.id)?.replyTo?.text).toBe('meet at 6');

    await t.http().delete(`/api/v1/messages/${quoted.id}`).set(a.auth).expect(204);
    const afterDelete = await history(t, b, group.id);
    expect(afterDelete.items.find((m) => m.id === reply.id)?.replyTo).toEqual({ id: quoted.id, senderId: a.id, text: null, deletedAt: expect.any(String) });
    expect((await getConversation(t, b, group.id)).lastMessage?.replyTo).toMatchObject({ text: null, deletedAt: expect.any(String) });
    const resynced = (await t.http().get('/api/v1/sync').query({ since: synced.cursor }).set(b.auth).expect(200)).body;
    expect(resynced.messages.find((m: { id: string }) => m.id === otherReply.id)?.replyTo).toMatchObject({ text: null });
    // The reply itself was not edited.
    expect(afterDelete.items.find((m) => m.id === reply.id)).toMatchObject({ text: 'ok', editedAt: null });
  });
});
