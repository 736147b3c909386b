import { randomBytes } from 'node:crypto';
import type { CommandStartedEvent } from 'mongodb';
import { Types } from 'mongoose';
import { SeqGrantsRepository, SeqRequest } from '../src/messages/send/seq-grants.repository';
import { createUser, TestUser } from './factories/user.factory';
import { createTestApp, databaseUri, TestApp } from './helpers/app';
import { createGroup, openDirect } from './helpers/messaging';

/**
 * Message numbers for a batch over several conversations, against the real database. The instance
 * remembers each conversation's `seq` and members and puts them in the grant's filter instead of
 * reading the conversations back; these tests change the conversations behind its back (as another
 * instance, or a membership change, would) and check that no number is ever handed out twice and
 * that the members a batch is delivered to are the current ones.
 */
describe('Message numbers from what the instance saw (e2e)', () => {
  let t: TestApp;
  let repository: SeqGrantsRepository;
  let commands: string[] | null = null;
  let a: TestUser;
  let others: TestUser[];

  beforeAll(async () => {
    const uri = new URL(databaseUri(`chatify_test_grants_${randomBytes(6).toString('hex')}`));
    uri.searchParams.set('monitorCommands', 'true');
    t = await createTestApp({ MONGODB_URI: uri.toString() });
    t.connection.getClient().on('commandStarted', (event: CommandStartedEvent) => {
      if (commands && ['update', 'find', 'findAndModify'].includes(event.commandName))
        commands.push(`${event.commandName}:${String((event.command as Record<string, unknown>)[event.commandName])}`);
    });
    repository = t.app.get(SeqGrantsRepository);
    a = await createUser(t);
    others = await Promise.all([createUser(t), createUser(t), createUser(t)]);
  });
  afterAll(async () => {
    await t.close();
  });

  const conversations = () => t.connection.collection<{ _id: Types.ObjectId; memberIds: Types.ObjectId[]; seq: number }>('conversations');

  /** A request for `count` numbers for messages from `sender`. */
  function request(conversationId: string, sender: TestUser, count = 1): SeqRequest {
    const senderId = new Types.ObjectId(sender.id);
    const messageId = new Types.ObjectId();
    const at = new Date();
    return {
      conversationId: new Types.ObjectId(conversationId),
      memberIds: [senderId],
      count,
      last: { _id: messageId, senderId, text: 'grant test', clientId: null, createdAt: at, editedAt: null, deletedAt: null, replyTo: null, mentions: [], reactions: [] },
      senders: [{ userId: senderId, position: count, messageId }],
      at,
    };
  }

  async function grant(requests: SeqRequest[]): Promise<{ firsts: Map<string, number>; members: Map<string, string[]>; commands: string[] }> {
    commands = [];
    try {
      const grants = await repository.grantSeqs(requests, randomBytes(9).toString('base64url'));
      const firsts = new Map([...grants].map(([id, granted]) => [id, granted.firstSeq]));
      const members = new Map([...grants].map(([id, granted]) => [id, granted.conversation.memberIds.map((member) => member.toHexString()).sort()]));
      return { firsts, members, commands };
    } finally {
      commands = null;
    }
  }

  async function storedSeq(conversationId: string): Promise<number> {
    const conversation = await conversations().findOne({ _id: new Types.ObjectId(conversationId) });
    return conversation?.seq as number;
  }

  it('once seen, a batch over several conversations is numbered in one command, the numbers following on', async () => {
    const directs = await Promise.all(others.map((other) => openDirect(t, a, other)));
    const first = await grant(directs.map((direct, i) => request(direct.id, a, i + 1)));
    expect(directs.map((direct) => first.firsts.get(direct.id))).toEqual([1, 1, 1]);

    const second = await grant(directs.map((direct) => request(direct.id, a, 2)));
    expect(directs.map((direct) => second.firsts.get(direct.id))).toEqual([2, 3, 4]);
    expect(second.commands).toEqual(['update:conversations']);
    expect(await Promise.all(directs.map((direct) => storedSeq(direct.id)))).toEqual([3, 4, 5]);
    for (const [i, direct] of directs.entries()) expect(second.members.get(direct.id)).toEqual([a.id, others[i].id].sort());
  });

  it('numbers another writer took meanwhile are never handed out again', async () => {
    const directs = await Promise.all(others.map((other) => openDirect(t, a, other)));
    await grant(directs.map((direct) => request(direct.id, a)));
    const before = await Promise.all(directs.map((direct) => storedSeq(direct.id)));
    // Another instance numbers 5 messages in the second conversation.
    await conversations().updateOne({ _id: new Types.ObjectId(directs[1].id) }, { $inc: { seq: 5 } });

    const { firsts } = await grant(directs.map((direct) => request(direct.id, a, 3)));
    expect(directs.map((direct) => firsts.get(direct.id))).toEqual([before[0] + 1, before[1] + 5 + 1, before[2] + 1]);
    expect(await Promise.all(directs.map((direct) => storedSeq(direct.id)))).toEqual([before[0] + 3, before[1] + 5 + 3, before[2] + 3]);

    // And the next batch is numbered from what the database said, in one command again.
    const next = await grant(directs.map((direct) => request(direct.id, a)));
    expect(directs.map((direct) => next.firsts.get(direct.id))).toEqual([before[0] + 4, before[1] + 5 + 4, before[2] + 4]);
    expect(next.commands).toEqual(['update:conversations']);
  });

  it('members changed behind its back: the batch goes to the members as they are now', async () => {
    const group = await createGroup(t, a, others);
    const direct = await openDirect(t, a, others[0]);
    await grant([request(group.id, a), request(direct.id, a)]);
    await conversations().updateOne({ _id: new Types.ObjectId(group.id) }, { $pull: { memberIds: new Types.ObjectId(others[2].id) } });

    const { firsts, members } = await grant([request(group.id, a), request(direct.id, a)]);
    expect(firsts.get(group.id)).toBe(2);
    expect(members.get(group.id)).toEqual([a.id, others[0].id, others[1].id].sort());
  });

  it('a sender removed behind its back is refused and uses up no number; the rest of the batch is numbered', async () => {
    const group = await createGroup(t, a, others);
    const direct = await openDirect(t, a, others[1]);
    await grant([request(group.id, others[2]), request(direct.id, a)]);
    await conversations().updateOne({ _id: new Types.ObjectId(group.id) }, { $pull: { memberIds: new Types.ObjectId(others[2].id) } });

    const { firsts } = await grant([request(group.id, others[2]), request(direct.id, a)]);
    expect(firsts.has(group.id)).toBe(false);
    expect(firsts.get(direct.id)).toBe(await storedSeq(direct.id));
    expect(await storedSeq(group.id)).toBe(1);
  });
});
