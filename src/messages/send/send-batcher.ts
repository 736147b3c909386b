import { Injectable, ServiceUnavailableException } from '@nestjs/common';
import { Types } from 'mongoose';
import { randomBytes } from 'node:crypto';
import { ConversationAccess } from '../../conversations/conversation-access';
import { MetricsService } from '../../metrics/metrics.service';
import { DatabaseAvailability } from '../../database/database-availability';
import type { MessageRecord } from '../messages.repository';
import { MessagesRepository } from '../messages.repository';
import { AnnounceTurn, GroupCommit } from './group-commit';
import type { PendingSend, SendOutcome, WaitingSend } from './pending-send';
import { mentionedOthers, SendFinishing } from './send-finishing';
import { GrantedConversation, SeqGrantsRepository, SeqRequest } from './seq-grants.repository';

export type { PendingSend, SendOutcome } from './pending-send';

/** A batch ready to be stored: its sends with their numbers, and the replay of its retries (running). */
interface Prepared {
  numbered: Numbered[];
  replay: Promise<void>;
}

/** A send with its number, as it will be stored, and its conversation as the grant saw it. */
interface Numbered {
  waiting: WaitingSend;
  record: MessageRecord;
  conversation: GrantedConversation;
}

/**
 * Group commit of sends (the queue and its pipeline: GroupCommit; what follows the insert:
 * SendFinishing). Sends that arrive while a batch is being written join the next one, so a batch
 * costs a fixed number of round trips whatever its size:
 *
 * 1. retries: one look-up by `_id` of the batch's clientId messages (a retry is answered with the
 *    stored message and takes no number, so it leaves no gap); a retry of a send still in flight on
 *    this instance never reaches a batch: it waits for the first and gets its answer;
 * 2. numbers: `grantSeqs` — per conversation one atomic `+k` that also checks the senders and the
 *    users they mention are members and no block stands between the two of a direct conversation,
 *    and writes the list summary and the senders' own marks (`sentUpTo`): one document updated per
 *    conversation and batch, in one round trip for all conversations (plus one read of the grants
 *    when there are several); a refused conversation is retried message by message, and a message
 *    refused alone fails alone with the reason (404, 403 or 400);
 * 3. one unordered `insertMany`; a message refused alone fails alone, with its own error, and a
 *    summary that shows it is put back to the newest stored message;
 * 4. the stored messages are answered, then published as `message.created` (→ `message:new`) in
 *    `seq` order, each in its sender's log context; a batch with mentions is published first and
 *    answered once the mentioned members' counts are recorded (one bulk update), overlapping the
 *    next batch.
 *
 * Batches are numbered one at a time, in queue order, and announced in that order (a batch is
 * numbered while the one before it is stored), so the sends of one sender reach the queue, get their
 * numbers and are announced in the order they were submitted. Everything the guarantees rest on is in the
 * database (atomic updates, the primary key), so they hold across any number of app instances.
 */
@Injectable()
export class SendBatcher {
  /**
   * The pipeline of batches. A second send of a clientId in flight (a retry racing its original, or
   * the same id twice in one burst) is not queued: it waits for the first and is answered with its
   * message. Queued, it would take a number its insert could not use (its look-up cannot find a
   * message not stored yet).
   */
  private readonly queue: GroupCommit<PendingSend, SendOutcome, Prepared>;

  constructor(
    private readonly messages: MessagesRepository,
    private readonly grants: SeqGrantsRepository,
    private readonly access: ConversationAccess,
    private readonly finishing: SendFinishing,
    private readonly metrics: MetricsService,
    private readonly database: DatabaseAvailability,
  ) {
    this.queue = new GroupCommit<PendingSend, SendOutcome, Prepared>({
      keyOf: (send) => (send.clientId === null ? null : send.id.toHexString()),
      followerOutcome: (outcome) => ({ created: false, record: outcome.record }),
      prepare: (batch) => this.prepare(batch),
      store: (prepared, turn) => this.store(prepared, turn),
      afterTurn: ({ replay }) => replay,
      batchTaken: (size) => metrics.sendBatchSize.observe(size),
      // A send is counted once, however many times a failing batch tries to settle it.
      resolved: (outcome, seconds) => {
        metrics.sendSeconds.observe(seconds);
        if (outcome.created) metrics.messagesStored.inc();
      },
      rejected: (_error, seconds) => {
        metrics.sendSeconds.observe(seconds);
        metrics.sendsFailed.inc();
      },
    });
  }

  /** Resolves once every batch taken so far is stored and announced (graceful shutdown: after the answers, the fan-out). */
  settled(): Promise<void> {
    return this.queue.settled();
  }

  /** Queues a send; settles once its batch is durable (or it failed on its own). */
  submit(send: PendingSend): Promise<SendOutcome> {
    // The database is known to be away: refused now (nothing stored, nothing acknowledged), not in seconds.
    if (!this.database.available) {
      this.metrics.sendsFailed.inc();
      return Promise.reject(new ServiceUnavailableException('The database is unavailable; retry shortly'));
    }
    return this.queue.submit(send);
  }

  /**
   * Looks up the batch's retries (answered with the stored message, announced again) and numbers the
   * rest. Rejects only when the database failed the batch as a whole (nothing was numbered).
   */
  private async prepare(batch: WaitingSend[]): Promise<Prepared> {
    const { fresh, retried } = await this.answerRetries(batch);
    const replay = this.finishing.replayRetried(retried);
    // Unique across instances and restarts, and short (it is stored in the conversation: see grantSeqs).
    const batchId = randomBytes(9).toString('base64url');
    const numbered = fresh.length > 0 ? await this.number(fresh, batchId) : [];
    return { numbered, replay };
  }

  /**
   * Stores a numbered batch, announces it in its turn (once the batch before it was announced), then
   * records its mentions and answers its sends. Never rejects: a failure fails the batch's sends, with
   * the error. The queue passes the turn on once this returns, then waits for the batch's replay.
   */
  private async store({ numbered }: Prepared, turn: AnnounceTurn): Promise<void> {
    try {
      if (numbered.length === 0) return;
      const records = numbered.map(({ record }) => record);
      let outcomes: ('stored' | 'duplicate' | Error)[];
      try {
        outcomes = await this.messages.insertMany(records);
      } catch (error) {
        // Nothing of the batch was stored (the database went away?): the senders hear it at once, and
        // the summaries their grants wrote must not show it.
        for (const { waiting } of numbered) waiting.reject(error);
        await this.finishing.restoreSummaries(records);
        return;
      }
      const stored: { waiting: WaitingSend; record: MessageRecord; recipientIds: string[] }[] = [];
      const duplicates: WaitingSend[] = [];
      const notStored: MessageRecord[] = [];
      outcomes.forEach((outcome, index) => {
        const { waiting, record, conversation } = numbered[index];
        if (outcome === 'stored') stored.push({ waiting, record, recipientIds: conversation.memberIds.map((id) => id.toHexString()) });
        else {
          notStored.push(record);
          if (outcome === 'duplicate') duplicates.push(waiting);
          else waiting.reject(outcome);
        }
      });
      await turn.ready;
      // Nothing left to fail them: the senders get their answers (the "sent" tick) first, and the
      // fan-out follows once those are on their way, instead of the tick waiting for a write to every
      // member's connections. With mentions to record, the answers wait for those (below).
      const answerFirst = stored.length > 0 && stored.every(({ record }) => mentionedOthers(record).length === 0);
      if (answerFirst) {
        for (const { waiting, record, recipientIds } of stored) waiting.resolve({ created: true, record, recipientIds });
        await new Promise<void>((resolve) => setImmediate(resolve));
      }
      for (const { waiting, record, recipientIds } of stored) this.finishing.announce(waiting.origin, record, recipientIds);
      turn.done();
      const [mentions] = await Promise.allSettled([
        this.finishing.recordMentions(stored.map(({ record }) => record)),
        this.finishing.answerDuplicates(duplicates),
        this.finishing.restoreSummaries(notStored),
      ]);
      if (answerFirst) return;
      // Stored and announced, but the mention counts did not follow: the sender hears of the failure
      // (a retry with its clientId answers the stored message and records its mentions again).
      if (mentions.status === 'rejected') for (const { waiting } of stored) waiting.reject(mentions.reason);
      else for (const { waiting, record, recipientIds } of stored) waiting.resolve({ created: true, record, recipientIds });
    } catch (error) {
      // Not expected (each step handles its own failures): no send of the batch stays unanswered.
      for (const { waiting } of numbered) waiting.reject(error);
    }
  }

  /**
   * Splits a batch into the sends whose message is already stored (retries, answered by
   * `replayRetried`) and the rest, in order.
   */
  private async answerRetries(batch: WaitingSend[]): Promise<{ fresh: WaitingSend[]; retried: { waiting: WaitingSend; record: MessageRecord }[] }> {
    const withClientId = batch.filter(({ item }) => item.clientId !== null);
    const existing = new Map((await this.messages.findByIds(withClientId.map(({ item }) => item.id))).map((record) => [record._id.toHexString(), record]));
    const fresh: WaitingSend[] = [];
    const retried: { waiting: WaitingSend; record: MessageRecord }[] = [];
    // No id is twice in a batch: a second send of an id in flight follows the first (`submit`).
    for (const waiting of batch) {
      const record = existing.get(waiting.item.id.toHexString());
      if (record) retried.push({ waiting, record });
      else fresh.push(waiting);
    }
    return { fresh, retried };
  }

  /**
   * Gives each send its number. A conversation whose grant is refused as a whole (one sender not a
   * member, one mention of a non-member, a block) is asked again message by message, in order, so
   * that only the sends that break a rule fail, each with its reason.
   */
  private async number(fresh: WaitingSend[], batchId: string): Promise<Numbered[]> {
    const byConversation = groupBy(fresh, ({ item }) => item.conversationId.toHexString());
    // Before the grant: the summary it writes carries the messages' `createdAt`.
    const now = new Date();
    const grants = await this.grants.grantSeqs(
      [...byConversation.values()].map((group) => requestFor(group, now)),
      batchId,
    );
    const numbered: Numbered[] = [];
    const place = (waiting: WaitingSend, seq: number, conversation: GrantedConversation) => {
      const { item: send } = waiting;
      const record = {
        _id: send.id,
        conversationId: send.conversationId,
        seq,
        senderId: send.senderId,
        text: send.text,
        clientId: send.clientId,
        createdAt: now,
        editedAt: null,
        deletedAt: null,
        changedAt: now,
        replyTo: null,
        mentions: [],
        reactions: [],
        searchTerms: [],
        ...send.extra,
      } as MessageRecord;
      numbered.push({ waiting, record, conversation });
    };
    // One conversation was asked with findOneAndUpdate, which answers for itself: a refusal is final.
    // Several were asked in one bulk write and read back: a missing grant may only have been pushed
    // out of the conversation's recent grants meanwhile (another instance's batches, a pause), so it
    // is asked again. A single message's refusal is final only in the first case.
    const refusalIsFinal = byConversation.size === 1;
    for (const [key, group] of byConversation) {
      const grant = grants.get(key);
      if (grant) group.forEach((waiting, index) => place(waiting, grant.firstSeq + index, grant.conversation));
      else await this.numberOneByOne(group, `${batchId}.${key}`, now, place, refusalIsFinal);
    }
    return numbered;
  }

  /** The refused conversation's sends, each asked for its own number, one after another (send order). */
  private async numberOneByOne(
    group: WaitingSend[],
    batchId: string,
    now: Date,
    place: (waiting: WaitingSend, seq: number, conversation: GrantedConversation) => void,
    refusalIsFinal: boolean,
  ): Promise<void> {
    for (const [index, waiting] of group.entries()) {
      const key = waiting.item.conversationId.toHexString();
      const askedAlready = refusalIsFinal && group.length === 1;
      const grant = askedAlready ? undefined : (await this.grants.grantSeqs([requestFor([waiting], now)], `${batchId}.${index}`)).get(key);
      if (grant) place(waiting, grant.firstSeq, grant.conversation);
      else waiting.reject(await this.access.explainSendRefusal(key, waiting.item.senderId.toHexString()));
    }
  }
}

/**
 * The grant a group of sends into one conversation needs: its size, who must be members, the
 * summary (its newest message, less the number) and each sender's last message in it.
 */
function requestFor(group: WaitingSend[], now: Date): SeqRequest {
  const members = new Map<string, Types.ObjectId>();
  const senders = new Map<string, { userId: Types.ObjectId; position: number; messageId: Types.ObjectId }>();
  group.forEach(({ item: send }, index) => {
    for (const id of [send.senderId, ...(send.mentionIds ?? [])]) members.set(id.toHexString(), id);
    senders.set(send.senderId.toHexString(), { userId: send.senderId, position: index + 1, messageId: send.id });
  });
  const { item: last } = group[group.length - 1];
  return {
    conversationId: group[0].item.conversationId,
    memberIds: [...members.values()],
    count: group.length,
    last: {
      _id: last.id,
      senderId: last.senderId,
      text: last.text,
      clientId: last.clientId,
      createdAt: now,
      editedAt: null,
      deletedAt: null,
      replyTo: last.extra?.replyTo ?? null,
      mentions: last.extra?.mentions ?? [],
      reactions: [],
    },
    senders: [...senders.values()],
    at: now,
  };
}

function groupBy<T>(items: T[], key: (item: T) => string): Map<string, T[]> {
  const groups = new Map<string, T[]>();
  for (const item of items) {
    const k = key(item);
    const group = groups.get(k);
    if (group) group.push(item);
    else groups.set(k, [item]);
  }
  return groups;
}
