import { BadRequestException, Injectable } from '@nestjs/common';
import { Types } from 'mongoose';
import { ConversationAccess } from '../conversations/conversation-access';
import { ConversationsService } from '../conversations/conversations.service';
import { toMessageResponse } from '../conversations/message-snapshot';
import { messageStatus } from '../receipts/read-state';
import type { SearchMessagesQuery } from './dto/search-messages.query';
import type { MessagePageResponse } from './message.response';
import { MessagesRepository } from './messages.repository';
import { searchWords, stemOf } from './search/search-terms';

/**
 * Message search: what the caller can read in history (its current conversations), nothing deleted,
 * newest first, paged by the last result (`before`).
 */
@Injectable()
export class MessageSearchService {
  constructor(
    private readonly messages: MessagesRepository,
    private readonly conversations: ConversationsService,
    private readonly access: ConversationAccess,
  ) {}

  async search(userId: string, query: SearchMessagesQuery): Promise<MessagePageResponse> {
    const words = [...new Set(searchWords(query.q))];
    if (words.length === 0) throw new BadRequestException('q must hold at least one word that is not a stop word ("the", "and", …) or punctuation');
    const conversationIds = query.conversationId
      ? [new Types.ObjectId((await this.access.requireMember(query.conversationId, userId)).id)]
      : await this.access.readableConversationIds(userId);
    let before: { createdAt: Date; id: Types.ObjectId } | null = null;
    if (query.before) {
      const cursor = await this.messages.findById(query.before);
      if (!cursor || !conversationIds.some((id) => id.equals(cursor.conversationId))) {
        throw new BadRequestException('before must be a message of the conversations searched');
      }
      before = { createdAt: cursor.createdAt, id: cursor._id };
    }
    if (conversationIds.length === 0) return { items: [], hasMore: false };
    const records = await this.messages.search({
      words,
      terms: [...new Set(words.map(stemOf))],
      conversationIds,
      before,
      limit: query.limit + 1,
    });
    const page = records.slice(0, query.limit);
    const marks = page.length
      ? await this.conversations.marksOf([...new Map(page.map((m) => [m.conversationId.toHexString(), m.conversationId])).values()])
      : new Map<string, never[]>();
    return {
      items: page.map((record) => toMessageResponse(record, record.conversationId, messageStatus(record, marks.get(record.conversationId.toHexString()) ?? []))),
      hasMore: records.length > query.limit,
    };
  }
}
