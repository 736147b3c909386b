import { randomBytes } from 'node:crypto';
import type { CommandStartedEvent } from 'mongodb';
import { createTestApp, databaseUri, TestApp } from './helpers/app';
import { createUser, TestUser } from './factories/user.factory';
import { Types } from 'mongoose';
import { createGroup, getConversation, history, mark, MessageBody, openDirect, send, sendMany } from './helpers/messaging';

/**
 * Database cost of the hot paths, counted with the driver's command monitoring: every command the
 * app sends to the database while one request runs (this file's app serves nothing else meanwhile).
 */
describe('Messaging database cost (e2e)', () => {
  let t: TestApp;
  let commands: string[] | null = null;

  beforeAll(async () => {
    // monitorCommands makes the driver emit commandStarted for every command (a URI option of the driver).
    const uri = new URL(databaseUri(`chatify_test_perf_${randomBytes(6).toString('hex')}`));
    uri.searchParams.set('monitorCommands', 'true');
    t = await createTestApp({ MONGODB_URI: uri.toString() });
    t.connection.getClient().on('commandStarted', (event: CommandStartedEvent) => {
      if (commands && !['hello', 'isMaster', 'ismaster', 'endSessions', 'ping'].includes(event.commandName)) {
        commands.push(`${event.commandName}:${String((event.command as Record<string, unknown>)[event.commandName])}`);
      }
    });
  });
  afterAll(async () => {
    await t.close();
  });

  /** The database commands one action sends (after the app's own start-up work is over). */
  async function count<T>(action: () => Promise<T>): Promise<{ result: T; commands: string[] }> {
    commands = [];
    try {
      const result = await action();
      // Writes published after the answer (none expected) would show up here.
      await new Promise((resolve) => setTimeout(resolve, 50));
      return { result, commands };
    } finally {
      commands = null;
    }
  }

  /**
   * `count` messages from `sender` in a conversation, fast: the first and the last are sent through
   * the API; the ones between are copies of the first as the app stored it (new id, seq and text),
   * written straight to the database with the conversation's counter moved past them, which is
   * exactly the state those sends would have left. (1,000 sends through REST take 15–35 s here.)
   */
  async function fillConversation(conversationId: string, sender: TestUser, total: number): Promise<MessageBody[]> {
    const first = await send(t, sender, conversationId, 'm1');
    const messages = t.connection.collection('messages');
    const stored = await messages.findOne({ _id: new Types.ObjectId(first.id) });
    if (!stored) throw new Error('the first message was not stored');
    const copies = Array.from({ length: total - 2 }, (_, i) => {
      const _id = new Types.ObjectId();
      const at = new Date();
      return { ...stored, _id, seq: i + 2, text: `m${i + 2}`, dedupeKey: _id.toHexString(), createdAt: at, changedAt: at };
    });
    for (let i = 0; i < copies.length; i += 250) await messages.insertMany(copies.slice(i, i + 250));
    await t.connection.collection('conversations').updateOne({ _id: new Types.ObjectId(conversationId) }, { $set: { seq: total - 1 } });
    const last = await send(t, sender, conversationId, `m${total}`);
    const middle = copies.map((copy) => ({ ...first, id: copy._id.toHexString(), seq: copy.seq, text: copy.text }));
    return [first, ...middle, last];
  }

  it('the driver reports commands (the counting below measures something)', async () => {
    const user = await createUser(t);
    const { commands: seen } = await count(() => t.http().get('/api/v1/conversations').set(user.auth).expect(200));
    expect(seen.length).toBeGreaterThan(0);
  });

  it('moving a read mark over 1,000 messages costs the same database commands as over 10', async () => {
    const [a, b] = await Promise.all([createUser(t), createUser(t)]);
    const small = await openDirect(t, a, b);
    const [c] = await Promise.all([createUser(t)]);
    const large = await createGroup(t, a, [b, c], 'large');
    const started = Date.now();
    const ten = await sendMany(t, a, small.id, 10, 10);
    const thousand = await fillConversation(large.id, a, 1000);
    const insertMs = Date.now() - started;
    expect(thousand).toHaveLength(1000);
    expect(thousand.map((m) => m.seq)).toEqual(Array.from({ length: 1000 }, (_, i) => i + 1));
    expect((await getConversation(t, b, large.id)).unreadCount).toBe(1000);

    const overTen = await count(() => mark(t, b, small.id, 'read', ten[9].id));
    const overThousand = await count(() => mark(t, b, large.id, 'read', thousand[999].id));
    expect(overThousand.result).toMatchObject({ readUpTo: thousand[999].id, unreadCount: 0 });
    expect(overTen.result).toMatchObject({ readUpTo: ten[9].id, unreadCount: 0 });
    expect(overThousand.commands.length).toBe(overTen.commands.length);
    expect(overThousand.commands.sort()).toEqual(overTen.commands.sort());
    // Every message is read now: the mark really covered all of them.
    expect((await getConversation(t, b, large.id)).unreadCount).toBe(0);
    expect((await history(t, b, large.id, { limit: 100 })).items.every((m) => m.status === 'sent')).toBe(true); // c has not read
    await mark(t, c, large.id, 'read', thousand[999].id);
    const page = await history(t, a, large.id, { limit: 100, after: thousand[0].id });
    expect(page.items.every((m) => m.status === 'read')).toBe(true);

    console.log(
      `[perf] 1,010 messages in ${insertMs} ms; read mark over 10 messages: ${overTen.commands.length} commands, over 1,000: ${overThousand.commands.length} (${overThousand.commands.join(', ')})`,
    );
  }, 60_000);

  it('round trips of one send, one read mark and one conversation-list page', async () => {
    const [a, b] = await Promise.all([createUser(t), createUser(t)]);
    const direct = await openDirect(t, a, b);
    // Warm-up: the first send of a pair may create things; measure a steady-state one.
    await send(t, a, direct.id, 'warm-up');
    // Give a a realistic list: a few conversations with messages.
    for (let i = 0; i < 4; i += 1) {
      const other: TestUser = await createUser(t);
      await send(t, other, (await openDirect(t, other, a)).id, `hi ${i}`);
    }

    const sendCost = await count(() => send(t, a, direct.id, 'measured'));
    const sendWithClientId = await count(() => send(t, a, direct.id, 'measured with clientId', 'client-1'));
    const byRecipient = await count(async () => {
      const response = await t.http().post('/api/v1/messages').set(a.auth).send({ recipientId: b.id, text: 'by recipient' });
      expect(response.status).toBe(201);
      return response.body;
    });
    const readCost = await count(() => mark(t, b, direct.id, 'read', sendCost.result.id));
    const noopReadCost = await count(() => mark(t, b, direct.id, 'read', sendCost.result.id));
    const deliveredCost = await count(() => mark(t, b, direct.id, 'delivered', byRecipient.result.id));
    const listCost = await count(async () => {
      const response = await t.http().get('/api/v1/conversations').query({ limit: 20 }).set(a.auth);
      expect(response.status).toBe(200);
      expect(response.body.items).toHaveLength(5);
      return response.body;
    });
    const historyCost = await count(() => history(t, a, direct.id, { limit: 50 }));

    const line = (name: string, c: { commands: string[] }) => `  ${name.padEnd(34)} ${String(c.commands.length).padStart(2)}  ${c.commands.join(', ')}`;
    console.log(
      [
        '[perf] database commands per action (command monitoring):',
        line('send (conversationId)', sendCost),
        line('send (conversationId + clientId)', sendWithClientId),
        line('send (recipientId, existing pair)', byRecipient),
        line('read mark (moves)', readCost),
        line('read mark (no-op)', noopReadCost),
        line('delivered mark (moves)', deliveredCost),
        line('conversation list page (5 items)', listCost),
        line('history page (50)', historyCost),
      ].join('\n'),
    );
    // Budgets from docs/ARCHITECTURE.md ("Database round trips"), counted as commands, plus the
    // authentication look-up every request makes. They fail if a path starts scaling with data.
    expect(sendCost.commands.length).toBeLessThanOrEqual(8);
    expect(readCost.commands.length).toBeLessThanOrEqual(8);
    expect(listCost.commands.length).toBeLessThanOrEqual(4);
  });
  it('GET /messages/:id/receipts costs the same database commands for a group of 3 as for one of 40 (issue 11, finding 7)', async () => {
    const receiptsCost = async (others: number) => {
      const owner = await createUser(t);
      const members = await Promise.all(Array.from({ length: others }, () => createUser(t)));
      const group = await createGroup(t, owner, members, `Receipts ${others}`);
      const message = await send(t, owner, group.id, 'who read this?');
      await Promise.all(members.map((member) => mark(t, member, group.id, 'read', message.id)));
      const { result, commands: used } = await count(() => t.http().get(`/api/v1/messages/${message.id}/receipts`).set(owner.auth).expect(200));
      expect(result.body).toHaveLength(others);
      expect(result.body.every((row: { readAt: string | null }) => row.readAt !== null)).toBe(true);
      return used;
    };
    const small = await receiptsCost(2);
    const large = await receiptsCost(39);
    expect(large.length).toBe(small.length);
    expect(large.length).toBeLessThanOrEqual(6);
  });
});
