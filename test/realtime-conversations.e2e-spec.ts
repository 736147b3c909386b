import { createUser, TestUser } from './factories/user.factory';
import { createTestApp, TestApp } from './helpers/app';
import { barrier, ChatSocket, closeAllSockets, collect, connectSocket, waitFor } from './helpers/socket';
import { directConversation, groupConversation, requestOk } from './realtime-helpers';

describe('realtime: conversation:updated', () => {
  let t: TestApp;
  let alice: TestUser;
  let bob: TestUser;
  let carol: TestUser;
  let dave: TestUser;
  /** Barrier conversations, made before any socket connects (so their creation is announced to none). */
  let aliceDave: string;
  let aliceCarol: string;

  beforeAll(async () => {
    t = await createTestApp();
    [alice, bob, carol, dave] = await Promise.all([createUser(t), createUser(t), createUser(t), createUser(t)]);
    [aliceDave, aliceCarol] = (await Promise.all([directConversation(t, alice, dave), directConversation(t, alice, carol)])).map((direct) => direct.id);
  });
  afterEach(() => closeAllSockets());
  afterAll(async () => {
    await t.close();
  });

  const connectAll = (users: TestUser[]) => Promise.all(users.map((user) => connectSocket(t.baseUrl, user.accessToken)));

  /**
   * Barrier for `socket`: a message in a direct conversation it is in, sent by alice after the action
   * under test was answered (conversation:updated is emitted before the answer), so it reaches the
   * socket after anything that action emitted to it.
   */
  const barrierVia = (socket: ChatSocket, conversationId: string, from: ChatSocket) => barrier(socket, () => requestOk(from, 'message:send', { conversationId, text: 'barrier' }));

  it("a new group reaches every member (the creator's sockets too) and nobody else", async () => {
    const [aliceSocket, bobSocket, carolSocket, daveSocket] = await connectAll([alice, bob, carol, dave]);
    const daveSees = collect(daveSocket, 'conversation:updated');
    const arrivals = [aliceSocket, bobSocket, carolSocket].map((socket) => waitFor(socket, 'conversation:updated'));
    const group = await groupConversation(t, alice, [bob, carol], 'Team');
    for (const conversation of await Promise.all(arrivals)) {
      expect(conversation).toEqual({ ...group, updatedAt: expect.any(String), createdAt: expect.any(String) });
      expect(conversation.unreadCount).toBe(0);
      expect(conversation.members).toEqual(
        expect.arrayContaining([
          { userId: alice.id, role: 'admin' },
          { userId: bob.id, role: 'member' },
          { userId: carol.id, role: 'member' },
        ]),
      );
    }
    await barrierVia(daveSocket, aliceDave, aliceSocket);
    expect(daveSees).toEqual([]);
  });

  it('a new direct conversation reaches both users', async () => {
    const erin = await createUser(t);
    const [aliceSocket, erinSocket] = await connectAll([alice, erin]);
    const arrivals = [aliceSocket, erinSocket].map((socket) => waitFor(socket, 'conversation:updated'));
    const direct = await directConversation(t, alice, erin);
    for (const conversation of await Promise.all(arrivals)) expect(conversation).toMatchObject({ id: direct.id, type: 'direct', title: null });
  });

  it('a rename reaches every member, each with its own unreadCount', async () => {
    const group = await groupConversation(t, alice, [bob, carol], 'Before');
    const [aliceSocket, bobSocket, carolSocket, daveSocket] = await connectAll([alice, bob, carol, dave]);
    await requestOk(bobSocket, 'message:send', { conversationId: group.id, text: 'one' });
    await requestOk(bobSocket, 'message:send', { conversationId: group.id, text: 'two' });
    const daveSees = collect(daveSocket, 'conversation:updated');
    const [forAlice, forBob, forCarol] = [aliceSocket, bobSocket, carolSocket].map((socket) => waitFor(socket, 'conversation:updated'));
    await t.http().patch(`/api/v1/conversations/${group.id}`).set(alice.auth).send({ title: 'After' }).expect(200);
    await expect(forAlice).resolves.toMatchObject({ id: group.id, title: 'After', unreadCount: 2 });
    await expect(forBob).resolves.toMatchObject({ id: group.id, title: 'After', unreadCount: 0 });
    await expect(forCarol).resolves.toMatchObject({ id: group.id, title: 'After', unreadCount: 2 });
    await barrierVia(daveSocket, aliceDave, aliceSocket);
    expect(daveSees).toEqual([]);
  });

  it('adding a member reaches the new member and the old ones', async () => {
    const group = await groupConversation(t, alice, [bob], 'Growing');
    const [aliceSocket, bobSocket, carolSocket] = await connectAll([alice, bob, carol]);
    const arrivals = [aliceSocket, bobSocket, carolSocket].map((socket) => waitFor(socket, 'conversation:updated'));
    await t
      .http()
      .post(`/api/v1/conversations/${group.id}/members`)
      .set(alice.auth)
      .send({ userIds: [carol.id] })
      .expect(200);
    for (const conversation of await Promise.all(arrivals)) {
      expect(conversation.id).toBe(group.id);
      expect(conversation.members.map((member) => member.userId).sort()).toEqual([alice.id, bob.id, carol.id].sort());
    }
    // The new member now gets the group's messages.
    const message = waitFor(carolSocket, 'message:new');
    await requestOk(bobSocket, 'message:send', { conversationId: group.id, text: 'welcome carol' });
    await expect(message).resolves.toMatchObject({ conversationId: group.id, text: 'welcome carol' });
  });

  it('removing a member reaches the remaining members and the removed one, who then hears nothing more', async () => {
    const group = await groupConversation(t, alice, [bob, carol], 'Shrinking');
    const [aliceSocket, bobSocket, carolSocket] = await connectAll([alice, bob, carol]);
    const arrivals = [aliceSocket, bobSocket, carolSocket].map((socket) => waitFor(socket, 'conversation:updated'));
    await t.http().delete(`/api/v1/conversations/${group.id}/members/${carol.id}`).set(alice.auth).expect(204);
    for (const conversation of await Promise.all(arrivals)) {
      expect(conversation.id).toBe(group.id);
      expect(conversation.members.map((member) => member.userId).sort()).toEqual([alice.id, bob.id].sort());
    }
    const [carolMessages, carolTyping] = [collect(carolSocket, 'message:new'), collect(carolSocket, 'typing')];
    const bobGets = waitFor(bobSocket, 'message:new');
    await requestOk(aliceSocket, 'typing', { conversationId: group.id, typing: true });
    await requestOk(aliceSocket, 'message:send', { conversationId: group.id, text: 'after carol left' });
    await bobGets;
    // Only the barrier's own message (alice's, in their direct conversation) reached carol.
    const marker = await barrierVia(carolSocket, aliceCarol, aliceSocket);
    expect(carolMessages).toEqual([marker]);
    expect(carolTyping).toEqual([]);
  });

  it('a member who leaves gets the update too', async () => {
    const group = await groupConversation(t, alice, [bob, carol], 'Leaving');
    const [aliceSocket, bobSocket] = await connectAll([alice, bob]);
    const arrivals = [aliceSocket, bobSocket].map((socket) => waitFor(socket, 'conversation:updated'));
    await t.http().delete(`/api/v1/conversations/${group.id}/members/${bob.id}`).set(bob.auth).expect(204);
    for (const conversation of await Promise.all(arrivals)) {
      expect(conversation.members.map((member) => member.userId).sort()).toEqual([alice.id, carol.id].sort());
    }
  });
});
