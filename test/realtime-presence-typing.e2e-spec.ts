import type { Conversation } from '../src/contract';
import { createUser, TestUser } from './factories/user.factory';
import { createTestApp, TestApp } from './helpers/app';
import { barrier, ChatSocket, closeAllSockets, collect, connectSocket, sleep, waitFor } from './helpers/socket';
import { closeOnServer, disconnection, groupConversation, request, requestOk } from './realtime-helpers';

const THROTTLE_MS = 600;

describe('realtime: typing and presence', () => {
  let t: TestApp;

  beforeAll(async () => {
    t = await createTestApp({ TYPING_THROTTLE_MS: String(THROTTLE_MS) });
  });
  afterEach(() => closeAllSockets());
  afterAll(async () => {
    await t.close();
  });

  /**
   * Barrier for `sockets`: a message from `from` to `to`'s direct conversation, sent once the action
   * under test was answered (a typing relay is emitted before its answer), reaches them after anything
   * that action emitted to them. Typing and presence collectors do not see it.
   */
  const directBarrier = (sockets: ChatSocket | ChatSocket[], from: ChatSocket, to: TestUser) =>
    barrier(sockets, () => requestOk(from, 'message:send', { recipientId: to.id, text: 'barrier' }));

  describe('typing', () => {
    let alice: TestUser;
    let bob: TestUser;
    let carol: TestUser;
    let dave: TestUser;
    let group: Conversation;

    beforeAll(async () => {
      [alice, bob, carol, dave] = await Promise.all([createUser(t), createUser(t), createUser(t), createUser(t)]);
      group = await groupConversation(t, alice, [bob, carol]);
    });

    it("reaches the other members only: not the typer's other tab, not non-members", async () => {
      const [aliceTyping, aliceOtherTab, bobSocket, carolSocket, daveSocket] = await Promise.all(
        [alice, alice, bob, carol, dave].map((user) => connectSocket(t.baseUrl, user.accessToken)),
      );
      const aliceSees = collect(aliceOtherTab, 'typing');
      const typerSees = collect(aliceTyping, 'typing');
      const daveSees = collect(daveSocket, 'typing');
      const arrivals = [bobSocket, carolSocket].map((socket) => waitFor(socket, 'typing'));
      await expect(request(aliceTyping, 'typing', { conversationId: group.id, typing: true })).resolves.toEqual({ ok: true, data: {} });
      for (const event of await Promise.all(arrivals)) expect(event).toEqual({ conversationId: group.id, userId: alice.id, typing: true });
      // One message from alice to dave reaches both of alice's tabs and dave.
      await directBarrier([aliceOtherTab, aliceTyping, daveSocket], aliceTyping, dave);
      expect(aliceSees).toEqual([]);
      expect(typerSees).toEqual([]);
      expect(daveSees).toEqual([]);
    });

    it('is refused to a non-member (404), and nobody hears it', async () => {
      const [bobSocket, daveSocket] = await Promise.all([connectSocket(t.baseUrl, bob.accessToken), connectSocket(t.baseUrl, dave.accessToken)]);
      const bobSees = collect(bobSocket, 'typing');
      await expect(request(daveSocket, 'typing', { conversationId: group.id, typing: true })).resolves.toEqual({
        ok: false,
        error: { status: 404, message: expect.any(String) },
      });
      await expect(request(daveSocket, 'typing', { conversationId: '0123456789abcdef01234567', typing: true })).resolves.toMatchObject({
        ok: false,
        error: { status: 404 },
      });
      await directBarrier(bobSocket, daveSocket, bob);
      expect(bobSees).toEqual([]);
    });

    it('throttles typing:true per socket and conversation, while the typing:false after a relayed start always passes', async () => {
      const [aliceSocket, bobSocket] = await Promise.all([connectSocket(t.baseUrl, alice.accessToken), connectSocket(t.baseUrl, bob.accessToken)]);
      const bobSees = collect(bobSocket, 'typing');
      for (let i = 0; i < 5; i += 1) await requestOk(aliceSocket, 'typing', { conversationId: group.id, typing: true });
      await requestOk(aliceSocket, 'typing', { conversationId: group.id, typing: false });
      await directBarrier(bobSocket, aliceSocket, bob);
      expect(bobSees).toEqual([
        { conversationId: group.id, userId: alice.id, typing: true },
        { conversationId: group.id, userId: alice.id, typing: false },
      ]);
      // After typing:false, typing:true passes again at once; then once the throttle window passed.
      await requestOk(aliceSocket, 'typing', { conversationId: group.id, typing: true });
      await requestOk(aliceSocket, 'typing', { conversationId: group.id, typing: true });
      // Time-based rule under test: the throttle window (TYPING_THROTTLE_MS) must elapse. Not an arrival wait.
      await sleep(THROTTLE_MS + 50);
      await requestOk(aliceSocket, 'typing', { conversationId: group.id, typing: true });
      await directBarrier(bobSocket, aliceSocket, bob);
      expect(bobSees.map((event) => event.typing)).toEqual([true, false, true, true]);
    });

    it('relays a typing:false only after a relayed start: a flood of stops reaches nobody (issue 11, finding 7)', async () => {
      const [aliceSocket, bobSocket] = await Promise.all([connectSocket(t.baseUrl, alice.accessToken), connectSocket(t.baseUrl, bob.accessToken)]);
      const bobSees = collect(bobSocket, 'typing');
      for (let i = 0; i < 20; i += 1) await requestOk(aliceSocket, 'typing', { conversationId: group.id, typing: false });
      await requestOk(aliceSocket, 'typing', { conversationId: group.id, typing: true });
      const stop = waitFor(bobSocket, 'typing', { predicate: (event) => !event.typing });
      await requestOk(aliceSocket, 'typing', { conversationId: group.id, typing: false });
      await stop;
      await requestOk(aliceSocket, 'typing', { conversationId: group.id, typing: false });
      await directBarrier(bobSocket, aliceSocket, bob);
      expect(bobSees.map((event) => event.typing)).toEqual([true, false]);
    });

    it('throttles each socket on its own', async () => {
      const [aliceTab1, aliceTab2, bobSocket] = await Promise.all([
        connectSocket(t.baseUrl, alice.accessToken),
        connectSocket(t.baseUrl, alice.accessToken),
        connectSocket(t.baseUrl, bob.accessToken),
      ]);
      const bobSees = collect(bobSocket, 'typing');
      await requestOk(aliceTab1, 'typing', { conversationId: group.id, typing: true });
      await requestOk(aliceTab2, 'typing', { conversationId: group.id, typing: true });
      // Both relays were emitted before their answers: the barrier proves they (and nothing more) arrived.
      await directBarrier(bobSocket, aliceTab1, bob);
      expect(bobSees).toHaveLength(2);
    });
  });

  describe('presence', () => {
    it('goes online with the first connection and offline only after the last one closed, with lastSeenAt stored', async () => {
      const [alice, bob] = await Promise.all([createUser(t), createUser(t)]);
      const bobSocket = await connectSocket(t.baseUrl, bob.accessToken);
      await expect(requestOk(bobSocket, 'presence:subscribe', { userIds: [alice.id] })).resolves.toEqual([{ userId: alice.id, online: false, lastSeenAt: null }]);
      const seen = collect(bobSocket, 'presence');

      const online = waitFor(bobSocket, 'presence');
      const tab1 = await connectSocket(t.baseUrl, alice.accessToken);
      await expect(online).resolves.toEqual({ userId: alice.id, online: true, lastSeenAt: null });
      const tab2 = await connectSocket(t.baseUrl, alice.accessToken);
      await expect(request(tab2, 'presence:subscribe', { userIds: [] })).resolves.toEqual({ ok: true, data: [] });
      // Once the server has handled tab1's close (and any presence it publishes), a later message reaches bob after it.
      await closeOnServer(t, tab1);
      await directBarrier(bobSocket, tab2, bob);
      expect(seen).toEqual([{ userId: alice.id, online: true, lastSeenAt: null }]);
      const rest = await t.http().get(`/api/v1/users/${alice.id}`).set(bob.auth).expect(200);
      expect(rest.body.online).toBe(true);

      const offline = waitFor(bobSocket, 'presence', { predicate: (state) => !state.online });
      tab2.close();
      const state = await offline;
      expect(state).toEqual({ userId: alice.id, online: false, lastSeenAt: expect.any(String) });
      expect(Math.abs(Date.parse(state.lastSeenAt as string) - Date.now())).toBeLessThan(5000);
      const after = await t.http().get(`/api/v1/users/${alice.id}`).set(bob.auth).expect(200);
      expect(after.body).toMatchObject({ online: false, lastSeenAt: state.lastSeenAt });
      await expect(requestOk(bobSocket, 'presence:subscribe', { userIds: [alice.id] })).resolves.toEqual([{ userId: alice.id, online: false, lastSeenAt: state.lastSeenAt }]);
    });

    it('reaches every subscriber, and only subscribers', async () => {
      const [alice, bob, carol] = await Promise.all([createUser(t), createUser(t), createUser(t)]);
      const [bob1, bob2, carolSocket] = await Promise.all([bob, bob, carol].map((user) => connectSocket(t.baseUrl, user.accessToken)));
      await requestOk(bob1, 'presence:subscribe', { userIds: [alice.id] });
      await requestOk(bob2, 'presence:subscribe', { userIds: [alice.id, carol.id] });
      const carolSees = collect(carolSocket, 'presence');
      const arrivals = [bob1, bob2].map((socket) => waitFor(socket, 'presence', { predicate: (state) => state.userId === alice.id }));
      const aliceSocket = await connectSocket(t.baseUrl, alice.accessToken);
      for (const state of await Promise.all(arrivals)) expect(state).toEqual({ userId: alice.id, online: true, lastSeenAt: null });
      // The online event was emitted (bob got it): a message to carol sent now reaches her after anything it sent her.
      await directBarrier(carolSocket, aliceSocket, carol);
      expect(carolSees).toEqual([]);
    });

    it('answers the current state of each user, unknown users as offline', async () => {
      const [alice, bob] = await Promise.all([createUser(t), createUser(t)]);
      await connectSocket(t.baseUrl, alice.accessToken);
      const bobSocket = await connectSocket(t.baseUrl, bob.accessToken);
      const unknown = '0123456789abcdef01234567';
      await expect(requestOk(bobSocket, 'presence:subscribe', { userIds: [alice.id, unknown, alice.id] })).resolves.toEqual([
        { userId: alice.id, online: true, lastSeenAt: null },
        { userId: unknown, online: false, lastSeenAt: null },
      ]);
    });

    it('marks a user offline when its only socket disconnects', async () => {
      const [alice, bob] = await Promise.all([createUser(t), createUser(t)]);
      const bobSocket = await connectSocket(t.baseUrl, bob.accessToken);
      await requestOk(bobSocket, 'presence:subscribe', { userIds: [alice.id] });
      const aliceSocket = await connectSocket(t.baseUrl, alice.accessToken);
      const offline = waitFor(bobSocket, 'presence', { predicate: (state) => !state.online });
      const gone = disconnection(aliceSocket);
      aliceSocket.disconnect();
      await gone;
      await expect(offline).resolves.toMatchObject({ userId: alice.id, online: false });
    });
  });
});
