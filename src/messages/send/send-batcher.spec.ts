import { BadRequestException, Logger, NotFoundException } from '@nestjs/common';
import { Types } from 'mongoose';
import { StrictMock, strictMock } from '../../../test/helpers/strict-mock';
import type { DomainEventMap, DomainEvents } from '../../common/domain-events';
import { ConversationAccess } from '../../conversations/conversation-access';
import type { ConversationsRepository } from '../../conversations/conversations.repository';
import type { ConversationsService } from '../../conversations/conversations.service';
import type { DatabaseAvailability } from '../../database/database-availability';
import type { MetricsService } from '../../metrics/metrics.service';
import type { MessageRecord, MessagesRepository } from '../messages.repository';
import { PendingSend, SendBatcher, SendOutcome } from './send-batcher';
import { SendFinishing } from './send-finishing';
import type { SeqGrant, SeqGrantsRepository, SeqRequest } from './seq-grants.repository';

const alice = new Types.ObjectId();
const bob = new Types.ObjectId();
const mallory = new Types.ObjectId();
const direct = new Types.ObjectId();
const group = new Types.ObjectId();

function pending(conversationId: Types.ObjectId, senderId: Types.ObjectId, text: string, clientId: string | null = null): PendingSend {
  return { id: new Types.ObjectId(), conversationId, senderId, text, clientId };
}

/** Grants numbers as an atomic counter per conversation would, refusing senders who are not members. */
function counterGrants(members: Map<string, Types.ObjectId[]>) {
  const counters = new Map<string, number>();
  return async (requests: SeqRequest[]) => {
    const grants = new Map<string, SeqGrant>();
    for (const request of requests) {
      const key = request.conversationId.toHexString();
      const memberIds = members.get(key) ?? [];
      if (!request.memberIds.every((required) => memberIds.some((member) => member.equals(required)))) continue;
      const first = (counters.get(key) ?? 0) + 1;
      counters.set(key, first + request.count - 1);
      grants.set(key, { firstSeq: first, conversation: { _id: request.conversationId, type: 'group', memberIds } });
    }
    return grants;
  };
}

describe('SendBatcher', () => {
  let sut: SendBatcher;
  let messages: StrictMock<MessagesRepository>;
  let grants: StrictMock<SeqGrantsRepository>;
  let conversations: StrictMock<ConversationsService>;
  let conversationsRepository: StrictMock<ConversationsRepository>;
  let access: StrictMock<ConversationAccess>;
  let events: StrictMock<DomainEvents>;
  let announced: { text: string | null; seq: number; recipients: string[] }[];
  let database: { available: boolean };

  beforeEach(() => {
    messages = strictMock<MessagesRepository>('MessagesRepository', ['findByIds', 'insertMany', 'pageBefore']);
    grants = strictMock<SeqGrantsRepository>('SeqGrantsRepository', ['grantSeqs', 'restoreSummary']);
    conversations = strictMock<ConversationsService>('ConversationsService', ['marksOf']);
    conversationsRepository = strictMock<ConversationsRepository>('ConversationsRepository', ['recordMentions']);
    access = strictMock<ConversationAccess>('ConversationAccess', ['explainSendRefusal', 'storedSendRefusal']);
    events = strictMock<DomainEvents>('DomainEvents', ['publish']);
    const metric = () => ({ observe: jest.fn(), inc: jest.fn() });
    database = { available: true };
    const metrics = { sendSeconds: metric(), sendBatchSize: metric(), messagesStored: metric(), sendsFailed: metric() } as unknown as MetricsService;
    const finishing = new SendFinishing(
      messages as unknown as MessagesRepository,
      grants as unknown as SeqGrantsRepository,
      conversations as unknown as ConversationsService,
      conversationsRepository as unknown as ConversationsRepository,
      access as unknown as ConversationAccess,
      events as unknown as DomainEvents,
    );
    sut = new SendBatcher(
      messages as unknown as MessagesRepository,
      grants as unknown as SeqGrantsRepository,
      access as unknown as ConversationAccess,
      finishing,
      metrics,
      database as unknown as DatabaseAvailability,
    );
    announced = [];
    events.publish.mockImplementation((name, payload) => {
      expect(name).toBe('message.created');
      const { message, recipientIds } = payload as DomainEventMap['message.created'];
      announced.push({ text: message.text, seq: message.seq, recipients: recipientIds });
    });
    grants.grantSeqs.mockImplementation(
      counterGrants(
        new Map([
          [direct.toHexString(), [alice, bob]],
          [group.toHexString(), [alice, bob]],
        ]),
      ),
    );
    messages.findByIds.mockResolvedValue([]);
    messages.insertMany.mockImplementation(async (records: MessageRecord[]) => records.map(() => 'stored' as const));
    grants.restoreSummary.mockResolvedValue(undefined);
    messages.pageBefore.mockResolvedValue([]);
    conversationsRepository.recordMentions.mockResolvedValue(undefined);
    access.explainSendRefusal.mockImplementation(async () => new NotFoundException('Conversation not found'));
    // The rule itself (pure: it judges the members the send path read).
    access.storedSendRefusal.mockImplementation((memberIds, senderId) => ConversationAccess.prototype.storedSendRefusal.call(access, memberIds, senderId));
  });
  // Answers go out before the announcements: nothing of a test may reach the next one.
  afterEach(() => sut.settled());

  async function ticksUntil(condition: () => boolean): Promise<void> {
    while (!condition()) await new Promise((resolve) => setImmediate(resolve));
  }

  /** Submits `send` and returns once its batch's insert runs; that insert waits until `release` is called. */
  async function submitWithInsertHeld(send: PendingSend): Promise<{ outcome: Promise<SendOutcome>; release: () => void }> {
    let release: (() => void) | undefined;
    messages.insertMany.mockImplementationOnce(async (records: MessageRecord[]) => {
      await new Promise<void>((resolve) => (release = resolve));
      return records.map(() => 'stored' as const);
    });
    const outcome = sut.submit(send);
    await ticksUntil(() => release !== undefined);
    return { outcome, release: release! };
  }

  it('writes the sends of one tick as one batch: one grant (with the summaries and marks) and one insert for all', async () => {
    const sends = [pending(direct, alice, 'a1'), pending(group, bob, 'b1'), pending(direct, bob, 'b2'), pending(direct, alice, 'a2')];
    const outcomes = await Promise.all(sends.map((send) => sut.submit(send)));

    expect(grants.grantSeqs).toHaveBeenCalledTimes(1);
    const [requests] = grants.grantSeqs.mock.calls[0] as [SeqRequest[], string];
    expect(requests.map((r) => [r.conversationId.toHexString(), r.count, r.memberIds.length])).toEqual([
      [direct.toHexString(), 3, 2],
      [group.toHexString(), 1, 1],
    ]);
    expect(messages.insertMany).toHaveBeenCalledTimes(1);
    expect(conversationsRepository.recordMentions).not.toHaveBeenCalled();
    expect(grants.restoreSummary).not.toHaveBeenCalled();
    expect(outcomes.map((outcome) => [outcome.created, outcome.record.text, outcome.record.seq])).toEqual([
      [true, 'a1', 1],
      [true, 'b1', 1],
      [true, 'b2', 2],
      [true, 'a2', 3],
    ]);
  });

  it("numbers one conversation's sends in the order they were submitted, answers them, then announces them in that order", async () => {
    let answered = 0;
    messages.insertMany.mockImplementationOnce(async (records: MessageRecord[]) => {
      expect(announced).toEqual([]);
      return records.map(() => 'stored' as const);
    });
    const sends = ['one', 'two', 'three'].map((text) =>
      sut.submit(pending(direct, alice, text)).then((outcome) => {
        answered += 1;
        // The sender's tick does not wait for the fan-out.
        expect(announced).toEqual([]);
        return outcome;
      }),
    );
    const outcomes = await Promise.all(sends);
    expect(answered).toBe(3);
    expect(outcomes.map((outcome) => outcome.record.seq)).toEqual([1, 2, 3]);
    await sut.settled();
    expect(announced.map((entry) => [entry.text, entry.seq])).toEqual([
      ['one', 1],
      ['two', 2],
      ['three', 3],
    ]);
    expect(announced.every((entry) => entry.recipients.length === 2)).toBe(true);
  });

  it('settled() waits until every batch taken is announced, also one taken while it waited', async () => {
    const { outcome: first, release } = await submitWithInsertHeld(pending(direct, alice, 'first'));
    const second = sut.submit(pending(direct, bob, 'second'));
    // The second batch is taken (numbered) while the first one is still being stored.
    await ticksUntil(() => grants.grantSeqs.mock.calls.length >= 2);
    const settling = sut.settled().then(() => announced.map((entry) => entry.text));
    release();
    expect(await settling).toEqual(['first', 'second']);
    expect((await Promise.all([first, second])).map((outcome) => outcome.record.seq)).toEqual([1, 2]);
  });

  it('announces each message the batcher stored as message.created to the members', async () => {
    const send = pending(direct, alice, 'hello');
    const outcome = await sut.submit(send);
    await sut.settled();
    expect(events.publish).toHaveBeenCalledWith('message.created', {
      message: expect.objectContaining({ id: send.id.toHexString(), seq: outcome.record.seq, status: 'sent' }),
      recipientIds: [alice.toHexString(), bob.toHexString()],
    });
  });

  it('a message.created subscriber that throws fails no send: the message is stored, answered and the next ones announced', async () => {
    const logged = jest.spyOn(Logger.prototype, 'error').mockImplementation(() => undefined);
    events.publish.mockImplementationOnce(() => {
      throw new Error('listener broke');
    });
    const outcomes = await Promise.all([sut.submit(pending(direct, alice, 'announce fails')), sut.submit(pending(direct, bob, 'fine'))]);
    expect(outcomes.map((outcome) => outcome.created)).toEqual([true, true]);
    await sut.settled();
    expect(announced.map((entry) => entry.text)).toEqual(['fine']);
    expect(logged).toHaveBeenCalledWith(expect.objectContaining({ messageId: outcomes[0].record._id.toHexString() }), 'Could not announce a stored message');
    logged.mockRestore();
  });

  it("the grant carries each conversation's newest message as its summary and each sender's last position in it", async () => {
    const sends = [pending(direct, alice, 'a1'), pending(direct, alice, 'a2'), pending(direct, bob, 'b1')];
    await Promise.all(sends.map((send) => sut.submit(send)));
    const [[request]] = grants.grantSeqs.mock.calls[0] as [SeqRequest[], string];
    expect([request.last.text, request.last._id]).toEqual(['b1', sends[2].id]);
    expect(request.senders.map((s) => [s.userId.toHexString(), s.position, s.messageId])).toEqual([
      [alice.toHexString(), 2, sends[1].id],
      [bob.toHexString(), 3, sends[2].id],
    ]);
  });

  it("a message refused by the insert puts its conversation's summary back to the newest stored message", async () => {
    const older = { _id: new Types.ObjectId(), conversationId: direct, senderId: bob, seq: 1, text: 'stored before', createdAt: new Date(), deletedAt: null } as MessageRecord;
    messages.insertMany.mockImplementationOnce(async (records: MessageRecord[]) =>
      records.map((_, index) => (index === 1 ? new Error('document too large') : ('stored' as const))),
    );
    messages.pageBefore.mockResolvedValueOnce([older]);
    const [ok, refused] = await Promise.allSettled([sut.submit(pending(direct, alice, 'fine')), sut.submit(pending(direct, alice, 'refused'))]);
    expect(ok.status).toBe('fulfilled');
    expect(refused).toEqual({ status: 'rejected', reason: new Error('document too large') });
    await sut.settled();
    expect(messages.pageBefore).toHaveBeenCalledWith(direct.toHexString(), 2, 1);
    expect(grants.restoreSummary).toHaveBeenCalledWith(direct, 2, older);
  });

  it('an insert that fails as a whole puts the summaries back and fails every send of the batch', async () => {
    messages.insertMany.mockRejectedValueOnce(new Error('connection reset'));
    messages.pageBefore.mockResolvedValue([]);
    const results = await Promise.allSettled([sut.submit(pending(direct, alice, 'a')), sut.submit(pending(group, bob, 'b'))]);
    expect(results.map((result) => result.status)).toEqual(['rejected', 'rejected']);
    await sut.settled();
    expect(grants.restoreSummary.mock.calls.map(([id, seq, newest]) => [id.toHexString(), seq, newest])).toEqual([
      [direct.toHexString(), 1, null],
      [group.toHexString(), 1, null],
    ]);
    expect(announced).toEqual([]);
  });

  it('a send while a batch is being written joins the next batch', async () => {
    let release!: () => void;
    messages.insertMany.mockImplementationOnce(async (records: MessageRecord[]) => {
      await new Promise<void>((resolve) => (release = resolve));
      return records.map(() => 'stored' as const);
    });
    const first = sut.submit(pending(direct, alice, 'first'));
    await new Promise((resolve) => setImmediate(resolve));
    await new Promise((resolve) => setImmediate(resolve));
    const later = [sut.submit(pending(direct, bob, 'second')), sut.submit(pending(direct, alice, 'third'))];
    release();
    const outcomes = await Promise.all([first, ...later]);
    expect(messages.insertMany).toHaveBeenCalledTimes(2);
    expect((messages.insertMany.mock.calls[1] as [MessageRecord[]])[0].map((r) => r.text)).toEqual(['second', 'third']);
    expect(outcomes.map((o) => o.record.seq)).toEqual([1, 2, 3]);
  });

  it('numbers the next batch while the one before is being stored, and announces it after that one even when its own insert ends first', async () => {
    const { outcome: first, release } = await submitWithInsertHeld(pending(direct, alice, 'first'));
    const second = sut.submit(pending(direct, alice, 'second'));
    // The second batch got its number and was stored while the first one's insert is still running.
    await ticksUntil(() => messages.insertMany.mock.calls.length >= 2);
    expect(grants.grantSeqs).toHaveBeenCalledTimes(2);
    for (let i = 0; i < 5; i++) await new Promise((resolve) => setImmediate(resolve));
    expect(announced).toEqual([]);
    release();
    const outcomes = await Promise.all([first, second]);
    expect(outcomes.map((outcome) => outcome.record.seq)).toEqual([1, 2]);
    await sut.settled();
    expect(announced.map((entry) => [entry.text, entry.seq])).toEqual([
      ['first', 1],
      ['second', 2],
    ]);
  });

  it("the next batch is numbered and stored while the previous one's mentions are still being recorded; each is answered after its own", async () => {
    let releaseMentions!: () => void;
    conversationsRepository.recordMentions.mockImplementationOnce(() => new Promise<void>((resolve) => (releaseMentions = resolve)));
    let firstAnswered = false;
    const first = sut.submit({ ...pending(direct, alice, 'first @bob'), mentionIds: [bob], extra: { mentions: [bob] } }).then((outcome) => {
      firstAnswered = true;
      return outcome;
    });
    await ticksUntil(() => releaseMentions !== undefined);
    const second = sut.submit(pending(direct, bob, 'second'));
    await ticksUntil(() => announced.length >= 2);
    expect(announced.map((entry) => entry.text)).toEqual(['first @bob', 'second']);
    expect(firstAnswered).toBe(false);
    releaseMentions();
    const outcomes = await Promise.all([first, second]);
    expect(outcomes.map((outcome) => outcome.record.seq)).toEqual([1, 2]);
  });

  it('stored messages whose mentions could not be recorded are announced, and their senders get the error', async () => {
    conversationsRepository.recordMentions.mockRejectedValueOnce(new Error('connection reset'));
    await expect(sut.submit({ ...pending(direct, alice, 'stored anyway @bob'), mentionIds: [bob], extra: { mentions: [bob] } })).rejects.toThrow('connection reset');
    expect(announced.map((entry) => entry.text)).toEqual(['stored anyway @bob']);
  });

  it('a retry is answered with the stored message and takes no number', async () => {
    const retry = pending(direct, alice, 'again', 'c-1');
    const earlier = { _id: retry.id, conversationId: direct, senderId: alice, seq: 9, text: 'once', createdAt: new Date(), deletedAt: null } as MessageRecord;
    messages.findByIds.mockResolvedValueOnce([earlier]);
    const marks = [alice, bob].map((userId) => ({ userId, readUpToSeq: 0, deliveredUpToSeq: 0 }));
    conversations.marksOf.mockResolvedValue(new Map([[direct.toHexString(), marks]]));
    const [outcome, other] = await Promise.all([sut.submit(retry), sut.submit(pending(direct, bob, 'new', 'c-2'))]);
    // With the current members' marks it was checked against (the answer's status comes from them).
    expect(outcome).toEqual({ created: false, record: earlier, marks });
    expect(other.created).toBe(true);
    expect(other.record.seq).toBe(1);
    const [requests] = grants.grantSeqs.mock.calls[0] as [SeqRequest[], string];
    expect(requests[0].count).toBe(1);
  });

  it('a retry is announced again to the current members and its mentions are recorded again (the instance that stored it may have died first)', async () => {
    const retry = pending(direct, alice, 'again', 'c-1');
    const earlier = { _id: retry.id, conversationId: direct, senderId: alice, seq: 9, text: 'once', mentions: [bob], createdAt: new Date(), deletedAt: null } as MessageRecord;
    messages.findByIds.mockResolvedValueOnce([earlier]);
    const marks = [alice, bob].map((userId) => ({ userId, readUpToSeq: 0, deliveredUpToSeq: 0 }));
    conversations.marksOf.mockResolvedValueOnce(new Map([[direct.toHexString(), marks]]));
    await expect(sut.submit(retry)).resolves.toEqual({ created: false, record: earlier, marks });
    expect(announced).toEqual([{ text: 'once', seq: 9, recipients: [alice.toHexString(), bob.toHexString()] }]);
    expect(conversationsRepository.recordMentions).toHaveBeenCalledWith([{ conversationId: direct, seq: 9, userIds: [bob] }]);
    expect(grants.grantSeqs).not.toHaveBeenCalled();
  });

  it('a conversation whose grant was pushed out of its recent grants before the batch read it back is asked again, even for one message', async () => {
    const grantsOf = counterGrants(
      new Map([
        [direct.toHexString(), [alice, bob]],
        [group.toHexString(), [alice, bob]],
      ]),
    );
    // The bulk grant numbers both conversations, but the group's entry is gone when read back (a
    // paused instance, other instances' batches meanwhile): it looks refused, and is not.
    grants.grantSeqs.mockImplementationOnce(async (requests: SeqRequest[]) => {
      const grants = await grantsOf(requests);
      grants.delete(group.toHexString());
      return grants;
    });
    grants.grantSeqs.mockImplementation(grantsOf);
    const [inDirect, inGroup] = await Promise.all([sut.submit(pending(direct, alice, 'a1')), sut.submit(pending(group, bob, 'b1'))]);
    expect(inDirect.created && inGroup.created).toBe(true);
    // The lost grant's number is a gap; the message gets the next one.
    expect(inGroup.record.seq).toBe(2);
    expect(access.explainSendRefusal).not.toHaveBeenCalled();
  });

  it('a retry of a message since deleted is answered but announced to nobody; one whose sender left is a 404, announced to nobody, its mentions not recorded again', async () => {
    const deleted = pending(direct, alice, 'gone', 'c-1');
    const left = pending(group, bob, 'left', 'c-2');
    const records = [
      { _id: deleted.id, conversationId: direct, senderId: alice, seq: 3, text: null, createdAt: new Date(), deletedAt: new Date() },
      { _id: left.id, conversationId: group, senderId: bob, seq: 4, text: 'left', mentions: [alice], createdAt: new Date(), deletedAt: null },
    ] as MessageRecord[];
    messages.findByIds.mockResolvedValueOnce(records);
    conversations.marksOf.mockResolvedValueOnce(
      new Map([
        [direct.toHexString(), [alice, bob].map((userId) => ({ userId, readUpToSeq: 0, deliveredUpToSeq: 0 }))],
        [group.toHexString(), [{ userId: alice, readUpToSeq: 0, deliveredUpToSeq: 0 }]],
      ]),
    );
    const outcomes = await Promise.allSettled([sut.submit(deleted), sut.submit(left)]);
    expect(outcomes[0]).toMatchObject({ status: 'fulfilled', value: { created: false, record: records[0] } });
    expect(outcomes[1]).toMatchObject({ status: 'rejected', reason: expect.any(NotFoundException) });
    expect((outcomes[1] as PromiseRejectedResult).reason.message).toBe('Conversation not found');
    // One read of the members for every retry of the batch.
    expect(conversations.marksOf).toHaveBeenCalledTimes(1);
    expect(announced).toEqual([]);
    expect(conversationsRepository.recordMentions).not.toHaveBeenCalled();
  });

  it('a retry whose members cannot be read fails with that error (who may read it is unknown)', async () => {
    const retry = pending(direct, alice, 'again', 'c-1');
    messages.findByIds.mockResolvedValueOnce([
      { _id: retry.id, conversationId: direct, senderId: alice, seq: 2, text: 'once', createdAt: new Date(), deletedAt: null } as MessageRecord,
    ]);
    conversations.marksOf.mockRejectedValueOnce(new Error('connection reset'));
    await expect(sut.submit(retry)).rejects.toThrow('connection reset');
    expect(announced).toEqual([]);
  });

  it('the same clientId twice in one batch stores one message and answers both with it', async () => {
    const send = pending(direct, alice, 'twice', 'c-9');
    const [first, second] = await Promise.all([sut.submit(send), sut.submit({ ...send })]);
    expect(first.created).toBe(true);
    expect(second).toEqual({ created: false, record: first.record });
    expect((messages.insertMany.mock.calls[0] as [MessageRecord[]])[0]).toHaveLength(1);
  });

  it('a retry sent while its original is being stored waits for it: one message, no number taken, no look-up', async () => {
    const send = pending(direct, alice, 'original', 'c-race');
    const { outcome: original, release } = await submitWithInsertHeld(send);
    const retry = sut.submit({ ...send, text: 'original (resent)' });
    const next = sut.submit(pending(direct, bob, 'next'));
    await ticksUntil(() => grants.grantSeqs.mock.calls.length >= 2);
    release();
    const [first, second, after] = await Promise.all([original, retry, next]);
    expect(first.created).toBe(true);
    expect(second).toEqual({ created: false, record: first.record });
    // The next send's number follows the original's: the retry took none.
    expect([first.record.seq, after.record.seq]).toEqual([1, 2]);
    expect(messages.findByIds.mock.calls.flat(2).map((id) => (id as Types.ObjectId).toHexString())).toEqual([send.id.toHexString()]);
    await sut.settled();
    expect(announced.map((entry) => entry.text)).toEqual(['original', 'next']);
  });

  it('a retry of a send in flight gets its error when it fails, and a later retry is tried afresh', async () => {
    messages.insertMany.mockRejectedValueOnce(new Error('connection reset'));
    const send = pending(direct, alice, 'unlucky', 'c-fail');
    const results = await Promise.allSettled([sut.submit(send), sut.submit({ ...send })]);
    expect(results.map((result) => result.status === 'rejected' && (result.reason as Error).message)).toEqual(['connection reset', 'connection reset']);
    await expect(sut.submit({ ...send })).resolves.toMatchObject({ created: true, record: { text: 'unlucky' } });
  });

  it('a non-member fails alone with 404; the members of the same conversation are still stored', async () => {
    const results = await Promise.allSettled([
      sut.submit(pending(direct, alice, 'ok')),
      sut.submit(pending(direct, mallory, 'intruder')),
      sut.submit(pending(direct, bob, 'ok too')),
    ]);
    expect(results[1]).toMatchObject({ status: 'rejected', reason: expect.any(NotFoundException) });
    expect(results.filter((r) => r.status === 'fulfilled').map((r) => (r as PromiseFulfilledResult<{ record: MessageRecord }>).value.record.text)).toEqual(['ok', 'ok too']);
    await sut.settled();
    expect(announced.map((entry) => entry.text)).toEqual(['ok', 'ok too']);
  });

  it('a mention of a non-member fails that send alone, with the reason; the others of the conversation are stored, numbered in order', async () => {
    access.explainSendRefusal.mockResolvedValueOnce(new BadRequestException('mentions must be current members of this conversation'));
    const results = await Promise.allSettled([
      sut.submit(pending(direct, alice, 'first')),
      sut.submit({ ...pending(direct, alice, 'bad mention'), mentionIds: [mallory] }),
      sut.submit({ ...pending(direct, bob, 'good mention'), mentionIds: [alice] }),
    ]);
    expect(results[1]).toMatchObject({ status: 'rejected', reason: expect.any(BadRequestException) });
    const stored = results.filter((r) => r.status === 'fulfilled').map((r) => (r as PromiseFulfilledResult<{ record: MessageRecord }>).value.record);
    expect(stored.map((record) => [record.text, record.seq])).toEqual([
      ['first', 1],
      ['good mention', 2],
    ]);
  });

  it("records each stored message's mentions of others (not the sender itself) in one call", async () => {
    await Promise.all([sut.submit({ ...pending(direct, alice, 'hi @bob'), mentionIds: [bob], extra: { mentions: [bob, alice] } }), sut.submit(pending(direct, bob, 'no mention'))]);
    expect(conversationsRepository.recordMentions).toHaveBeenCalledTimes(1);
    const [mentions] = conversationsRepository.recordMentions.mock.calls[0];
    expect(mentions.map((m: { seq: number; userIds: Types.ObjectId[] }) => [m.seq, m.userIds.map((id) => id.toHexString())])).toEqual([[1, [bob.toHexString()]]]);
  });

  it('a message refused alone by the insert fails alone; a refused retry answers the stored one', async () => {
    const retry = pending(direct, bob, 'raced', 'c-5');
    const winner = { _id: retry.id, conversationId: direct, senderId: bob, seq: 1, text: 'raced' } as MessageRecord;
    messages.insertMany.mockResolvedValueOnce(['stored', new Error('document too large'), 'duplicate']);
    messages.findByIds.mockResolvedValueOnce([]).mockResolvedValueOnce([winner]);
    const marks = [alice, bob].map((userId) => ({ userId, readUpToSeq: 0, deliveredUpToSeq: 0 }));
    conversations.marksOf.mockResolvedValueOnce(new Map([[direct.toHexString(), marks]]));
    const results = await Promise.allSettled([sut.submit(pending(direct, alice, 'fine')), sut.submit(pending(direct, alice, 'too big')), sut.submit(retry)]);
    expect(results.map((r) => r.status)).toEqual(['fulfilled', 'rejected', 'fulfilled']);
    expect((results[2] as PromiseFulfilledResult<unknown>).value).toEqual({ created: false, record: winner, marks });
    await sut.settled();
    expect(announced.map((entry) => entry.text)).toEqual(['fine']);
  });

  it('a send refused by the primary key whose sender has left since is a 404, not the stored message', async () => {
    const retry = pending(group, bob, 'raced', 'c-6');
    const winner = { _id: retry.id, conversationId: group, senderId: bob, seq: 1, text: 'raced' } as MessageRecord;
    messages.insertMany.mockResolvedValueOnce(['duplicate']);
    messages.findByIds.mockResolvedValueOnce([]).mockResolvedValueOnce([winner]);
    conversations.marksOf.mockResolvedValueOnce(new Map([[group.toHexString(), [{ userId: alice, readUpToSeq: 0, deliveredUpToSeq: 0 }]]]));
    await expect(sut.submit(retry)).rejects.toMatchObject({ status: 404, message: 'Conversation not found' });
  });

  it('when the database fails the batch, every send of it fails and nothing is announced; the next batch works', async () => {
    grants.grantSeqs.mockRejectedValueOnce(Object.assign(new Error('connection refused'), { name: 'MongoNetworkError' }));
    const failed = await Promise.allSettled([sut.submit(pending(direct, alice, 'x')), sut.submit(pending(group, bob, 'y'))]);
    expect(failed.map((r) => r.status)).toEqual(['rejected', 'rejected']);
    await sut.settled();
    expect(announced).toEqual([]);
    await expect(sut.submit(pending(direct, alice, 'later'))).resolves.toMatchObject({ created: true });
  });

  it('refuses a send at once, storing nothing, while the database is known to be unreachable', async () => {
    database.available = false;
    await expect(sut.submit(pending(direct, alice, 'while down'))).rejects.toMatchObject({ status: 503 });
    // The strict mocks fail on any call: no look-up, no seq, no insert was attempted.
    expect(announced).toEqual([]);
  });
});
