import { Injectable, Logger } from '@nestjs/common';
import type { Types } from 'mongoose';
import { DomainEvents } from '../../common/domain-events';
import type { LogContext } from '../../common/logging/log-context';
import { runInLogContext } from '../../common/logging/log-context';
import { ConversationsRepository } from '../../conversations/conversations.repository';
import { ConversationsService } from '../../conversations/conversations.service';
import { toMessageResponse } from '../../conversations/message-snapshot';
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
   * were), then the sender gets the stored message. Never rejects: the message is stored whatever
   * happens here.
   */
  async replayRetried(retried: { waiting: WaitingSend; record: MessageRecord }[]): Promise<void> {
    if (retried.length === 0) return;
    const live = retried.filter(({ record }) => !record.deletedAt);
    try {
      const members = await this.conversations.marksOf([...new Map(live.map(({ record }) => [record.conversationId.toHexString(), record.conversationId])).values()]);
      for (const { waiting, record } of live) {
        const recipientIds = (members.get(record.conversationId.toHexString()) ?? []).map((member) => member.userId.toHexString());
        // A sender no longer a member is not told of it again, nor is anyone else.
        if (recipientIds.includes(record.senderId.toHexString())) this.announce(waiting.origin, record, recipientIds);
      }
      await this.recordMentions(live.map(({ record }) => record));
    } catch (error) {
      this.logger.warn({ err: error, messages: retried.length }, 'Could not replay retried sends (they are stored)');
    }
    for (const { waiting, record } of retried) waiting.resolve({ created: false, record });
  }

  /** The stored messages' mentions: each mentioned member (the sender excluded) counts them, in one bulk update. */
  async recordMentions(records: MessageRecord[]): Promise<void> {
    const mentions = records
      .map((record) => ({ conversationId: record.conversationId, seq: record.seq, userIds: mentionedOthers(record) }))
      .filter((mention) => mention.userIds.length > 0);
    if (mentions.length > 0) await this.conversationsRepository.recordMentions(mentions);
  }

  /** Sends refused by the primary key (a retry racing its twin past the look-up): the stored message. */
  async answerDuplicates(duplicates: WaitingSend[]): Promise<void> {
    if (duplicates.length === 0) return;
    const found = await this.messages.findByIds(duplicates.map(({ item }) => item.id)).catch((error: unknown) => {
      for (const waiting of duplicates) waiting.reject(error);
      return null;
    });
    if (!found) return;
    const stored = new Map(found.map((record) => [record._id.toHexString(), record]));
    for (const waiting of duplicates) {
      const record = stored.get(waiting.item.id.toHexString());
      if (record) waiting.resolve({ created: false, record });
      else waiting.reject(new Error('A duplicate message could not be read back'));
    }
  }
}

/** The users a message mentions, less its sender: they count it as a mention. */
export function mentionedOthers(record: MessageRecord): Types.ObjectId[] {
  return (record.mentions ?? []).filter((userId) => !userId.equals(record.senderId));
}
