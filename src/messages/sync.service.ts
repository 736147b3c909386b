import { GoneException, Injectable } from '@nestjs/common';
import { Types } from 'mongoose';
import { AppConfig } from '../config/app-config';
import { ConversationAccess } from '../conversations/conversation-access';
import { ConversationsRepository } from '../conversations/conversations.repository';
import { ConversationsService } from '../conversations/conversations.service';
import { toMessageResponse } from '../conversations/message-snapshot';
import { messageStatus } from '../receipts/read-state';
import type { ReceiptResponse } from '../receipts/receipts.response';
import { MessagesRepository } from './messages.repository';
import { BlocksService } from '../users/blocks.service';
import { UsersService } from '../users/users.service';
import { SyncCursorCodec, syncCursorKey, type SyncCursor, type SyncPosition } from './sync-cursor';
import type { BlockChangeResponse, SyncResponse } from './sync.response';

/** How many changes of each kind one sync answer holds at most. */
const PAGE = 100;

/**
 * Catch-up after being offline: every change in the caller's conversations since a cursor, each
 * one made while the caller was a member. A stream read to its end restarts SYNC_OVERLAP before
 * "now", so a write that was in flight when the cursor was issued is still seen next time (at
 * worst twice; clients merge by id).
 */
@Injectable()
export class SyncService {
  private readonly cursors: SyncCursorCodec;

  constructor(
    private readonly messages: MessagesRepository,
    private readonly conversations: ConversationsService,
    private readonly access: ConversationAccess,
    private readonly memberships: ConversationsRepository,
    private readonly config: AppConfig,
    private readonly blocks: BlocksService,
    private readonly users: UsersService,
  ) {
    this.cursors = new SyncCursorCodec(syncCursorKey(config.jwtKey));
  }

  /**
   * A cursor for every change since `at` (less the overlap), for anyone: what `sync:required` hands
   * out after a Redis outage. A client that has been connected since before `at` got every event up
   * to then, so catching up from here (rather than from its own, older cursor) misses nothing and
   * reads only the outage's changes. Cursors name positions, not users: each sync still reads only
   * the caller's own conversations.
   */
  cursorSince(at: Date): string {
    const position: SyncPosition = { at: new Date(at.getTime() - this.config.syncOverlapMs), id: null };
    return this.cursors.encode({ issuedAt: Date.now(), messages: position, receipts: position, conversations: position, blocks: position });
  }

  async sync(userId: string, since: string | undefined): Promise<SyncResponse> {
    const now = Date.now();
    const restart: SyncPosition = { at: new Date(now - this.config.syncOverlapMs), id: null };
    if (since === undefined) {
      const cursor = this.cursors.encode({ issuedAt: now, messages: restart, receipts: restart, conversations: restart, blocks: restart });
      return { messages: [], receipts: [], conversations: [], removed: [], blocks: [], presence: [], hasMore: false, cursor };
    }
    const cursor = this.clamp(this.cursors.decode(since), now);
    const oldest = new Date(Math.min(cursor.messages.at.getTime(), cursor.receipts.at.getTime(), cursor.conversations.at.getTime(), cursor.blocks.at.getTime()));
    const { active, left } = await this.access.syncScope(userId, oldest);

    const [messageRecords, markRecords, conversationChanges, blockRecords] = await Promise.all([
      active.length ? this.messages.findChangedSince(active, cursor.messages, PAGE + 1) : [],
      active.length ? this.memberships.findMarksChangedSince(active, cursor.receipts, PAGE + 1) : [],
      active.length ? this.conversations.findChangedSince(userId, active, cursor.conversations, PAGE + 1) : [],
      this.blocks.changedSince(userId, cursor.blocks, PAGE + 1),
    ]);

    const messagePage = messageRecords.slice(0, PAGE);
    const marks = messagePage.length
      ? await this.conversations.marksOf([...new Set(messagePage.map((m) => m.conversationId.toHexString()))].map((id) => new Types.ObjectId(id)))
      : new Map<string, never[]>();
    const messages = messagePage.map((record) => toMessageResponse(record, record.conversationId, messageStatus(record, marks.get(record.conversationId.toHexString()) ?? [])));

    const markPage = markRecords.slice(0, PAGE);
    const receipts: ReceiptResponse[] = [];
    for (const membership of markPage) {
      if (membership.removedAt) continue;
      const base = { conversationId: membership.conversationId.toHexString(), userId: membership.userId.toHexString() };
      if (membership.deliveredUpToId && membership.deliveredAt) {
        receipts.push({ ...base, type: 'delivered', messageId: membership.deliveredUpToId.toHexString(), at: membership.deliveredAt.toISOString() });
      }
      if (membership.readUpToId && membership.readAt) {
        receipts.push({ ...base, type: 'read', messageId: membership.readUpToId.toHexString(), at: membership.readAt.toISOString() });
      }
    }

    // Block effects: the caller's own block list, and the presence of everyone a block or unblock
    // (by either side) changed for the caller, as the caller may see it now.
    const blockPage = blockRecords.slice(0, PAGE);
    const blocks: BlockChangeResponse[] = blockPage
      .filter((block) => block.blockerId.equals(userId))
      .map((block) => ({ userId: block.blockedId.toHexString(), blocked: block.active, at: block.changedAt.toISOString() }));
    const others = [...new Set(blockPage.map((block) => (block.blockerId.equals(userId) ? block.blockedId : block.blockerId).toHexString()))];
    const presence = others.length ? await this.users.presenceOf(userId, others) : [];

    const conversationPage = conversationChanges.slice(0, PAGE);
    const next = (records: { changedAt: Date; _id: Types.ObjectId }[], page: { changedAt: Date; _id: Types.ObjectId }[]): SyncPosition => {
      if (records.length <= PAGE) return restart;
      const last = page[page.length - 1];
      return { at: last.changedAt, id: last._id };
    };
    return {
      messages,
      receipts,
      conversations: conversationPage.map((change) => change.response),
      // Left since the conversation stream's position: the id alone, nothing of what happened after.
      removed: left.filter((entry) => entry.removedAt >= cursor.conversations.at).map((entry) => entry.conversationId.toHexString()),
      blocks,
      presence,
      hasMore: messageRecords.length > PAGE || markRecords.length > PAGE || conversationChanges.length > PAGE || blockRecords.length > PAGE,
      cursor: this.cursors.encode({
        issuedAt: now,
        messages: next(messageRecords, messagePage),
        receipts: next(markRecords, markPage),
        conversations: next(
          conversationChanges.map((change) => change.record),
          conversationPage.map((change) => change.record),
        ),
        blocks: next(blockRecords, blockPage),
      }),
    };
  }

  /** 410 past the retention window; no position reaches further back than it, whatever the cursor says. */
  private clamp(cursor: SyncCursor, now: number): SyncCursor {
    if (now - cursor.issuedAt > this.config.syncMaxAgeMs) {
      throw new GoneException('This cursor is too old to catch up from: reload your conversations and start a new sync');
    }
    const floor = now - this.config.syncMaxAgeMs;
    const clamped = (position: SyncPosition): SyncPosition => (position.at.getTime() >= floor ? position : { at: new Date(floor), id: null });
    return {
      ...cursor,
      messages: clamped(cursor.messages),
      receipts: clamped(cursor.receipts),
      conversations: clamped(cursor.conversations),
      blocks: clamped(cursor.blocks),
    };
  }
}
