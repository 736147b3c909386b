import { createUser, createUsers, TestUser } from './factories/user.factory';
import { createTestApp, TestApp } from './helpers/app';
import { closeAllSockets, collect, connectSocket, waitFor, ChatSocket } from './helpers/socket';
import type { MessageBody } from './helpers/messaging';
import { groupConversation, request } from './realtime-helpers';
import type { Ack, Message } from '../src/contract';

/**
 * Sends are written in batches (group commit). These tests send many messages at once, all in
 * flight together, and check what users see: every acknowledged message stored and delivered once,
 * in each sender's order, with numbers that only go up; retries stored once; a refused send fails alone.
 */
describe('Sends in flight together (e2e)', () => {
  let t: TestApp;
  let owner: TestUser;
  let members: TestUser[];
  let sockets: ChatSocket[];
  let listener: ChatSocket;
  let groupId: string;

  beforeAll(async () => {
    t = await createTestApp();
    owner = await createUser(t);
    members = await createUsers(t, 3);
    groupId = (await groupConversation(t, owner, members)).id;
    sockets = await Promise.all([owner, ...members].map((user) => connectSocket(t.baseUrl, user.accessToken)));
    listener = await connectSocket(t.baseUrl, members[2].accessToken);
  });
  afterAll(async () => {
    closeAllSockets();
    await t.close();
  });

  /** Emits without waiting for acks, so every message of every sender is in flight at once. */
  function burst(socket: ChatSocket, tag: string, count: number): Promise<Ack<Message>>[] {
    return Array.from({ length: count }, (_, i) => request(socket, 'message:send', { conversationId: groupId, text: `${tag} ${i}`, clientId: `${tag}-${i}` }, 15_000));
  }

  it("every acknowledged message is stored once and delivered once, each sender's in the order it sent them", async () => {
    const perSender = 40;
    const total = perSender * 4;
    const received = collect(listener, 'message:new');
    const allArrived = waitFor(listener, 'message:new', { timeoutMs: 15_000, predicate: () => received.length >= total });
    const acks = await Promise.all(sockets.map((socket, s) => Promise.all(burst(socket, `s${s}`, perSender))));
    await allArrived;

    for (const [s, senderAcks] of acks.entries()) {
      expect(senderAcks.every((ack) => ack.ok)).toBe(true);
      const seqs = senderAcks.map((ack) => (ack.ok ? ack.data.seq : NaN));
      // Numbers follow the order the sender emitted its messages.
      expect(seqs).toEqual([...seqs].sort((a, b) => a - b));
      // Delivery follows it too.
      const delivered = received.filter((message) => message.text?.startsWith(`s${s} `)).map((message) => message.text);
      expect(delivered).toEqual(Array.from({ length: perSender }, (_, i) => `s${s} ${i}`));
    }
    const ackedIds = acks.flat().map((ack) => (ack.ok ? ack.data.id : ''));
    expect(new Set(received.map((message) => message.id))).toEqual(new Set(ackedIds));
    expect(received).toHaveLength(total);
    expect(new Set(received.map((message) => message.seq)).size).toBe(total);
    // Delivery as a whole is in seq order.
    const deliveredSeqs = received.map((message) => message.seq);
    expect(deliveredSeqs).toEqual([...deliveredSeqs].sort((a, b) => a - b));

    const stored: MessageBody[] = [];
    let before: string | undefined;
    for (;;) {
      const page = await t
        .http()
        .get(`/api/v1/conversations/${groupId}/messages`)
        .query({ limit: 100, ...(before ? { before } : {}) })
        .set(owner.auth)
        .expect(200);
      stored.unshift(...page.body.items);
      if (!page.body.hasMore) break;
      before = page.body.items[0].id;
    }
    const burstMessages = stored.filter((message) => ackedIds.includes(message.id));
    expect(burstMessages).toHaveLength(total);
    const view = await t.http().get(`/api/v1/conversations/${groupId}`).set(owner.auth).expect(200);
    expect(view.body.lastMessage.seq).toBe(Math.max(...deliveredSeqs));
  }, 30_000);

  it('retries of one clientId in flight together store one message; all answers name it', async () => {
    const answers = await Promise.all(
      Array.from({ length: 6 }, () => request(sockets[0], 'message:send', { conversationId: groupId, text: 'only once', clientId: 'burst-retry' })),
    );
    const ids = new Set(answers.map((answer) => (answer.ok ? answer.data.id : 'failed')));
    expect(ids.size).toBe(1);
    const page = await t.http().get(`/api/v1/conversations/${groupId}/messages`).query({ limit: 100 }).set(owner.auth).expect(200);
    expect(page.body.items.filter((message: MessageBody) => message.text === 'only once')).toHaveLength(1);
  });

  it('a retry sent while its original is still being written is answered with it and takes no number', async () => {
    // The retry follows its original by 0–3 ms: into the same batch, or into the next one while the
    // original's is still being written (its look-up cannot find a message not stored yet).
    const seqs: number[] = [];
    for (let round = 0; round < 12; round++) {
      const payload = { conversationId: groupId, text: `raced ${round}`, clientId: `raced-${round}` };
      const original = request(sockets[1], 'message:send', payload);
      const retry = new Promise<Ack<Message>>((resolve) => setTimeout(() => resolve(request(sockets[1], 'message:send', payload)), round % 4));
      const [first, second] = await Promise.all([original, retry]);
      expect(first.ok && second.ok).toBe(true);
      if (!first.ok || !second.ok) return;
      expect(second.data.id).toBe(first.data.id);
      seqs.push(first.data.seq);
    }
    // Nobody else sends meanwhile: one number per round, none left unused.
    expect(seqs).toEqual(seqs.map((_, i) => seqs[0] + i));
  });

  it('a send by a non-member in the same burst fails alone with 404 and stores nothing', async () => {
    const outsider = await createUser(t);
    const outsiderSocket = await connectSocket(t.baseUrl, outsider.accessToken);
    const [refused, ...accepted] = await Promise.all([request(outsiderSocket, 'message:send', { conversationId: groupId, text: 'let me in' }), ...burst(sockets[1], 'mixed', 5)]);
    expect(refused).toEqual({ ok: false, error: { status: 404, message: expect.any(String) } });
    expect(accepted.every((answer) => answer.ok)).toBe(true);
    const page = await t.http().get(`/api/v1/conversations/${groupId}/messages`).query({ limit: 100 }).set(owner.auth).expect(200);
    expect(page.body.items.some((message: MessageBody) => message.text === 'let me in')).toBe(false);
  });
});
