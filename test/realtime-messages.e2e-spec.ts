import type { Conversation } from '../src/contract';
import { ReceiptsService } from '../src/receipts/receipts.service';
import { createUser, TestUser } from './factories/user.factory';
import { createTestApp, TestApp } from './helpers/app';
import { barrier, ChatSocket, closeAllSockets, collect, connectSocket, waitFor } from './helpers/socket';
import { directConversation, messagesOf, request, requestOk } from './realtime-helpers';

describe('realtime: messages and receipts', () => {
  let t: TestApp;
  let alice: TestUser;
  let bob: TestUser;
  let carol: TestUser;
  let conversation: Conversation;
  /** alice's sending tab, alice's other tab, bob's two devices, carol (not a member). */
  let alice1: ChatSocket;
  let alice2: ChatSocket;
  let bob1: ChatSocket;
  let bob2: ChatSocket;
  let carolSocket: ChatSocket;

  beforeAll(async () => {
    t = await createTestApp();
    [alice, bob, carol] = await Promise.all([createUser(t), createUser(t), createUser(t)]);
    conversation = await directConversation(t, alice, bob);
  });
  beforeEach(async () => {
    [alice1, alice2, bob1, bob2, carolSocket] = await Promise.all([
      connectSocket(t.baseUrl, alice.accessToken),
      connectSocket(t.baseUrl, alice.accessToken),
      connectSocket(t.baseUrl, bob.accessToken),
      connectSocket(t.baseUrl, bob.accessToken),
      connectSocket(t.baseUrl, carol.accessToken),
    ]);
  });
  afterEach(() => {
    closeAllSockets();
    jest.restoreAllMocks();
  });
  afterAll(async () => {
    await t.close();
  });

  /**
   * Barrier for carol (no member of the conversation): a message to her, sent after the action under
   * test was answered, reaches her after anything that action emitted to her.
   */
  const carolBarrier = () => barrier(carolSocket, () => requestOk(bob1, 'message:send', { recipientId: carol.id, text: 'barrier for carol' }));
  /** Barrier for sockets of alice and bob: a later message in their conversation. */
  const memberBarrier = (sockets: ChatSocket | ChatSocket[], from = alice1) =>
    barrier(sockets, () => requestOk(from, 'message:send', { conversationId: conversation.id, text: 'barrier' }));

  it('message:send acks the stored message, and every connection of every member gets message:new (the sending one too)', async () => {
    const carolEvents = collect(carolSocket, 'message:new');
    const arrivals = [alice1, alice2, bob1, bob2].map((socket) => waitFor(socket, 'message:new'));
    const answer = await request(alice1, 'message:send', { conversationId: conversation.id, text: '  hello bob  ', clientId: 'c-1' });
    expect(answer).toEqual({
      ok: true,
      data: {
        id: expect.stringMatching(/^[0-9a-f]{24}$/),
        conversationId: conversation.id,
        seq: expect.any(Number),
        senderId: alice.id,
        text: 'hello bob',
        clientId: 'c-1',
        createdAt: expect.any(String),
        editedAt: null,
        deletedAt: null,
        status: 'sent',
        replyTo: null,
        mentions: [],
        reactions: [],
      },
    });
    if (!answer.ok) return;
    for (const received of await Promise.all(arrivals)) expect(received).toEqual(answer.data);
    const stored = await messagesOf(t, bob, conversation.id);
    expect(stored.find((message) => message.id === answer.data.id)).toEqual(answer.data);
    // Only the barrier's own message reached carol.
    const marker = await carolBarrier();
    expect(carolEvents).toEqual([marker]);
  });

  it('a repeated clientId answers the first message, stores nothing new, and announces that same message again', async () => {
    // Events reach other sockets independently of the sender's ack: let the first one land before collecting.
    const firstArrival = waitFor(bob1, 'message:new', { predicate: (message) => message.clientId === 'retry-1' });
    const first = await requestOk(alice1, 'message:send', { conversationId: conversation.id, text: 'once', clientId: 'retry-1' });
    await firstArrival;
    const bobEvents = collect(bob1, 'message:new');
    const again = await requestOk(alice1, 'message:send', { conversationId: conversation.id, text: 'once', clientId: 'retry-1' });
    expect(again).toEqual(first);
    // A retry means its sender never got an answer: the instance that stored it may have died before
    // announcing it, so it is announced again (clients merge by id). Nothing else reached bob.
    const marker = await memberBarrier(bob1);
    expect(bobEvents.map((message) => message.id)).toEqual([first.id, marker.id]);
    expect(bobEvents[0]).toMatchObject({ id: first.id, seq: first.seq, text: 'once' });
    const history = await t.http().get(`/api/v1/conversations/${conversation.id}/messages`).set(alice.auth).expect(200);
    expect(history.body.items.filter((message: { clientId: string | null }) => message.clientId === 'retry-1')).toHaveLength(1);
  });

  it('sending by recipientId reaches the recipient', async () => {
    const dave = await createUser(t);
    const daveSocket = await connectSocket(t.baseUrl, dave.accessToken);
    const arrival = waitFor(daveSocket, 'message:new');
    const message = await requestOk(alice1, 'message:send', { recipientId: dave.id, text: 'hi dave' });
    await expect(arrival).resolves.toEqual(message);
  });

  it('a REST POST /api/v1/messages reaches the sockets of every member, the sender included', async () => {
    const carolEvents = collect(carolSocket, 'message:new');
    const arrivals = [alice1, alice2, bob1, bob2].map((socket) => waitFor(socket, 'message:new'));
    const response = await t.http().post('/api/v1/messages').set(alice.auth).send({ conversationId: conversation.id, text: 'over REST' }).expect(201);
    for (const received of await Promise.all(arrivals)) expect(received).toEqual(response.body);
    const marker = await carolBarrier();
    expect(carolEvents).toEqual([marker]);
  });

  it('message:edit acks the edited message and every member gets message:updated', async () => {
    const message = await requestOk(alice1, 'message:send', { conversationId: conversation.id, text: 'typo' });
    const carolEvents = collect(carolSocket, 'message:updated');
    const arrivals = [alice2, bob1, bob2].map((socket) => waitFor(socket, 'message:updated'));
    const edited = await requestOk(alice1, 'message:edit', { messageId: message.id, text: ' fixed ' });
    expect(edited).toEqual({ ...message, text: 'fixed', editedAt: expect.any(String) });
    for (const received of await Promise.all(arrivals)) expect(received).toEqual(edited);
    await carolBarrier();
    expect(carolEvents).toEqual([]);
  });

  it('a REST PATCH /api/v1/messages/:id emits message:updated too', async () => {
    const message = await requestOk(alice1, 'message:send', { conversationId: conversation.id, text: 'before' });
    const arrival = waitFor(bob1, 'message:updated');
    const response = await t.http().patch(`/api/v1/messages/${message.id}`).set(alice.auth).send({ text: 'after' }).expect(200);
    await expect(arrival).resolves.toEqual(response.body);
  });

  it('only the sender may edit or delete: others get an error ack and nobody hears of it', async () => {
    const message = await requestOk(alice1, 'message:send', { conversationId: conversation.id, text: 'mine' });
    const updates = collect(alice2, 'message:updated');
    const deletions = collect(alice2, 'message:deleted');
    for (const [socket, expected] of [
      [bob1, [403, 404]],
      [carolSocket, [403, 404]],
    ] as const) {
      const edit = await request(socket, 'message:edit', { messageId: message.id, text: 'hijacked' });
      const remove = await request(socket, 'message:delete', { messageId: message.id });
      expect(edit.ok).toBe(false);
      expect(remove.ok).toBe(false);
      if (!edit.ok) expect(expected).toContain(edit.error.status);
      if (!remove.ok) expect(expected).toContain(remove.error.status);
    }
    await memberBarrier(alice2);
    expect(updates).toEqual([]);
    expect(deletions).toEqual([]);
    const stored = await messagesOf(t, alice, conversation.id);
    expect(stored.find((item) => item.id === message.id)?.text).toBe('mine');
  });

  it('message:delete acks { id } and every member gets message:deleted; the message stays as a tombstone', async () => {
    const message = await requestOk(alice1, 'message:send', { conversationId: conversation.id, text: 'oops' });
    const carolEvents = collect(carolSocket, 'message:deleted');
    const arrivals = [alice2, bob1, bob2].map((socket) => waitFor(socket, 'message:deleted'));
    await expect(requestOk(alice1, 'message:delete', { messageId: message.id })).resolves.toEqual({ id: message.id });
    for (const received of await Promise.all(arrivals)) expect(received).toEqual({ id: message.id, conversationId: conversation.id });
    const stored = await messagesOf(t, bob, conversation.id);
    expect(stored.find((item) => item.id === message.id)).toEqual({ ...message, text: null, deletedAt: expect.any(String) });
    await carolBarrier();
    expect(carolEvents).toEqual([]);
  });

  it('a REST DELETE /api/v1/messages/:id emits message:deleted too', async () => {
    const message = await requestOk(alice1, 'message:send', { conversationId: conversation.id, text: 'gone soon' });
    const arrival = waitFor(bob2, 'message:deleted');
    await t.http().delete(`/api/v1/messages/${message.id}`).set(alice.auth).expect(204);
    await expect(arrival).resolves.toEqual({ id: message.id, conversationId: conversation.id });
  });

  it('conversation:delivered and conversation:read move the marks and the sender gets the receipts', async () => {
    const message = await requestOk(alice1, 'message:send', { conversationId: conversation.id, text: 'did you get it?' });
    const carolEvents = collect(carolSocket, 'receipt');

    const delivered = waitFor(alice2, 'receipt', { predicate: (receipt) => receipt.type === 'delivered' && receipt.messageId === message.id });
    await expect(requestOk(bob1, 'conversation:delivered', { conversationId: conversation.id, messageId: message.id })).resolves.toEqual({
      conversationId: conversation.id,
      userId: bob.id,
      deliveredUpTo: message.id,
    });
    await expect(delivered).resolves.toEqual({ conversationId: conversation.id, userId: bob.id, type: 'delivered', messageId: message.id, at: expect.any(String) });

    const read = [alice1, alice2, bob2].map((socket) => waitFor(socket, 'receipt', { predicate: (receipt) => receipt.type === 'read' && receipt.messageId === message.id }));
    await expect(requestOk(bob1, 'conversation:read', { conversationId: conversation.id, messageId: message.id })).resolves.toEqual({
      conversationId: conversation.id,
      userId: bob.id,
      readUpTo: message.id,
      unreadCount: 0,
    });
    for (const receipt of await Promise.all(read)) {
      expect(receipt).toEqual({ conversationId: conversation.id, userId: bob.id, type: 'read', messageId: message.id, at: expect.any(String) });
    }
    const stored = await messagesOf(t, alice, conversation.id);
    expect(stored.find((item) => item.id === message.id)?.status).toBe('read');
    await carolBarrier();
    expect(carolEvents).toEqual([]);
  });

  it('a REST read mark emits the same receipt', async () => {
    const message = await requestOk(alice1, 'message:send', { conversationId: conversation.id, text: 'read me' });
    const arrival = waitFor(alice1, 'receipt', { predicate: (receipt) => receipt.type === 'read' && receipt.messageId === message.id });
    await t.http().post(`/api/v1/conversations/${conversation.id}/read`).set(bob.auth).send({ messageId: message.id }).expect(200);
    await expect(arrival).resolves.toMatchObject({ conversationId: conversation.id, userId: bob.id, type: 'read', messageId: message.id });
  });

  it('a non-member can neither send to, mark, nor learn about a conversation', async () => {
    const ownArrival = waitFor(alice2, 'message:new', { predicate: (message) => message.text === 'private' });
    const message = await requestOk(alice1, 'message:send', { conversationId: conversation.id, text: 'private' });
    await ownArrival;
    const aliceEvents = collect(alice2, 'message:new');
    const aliceReceipts = collect(alice2, 'receipt');
    const send = await request(carolSocket, 'message:send', { conversationId: conversation.id, text: 'let me in' });
    const read = await request(carolSocket, 'conversation:read', { conversationId: conversation.id, messageId: message.id });
    const delivered = await request(carolSocket, 'conversation:delivered', { conversationId: conversation.id, messageId: message.id });
    for (const answer of [send, read, delivered]) {
      expect(answer.ok).toBe(false);
      if (!answer.ok) expect([403, 404]).toContain(answer.error.status);
    }
    // Only the barrier's own message reached alice (sent by bob, after carol's attempts were answered).
    const marker = await memberBarrier(alice2, bob1);
    expect(aliceEvents).toEqual([marker]);
    expect(aliceReceipts).toEqual([]);
  });

  it('an unexpected error is answered as a bare 500, without details, and the socket stays usable', async () => {
    jest.spyOn(t.app.get(ReceiptsService), 'markRead').mockRejectedValueOnce(new Error('E11000 at /srv/internal/path.js'));
    const answer = await request(bob1, 'conversation:read', { conversationId: conversation.id, messageId: '0123456789abcdef01234567' });
    expect(answer).toEqual({ ok: false, error: { status: 500, message: 'Internal server error' } });
    expect(JSON.stringify(answer)).not.toMatch(/E11000|internal\/path/);
    expect(bob1.connected).toBe(true);
    await expect(request(bob1, 'presence:subscribe', { userIds: [] })).resolves.toEqual({ ok: true, data: [] });
  });
});
