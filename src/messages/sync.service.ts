import { BadRequestException, GoneException, Injectable } from '@nestjs/common';
import { Types } from 'mongoose';
import { isObjectId } from '../common/object-id';
import { AppConfig } from '../config/app-config';
import { afterPosition } from '../database/query-helpers';
import { ConversationsService } from '../conversations/conversations.service';
import { messageStatus, toMessageResponse } from '../conversations/message-view';
import { BlocksService } from '../users/blocks.service';
import { UsersService } from '../users/users.service';
import type { ReceiptResponse } from './message.response';
import { MessagesRepository } from './messages.repository';
import type { BlockChangeResponse, SyncResponse } from './sync.response';

/** How many changes of each kind one sync answer holds at most. */
const PAGE = 100;

interface Position {
  at: Date;
  id: Types.ObjectId | null;
}

/**
 * The cursor: when it was issued and, per stream (messages, receipts, conversations), the position
 * read up to. A stream read to its end restarts SYNC_OVERLAP before "now", so a write that was in
 * flight when the cursor was issued is still seen next time (at worst twice; clients merge by id).
 */
interface Cursor {
  issuedAt: number;
  messages: Position;
  receipts: Position;
  conversations: Position;
  /** Blocks and unblocks involving the caller (either side). */
  blocks: Position;
}

/** Catch-up after being offline: every change in the caller's conversations since a cursor. */
@Injectable()
export class SyncService {
  constructor(
    private readonly messages: MessagesRepository,
    private readonly conversations: ConversationsService,
    private readonly config: AppConfig,
    private readonly blocks: BlocksService,
    private readonly users: UsersService,
  ) {}

  async sync(userId: string, since: string | undefined): Promise<SyncResponse> {
    const now = Date.now();
    const restart: Position = { at: new Date(now - this.config.syncOverlapMs), id: null };
    if (since === undefined) {
      return {
        messages: [], receipts: [], conversations: [], blocks: [], presence: [], hasMore: false,
        cursor: encode({ issuedAt: now, messages: restart, receipts: restart, conversations: restart, blocks: restart }),
      };
    }
    const cursor = decode(since);
    if (now - cursor.issuedAt > this.config.syncMaxAgeMs) {
      throw new GoneException('This cursor is too old to catch up from: reload your conversations and start a new sync');
    }
    const oldest = new Date(Math.min(cursor.messages.at.getTime(), cursor.receipts.at.getTime(), cursor.conversations.at.getTime(), cursor.blocks.at.getTime()));
    const { active, left } = await this.conversations.conversationIdsForSync(userId, oldest);

    const [messageRecords, markRecords, conversationChanges, blockRecords] = await Promise.all([
      active.length ? this.messages.findChangedSince(active, afterPosition('changedAt', cursor.messages), PAGE + 1) : [],
      active.length ? this.conversations.findMarksChangedSince(active, cursor.receipts, PAGE + 1) : [],
      active.length + left.length ? this.conversations.findChangedSince(userId, [...active, ...left], cursor.conversations, PAGE + 1) : [],
      this.blocks.changedSince(userId, cursor.blocks, PAGE + 1),
    ]);

    const messagePage = messageRecords.slice(0, PAGE);
    const marks = messagePage.length ? await this.conversations.marksOf([...new Set(messagePage.map((m) => m.conversationId.toHexString()))].map((id) => new Types.ObjectId(id))) : new Map();
    const messages = messagePage.map((record) =>
      toMessageResponse(record, record.conversationId, messageStatus(record, marks.get(record.conversationId.toHexString()) ?? [])),
    );

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
    const next = (records: { changedAt: Date; _id: Types.ObjectId }[], page: { changedAt: Date; _id: Types.ObjectId }[]): Position => {
      if (records.length <= PAGE) return restart;
      const last = page[page.length - 1];
      return { at: last.changedAt, id: last._id };
    };
    return {
      messages,
      receipts,
      conversations: conversationPage.map((change) => change.response),
      blocks,
      presence,
      hasMore: messageRecords.length > PAGE || markRecords.length > PAGE || conversationChanges.length > PAGE || blockRecords.length > PAGE,
      cursor: encode({
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
}

function encode(cursor: Cursor): string {
  const position = (p: Position) => [p.at.getTime(), p.id ? p.id.toHexString() : null];
  return Buffer.from(
    JSON.stringify({ v: 1, i: cursor.issuedAt, m: position(cursor.messages), r: position(cursor.receipts), c: position(cursor.conversations), b: position(cursor.blocks) }),
  ).toString('base64url');
}

const MALFORMED = 'since is not a valid sync cursor';

function decode(text: string): Cursor {
  let raw: unknown;
  try {
    raw = JSON.parse(Buffer.from(text, 'base64url').toString('utf8'));
  } catch {
    throw new BadRequestException(MALFORMED);
  }
  const record = raw as { v?: unknown; i?: unknown; m?: unknown; r?: unknown; c?: unknown; b?: unknown };
  if (!record || typeof record !== 'object' || record.v !== 1 || !isTime(record.i) || record.i > Date.now() + 60_000) {
    throw new BadRequestException(MALFORMED);
  }
  const conversations = toPosition(record.c);
  // Cursors issued before blocks were synced have no `b`: their block stream starts where conversations do.
  const blocks = record.b === undefined ? conversations : toPosition(record.b);
  return { issuedAt: record.i, messages: toPosition(record.m), receipts: toPosition(record.r), conversations, blocks };
}

function isTime(value: unknown): value is number {
  return typeof value === 'number' && Number.isInteger(value) && value >= 0;
}

function toPosition(value: unknown): Position {
  if (!Array.isArray(value) || value.length !== 2 || !isTime(value[0]) || (value[1] !== null && !isObjectId(value[1]))) {
    throw new BadRequestException(MALFORMED);
  }
  return { at: new Date(value[0]), id: value[1] === null ? null : new Types.ObjectId(value[1] as string) };
}
