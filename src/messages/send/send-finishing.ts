import { Injectable, Logger } from '@nestjs/common';
import type { Types } from 'mongoose';
import { DomainEvents } from '../../common/domain-events';
import type { LogContext } from '../../common/logging/log-context';
import { runInLogContext } from '../../common/logging/log-context';
import { ConversationAccess } from '../../conversations/conversation-access';
import { ConversationsRepository } from '../../conversations/conversations.repository';
import { ConversationsService } from '../../conversations/conversations.service';
import { toMessageResponse } from '../../conversations/message-snapshot';
import type { MemberMarks } from '../../receipts/read-state';
import type { MessageRecord } from '../messages.repository';
import { MessagesRepository } from '../messages.repository';
import type { WaitingSend } from './pending-send';
import { SeqGrantsRepository } from './seq-grants.repository';

/**
 * What follows a send batch's insert: `message.created` for each stored message, the list summaries
 * put back after messages that were not stored, the replay of retried sends, the mentions recorded,
 * and the answers to sends the primary key refused as duplicates. Each step settles its own failures.
 */
@Injectable()
export class SendFinishing {
  // The send path's lines keep the one context they always had (operators search by it).
  private readonly logger = new Logger('SendBatcher');

  constructor(
    private readonly messages: MessagesRepository,
    private readonly grants: SeqGrantsRepository,
    private readonly conversations: ConversationsService,
    private readonly conversationsRepository: ConversationsRepository,
    private readonly access: ConversationAccess,
    private readonly events: DomainEvents,
  ) {}

  /**
   * Publishes `message.created` for a stored message to `recipientIds`, in the sender's log context
   * (`origin`: what announcing logs, an emit that failed, carries its request or socket id). Never
   * throws: announcing follows a durable write and must not fail it.
   */
  announce(origin: LogContext | undefined, record: MessageRecord, recipientIds: string[]): void {
    runInLogContext(origin, () => {
      try {
        this.events.publish('message.created', { message: toMessageResponse(record, record.conversationId, 'sent'), recipientIds });
      } catch (error) {
        this.logger.error({ err: error, messageId: record._id.toHexString() }, 'Could not announce a stored message');
      }
    });
  }

  /**
   * Messages whose grant wrote the list summary but which were not stored: where the summary still
   * shows one of them, it goes back to the newest stored message. Best effort, never rejects: the
   * sender was told of the failure, and its retry (same id, same text) or the next send writes the
   * summary again.
   */
  async restoreSummaries(records: MessageRecord[]): Promise<void> {
    const newestFailed = new Map<string, MessageRecord>();
    for (const record of records) {
      const key = record.conversationId.toHexString();
      if ((newestFailed.get(key)?.seq ?? 0) < record.seq) newestFailed.set(key, record);
    }
    await Promise.all(
      [...newestFailed.values()].map(async (record) => {
        try {
          const [newest] = await this.messages.pageBefore(record.conversationId.toHexString(), record.seq, 1);
          await this.grants.restoreSummary(record.conversationId, record.seq, newest ?? null);
        } catch (error) {
          this.logger.warn({ err: error, conversationId: record.conversationId.toHexString() }, 'Could not restore a list summary after a failed send');
        }
      }),
    );
  }

  /**
   * Retries of stored messages. A retry means the sender never got its answer: the instance that
   * stored the message may have died before announcing it or recording its mentions (its summary
   * and marks were written with its number, before it was stored). So it is announced again to the
   * current members (clients merge by id) and its mentions are recorded again (a no-op when they
   * were), then the sender gets the stored message. A sender no longer a member of the conversation
   * gets 404 instead, and nothing is replayed for it: the message as it is now is no longer its to
   * read. Never rejects: the message is stored whatever happens here.
   */
  async replayRetried(retried: { waiting: WaitingSend; record: MessageRecord }[]): Promise<void> {
    const answerable = await this.currentMembersOnly(retried);
    const live = answerable.filter(({ record }) => !record.deletedAt);
    try {
      for (const { waiting, record, marks } of live)
        this.announce(
          waiting.origin,
          record,
          marks.map((member) => member.userId.toHexString()),
        );
      await this.recordMentions(live.map(({ record }) => record));
    } catch (error) {
      this.logger.warn({ err: error, messages: live.length }, 'Could not replay retried sends (they are stored)');
    }
    for (const { waiting, record, marks } of answerable) waiting.resolve({ created: false, record, marks });
  }

  /**
   * The stored messages whose senders may still read them (current members of their conversations:
   * `ConversationAccess.storedSendRefusal`), each with its conversation's current marks, read for all
   * of them at once; the other sends fail with the refusal. If the marks cannot be read, every send
   * fails with that error (who may read the messages is unknown).
   */
  private async currentMembersOnly(stored: { waiting: WaitingSend; record: MessageRecord }[]): Promise<{ waiting: WaitingSend; record: MessageRecord; marks: MemberMarks[] }[]> {
    if (stored.length === 0) return [];
    let members: Map<string, MemberMarks[]>;
    try {
      members = await this.conversations.marksOf([...new Map(stored.map(({ record }) => [record.conversationId.toHexString(), record.conversationId])).values()]);
    } catch (error) {
      for (const { waiting } of stored) waiting.reject(error);
      return [];
    }
    const answerable: { waiting: WaitingSend; record: MessageRecord; marks: MemberMarks[] }[] = [];
    for (const { waiting, record } of stored) {
      const marks = members.get(record.conversationId.toHexString()) ?? [];
      const refusal = this.access.storedSendRefusal(
        marks.map((member) => member.userId),
        record.senderId,
      );
      if (refusal) waiting.reject(refusal);
      else answerable.push({ waiting, record, marks });
    }
    return answerable;
  }

  /** The stored messages' mentions: each mentioned member (the sender excluded) counts them, in one bulk update. */
  async recordMentions(records: MessageRecord[]): Promise<void> {
    const mentions = records
      .map((record) => ({ conversationId: record.conversationId, seq: record.seq, userIds: mentionedOthers(record) }))
      .filter((mention) => mention.userIds.length > 0);
    if (mentions.length > 0) await this.conversationsRepository.recordMentions(mentions);
  }

  /**
   * Sends refused by the primary key (a retry racing its twin past the look-up): the stored message,
   * while the sender may still read it (as for a retry found by the look-up).
   */
  async answerDuplicates(duplicates: WaitingSend[]): Promise<void> {
    if (duplicates.length === 0) return;
    const found = await this.messages.findByIds(duplicates.map(({ item }) => item.id)).catch((error: unknown) => {
      for (const waiting of duplicates) waiting.reject(error);
      return null;
    });
    if (!found) return;
    const stored = new Map(found.map((record) => [record._id.toHexString(), record]));
    const readBack: { waiting: WaitingSend; record: MessageRecord }[] = [];
    for (const waiting of duplicates) {
      const record = stored.get(waiting.item.id.toHexString());
      if (record) readBack.push({ waiting, record });
      else waiting.reject(new Error('A duplicate message could not be read back'));
    }
    for (const { waiting, record, marks } of await this.currentMembersOnly(readBack)) waiting.resolve({ created: false, record, marks });
  }
}

/** The users a message mentions, less its sender: they count it as a mention. */
export function mentionedOthers(record: MessageRecord): Types.ObjectId[] {
  return (record.mentions ?? []).filter((userId) => !userId.equals(record.senderId));
}
