import { createUser, TestUser } from './factories/user.factory';
import { createTestApp, TestApp } from './helpers/app';
import { closeAllSockets, connectSocket, waitFor } from './helpers/socket';
import { directConversation, disconnection, refusal } from './realtime-helpers';

/** Issue 11, findings 4 and 5: refresh rotation is one atomic step per session; sockets end with their session. */
describe('Sessions: refresh rotation and the sockets of a session (e2e)', () => {
  let t: TestApp;

  beforeAll(async () => {
    t = await createTestApp();
  });
  afterEach(() => closeAllSockets());
  afterAll(async () => {
    await t.close();
  });

  const refresh = (refreshToken: string) => t.http().post('/api/v1/auth/refresh').send({ refreshToken });
  const login = async (user: TestUser) => (await t.http().post('/api/v1/auth/login').send({ email: user.email, password: user.password }).expect(200)).body;

  describe('refresh races (finding 4)', () => {
    it('of many concurrent refreshes with one token exactly one succeeds, and the detected reuse leaves no live token in that session', async () => {
      const user = await createUser(t);
      const answers = await Promise.all(Array.from({ length: 6 }, () => refresh(user.refreshToken)));
      const statuses = answers.map((answer) => answer.status).sort();
      expect(statuses).toEqual([200, 401, 401, 401, 401, 401]);
      const winner = answers.find((answer) => answer.status === 200)!;
      // The losers presented a token that was no longer current: reuse. The winner's new token dies with its session.
      expect((await refresh(winner.body.refreshToken)).status).toBe(401);
      expect((await refresh(user.refreshToken)).status).toBe(401);
    });

    it('a token that was rotated, presented again after its successor was used, revokes the successor too', async () => {
      const user = await createUser(t);
      const second = (await refresh(user.refreshToken).expect(200)).body.refreshToken;
      const third = (await refresh(second).expect(200)).body.refreshToken;
      expect((await refresh(user.refreshToken)).status).toBe(401);
      expect((await refresh(third)).status).toBe(401);
    });

    it('another session of the same user is untouched by a reuse', async () => {
      const user = await createUser(t);
      const other = await login(user);
      await refresh(user.refreshToken).expect(200);
      await refresh(user.refreshToken).expect(401);
      await refresh(other.refreshToken).expect(200);
    });
  });

  describe('sockets end with their session (finding 5)', () => {
    it('logout closes the sockets of that session, and only those; its access token opens no new socket', async () => {
      const [alice, bob] = await Promise.all([createUser(t), createUser(t)]);
      const conversation = await directConversation(t, bob, alice);
      const otherSession = await login(alice);
      const [ended, kept] = await Promise.all([connectSocket(t.baseUrl, alice.accessToken), connectSocket(t.baseUrl, otherSession.accessToken)]);
      const closed = disconnection(ended);

      await t.http().post('/api/v1/auth/logout').set(alice.auth).send({ refreshToken: alice.refreshToken }).expect(204);
      await expect(closed).resolves.toBe('io server disconnect');

      const arrival = waitFor(kept, 'message:new');
      await t.http().post('/api/v1/messages').set(bob.auth).send({ conversationId: conversation.id, text: 'still here?' }).expect(201);
      await expect(arrival).resolves.toMatchObject({ text: 'still here?' });
      expect(kept.connected).toBe(true);
      expect((await refusal(connectSocket(t.baseUrl, alice.accessToken))).message).toBe('Unauthorized');
    });

    it('a refresh-token reuse closes the sockets of the revoked session', async () => {
      const alice = await createUser(t);
      const socket = await connectSocket(t.baseUrl, alice.accessToken);
      const closed = disconnection(socket);
      const rotated = (await refresh(alice.refreshToken).expect(200)).body;
      // A socket of the fresh access token is in the same session and closes with it as well.
      const fresh = await connectSocket(t.baseUrl, rotated.accessToken);
      const freshClosed = disconnection(fresh);
      await refresh(alice.refreshToken).expect(401);
      await expect(closed).resolves.toBe('io server disconnect');
      await expect(freshClosed).resolves.toBe('io server disconnect');
    });
  });

  describe('REST refuses the access tokens of an ended session at once (issue 22)', () => {
    const me = (app: TestApp, accessToken: string) => app.http().get('/api/v1/users/me').set('Authorization', `Bearer ${accessToken}`);

    it("after logout the session's access token gets 401 on the next request, even though it was just accepted (and cached); another session of the user is untouched", async () => {
      const alice = await createUser(t);
      const other = await login(alice);
      await me(t, alice.accessToken).expect(200);
      await t.http().post('/api/v1/auth/logout').set(alice.auth).send({ refreshToken: alice.refreshToken }).expect(204);
      expect((await me(t, alice.accessToken)).status).toBe(401);
      expect((await t.http().post('/api/v1/auth/logout').set(alice.auth).send({ refreshToken: alice.refreshToken })).status).toBe(401);
      await me(t, other.accessToken).expect(200);
    });

    it('a refresh-token reuse makes every access token of the family 401, the one just issued included', async () => {
      const alice = await createUser(t);
      await me(t, alice.accessToken).expect(200);
      const rotated = (await refresh(alice.refreshToken).expect(200)).body;
      await me(t, rotated.accessToken).expect(200);
      await refresh(alice.refreshToken).expect(401);
      expect((await me(t, alice.accessToken)).status).toBe(401);
      expect((await me(t, rotated.accessToken)).status).toBe(401);
    });

    it('an instance started after the logout refuses the token too (it loads the recently ended sessions from the database)', async () => {
      const alice = await createUser(t);
      await t.http().post('/api/v1/auth/logout').set(alice.auth).send({ refreshToken: alice.refreshToken }).expect(204);
      const later = await createTestApp({}, { database: t.database });
      try {
        const bob = await createUser(later);
        await me(later, bob.accessToken).expect(200);
        expect((await me(later, alice.accessToken)).status).toBe(401);
      } finally {
        await later.app.close();
      }
    });
  });
});
