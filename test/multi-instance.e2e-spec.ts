import { createUser, TestUser } from './factories/user.factory';
import { createTestApp, TestApp } from './helpers/app';
import { createGroup, getConversation, membership, MessageBody, openDirect } from './helpers/messaging';

const CAP = 4;

/**
 * Two app instances over one database, racing on the same documents. Nothing here is serialized
 * inside a process: each instance has its own connection pool, so every guarantee below is the
 * database's atomicity, as it is with N instances behind a load balancer.
 */
describe('Two instances on one database (e2e)', () => {
  let one: TestApp;
  let two: TestApp;
  let a: TestUser;
  let b: TestUser;
  let c: TestUser;

  beforeAll(async () => {
    one = await createTestApp({ GROUP_MAX_MEMBERS: String(CAP) });
    two = await createTestApp({ GROUP_MAX_MEMBERS: String(CAP) }, { database: one.database });
    [a, b, c] = await Promise.all([createUser(one), createUser(two), createUser(one)]);
  });
  afterAll(async () => {
    await two?.app.close();
    await one?.close();
  });

  /** Instance by turn: even calls go to the first, odd ones to the second. */
  const by = (i: number) => (i % 2 === 0 ? one : two);

  async function sendVia(t: TestApp, sender: TestUser, conversationId: string, text: string, clientId?: string) {
    return t
      .http()
      .post('/api/v1/messages')
      .set(sender.auth)
      .send({ conversationId, text, ...(clientId ? { clientId } : {}) });
  }

  it('concurrent sends through both instances get distinct, gap-free seq numbers, and the summary names the newest', async () => {
    const group = await createGroup(one, a, [b, c]);
    const senders = [a, b, c];
    const answers = await Promise.all(Array.from({ length: 40 }, (_, i) => sendVia(by(i), senders[i % 3], group.id, `m${i}`)));
    expect(answers.map((response) => response.status)).toEqual(Array(40).fill(201));
    const seqs = answers.map((response) => (response.body as MessageBody).seq).sort((x, y) => x - y);
    expect(seqs).toEqual(Array.from({ length: 40 }, (_, i) => i + 1));

    for (const t of [one, two]) {
      const view = await getConversation(t, c, group.id);
      expect(view.lastMessage).toMatchObject({ seq: 40 });
    }
    const history = await one.http().get(`/api/v1/conversations/${group.id}/messages?limit=100`).set(b.auth).expect(200);
    expect(history.body.items.map((message: MessageBody) => message.seq)).toEqual(seqs);
  });

  it("rounds of concurrent sends into several conversations through both instances: each conversation's numbers are distinct and gap-free", async () => {
    // Each instance numbers its batches from what it last saw of a conversation; the other instance's
    // batches in between make that stale, round after round.
    const [d, e] = await Promise.all([createUser(one), createUser(two)]);
    const conversations = await Promise.all([openDirect(one, a, d), openDirect(two, a, e), createGroup(one, a, [d, e])]);
    const sent = new Map<string, number[]>(conversations.map((conversation) => [conversation.id, []]));
    for (let round = 0; round < 4; round += 1) {
      const answers = await Promise.all(
        Array.from({ length: 18 }, (_, i) => {
          const conversation = conversations[i % 3];
          return sendVia(by(i + round), i % 2 === 0 ? a : conversation.id === conversations[1].id ? e : d, conversation.id, `r${round} m${i}`).then((response) => ({
            conversation,
            response,
          }));
        }),
      );
      for (const { conversation, response } of answers) {
        expect(response.status).toBe(201);
        sent.get(conversation.id)!.push((response.body as MessageBody).seq);
      }
    }
    for (const seqs of sent.values()) expect([...seqs].sort((x, y) => x - y)).toEqual(Array.from({ length: 24 }, (_, i) => i + 1));
  });

  it('retries of one clientId through both instances store one message', async () => {
    const direct = await openDirect(one, a, b);
    const answers = await Promise.all(Array.from({ length: 8 }, (_, i) => sendVia(by(i), a, direct.id, 'once', 'retry-across-instances')));
    const ids = new Set(answers.map((response) => response.body.id));
    expect(ids.size).toBe(1);
    expect(answers.filter((response) => response.status === 201)).toHaveLength(1);
    expect(answers.filter((response) => response.status === 200)).toHaveLength(7);
    const history = await two.http().get(`/api/v1/conversations/${direct.id}/messages`).set(b.auth).expect(200);
    expect(history.body.items.filter((message: MessageBody) => message.text === 'once')).toHaveLength(1);
  });

  it('read marks moved concurrently through both instances keep the highest', async () => {
    const direct = await openDirect(one, a, c);
    const sent: MessageBody[] = [];
    for (let i = 0; i < 10; i += 1) sent.push((await sendVia(one, a, direct.id, `r${i}`)).body);
    const answers = await Promise.all(
      [...sent].reverse().map((message, i) => by(i).http().post(`/api/v1/conversations/${direct.id}/read`).set(c.auth).send({ messageId: message.id })),
    );
    expect(answers.map((response) => response.status)).toEqual(Array(10).fill(200));
    expect(await membership(one, direct.id, c.id)).toMatchObject({ readUpToSeq: sent[9].seq, deliveredUpToSeq: sent[9].seq });
    const view = await getConversation(two, c, direct.id);
    expect(view.unreadCount).toBe(0);
    const page = await two.http().get(`/api/v1/conversations/${direct.id}/messages`).set(a.auth).expect(200);
    expect(page.body.items.map((message: MessageBody) => message.status)).toEqual(Array(10).fill('read'));
  });

  it('concurrent adds through both instances never push a group over the cap', async () => {
    const others = await Promise.all(Array.from({ length: 6 }, (_, i) => createUser(by(i))));
    const group = await createGroup(one, a, [b]);
    const answers = await Promise.all(
      others.map((other, i) =>
        by(i)
          .http()
          .post(`/api/v1/conversations/${group.id}/members`)
          .set(a.auth)
          .send({ userIds: [other.id] }),
      ),
    );
    expect(answers.filter((response) => response.status === 200)).toHaveLength(CAP - 2);
    expect(answers.filter((response) => response.status === 400)).toHaveLength(6 - (CAP - 2));
    expect((await getConversation(two, a, group.id)).members).toHaveLength(CAP);
  });

  it('a direct conversation opened at once through both instances is one conversation, every time', async () => {
    // Several pairs: the losing upserts of a race are refused in more than one way (docs/ARCHITECTURE.md).
    for (let round = 0; round < 8; round += 1) {
      const [x, y] = await Promise.all([createUser(one), createUser(two)]);
      const answers = await Promise.all(
        Array.from({ length: 6 }, (_, i) =>
          by(i)
            .http()
            .post('/api/v1/conversations')
            .set((i % 3 === 0 ? x : y).auth)
            .send({ type: 'direct', userId: (i % 3 === 0 ? y : x).id }),
        ),
      );
      expect(answers.map((response) => response.status).sort()).toEqual([200, 200, 200, 200, 200, 201]);
      expect(new Set(answers.map((response) => response.body.id)).size).toBe(1);
      expect((await getConversation(two, x, answers[0].body.id)).members).toHaveLength(2);
    }
  }, 30_000);

  it('one refresh token presented to both instances at once rotates exactly once', async () => {
    const user = await createUser(one);
    const answers = await Promise.all([one, two].map((t) => t.http().post('/api/v1/auth/refresh').send({ refreshToken: user.refreshToken })));
    expect(answers.map((response) => response.status).sort()).toEqual([200, 401]);
    // The old token is spent either way.
    await two.http().post('/api/v1/auth/refresh').send({ refreshToken: user.refreshToken }).expect(401);
    // The loser's attempt was a reuse: no live token is left in that family, the winner's new one included (issue 11, finding 4).
    const winner = answers.find((response) => response.status === 200)!;
    for (const t of [one, two]) await t.http().post('/api/v1/auth/refresh').send({ refreshToken: winner.body.refreshToken }).expect(401);
  });
});
