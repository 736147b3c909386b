import { BadRequestException, NotFoundException } from '@nestjs/common';
import { messageRecord } from '../../test/factories/message.factory';
import { Types } from 'mongoose';
import { StrictMock, strictMock } from '../../test/helpers/strict-mock';
import type { ConversationAccess } from '../conversations/conversation-access';
import type { ConversationsService } from '../conversations/conversations.service';
import { MessageSearchService } from './message-search.service';
import type { MessageRecord, MessagesRepository } from './messages.repository';

const me = new Types.ObjectId().toHexString();
const mine = new Types.ObjectId();
const notMine = new Types.ObjectId();

function record(conversationId: Types.ObjectId, text: string): MessageRecord {
  return messageRecord({ conversationId, senderId: me, seq: 1, text });
}

describe('MessageSearchService', () => {
  let sut: MessageSearchService;
  let messages: StrictMock<MessagesRepository>;
  let conversations: StrictMock<ConversationsService>;
  let access: StrictMock<ConversationAccess>;

  beforeEach(() => {
    messages = strictMock<MessagesRepository>('MessagesRepository', ['search', 'findById']);
    conversations = strictMock<ConversationsService>('ConversationsService', ['marksOf']);
    access = strictMock<ConversationAccess>('ConversationAccess', ['readableConversationIds', 'requireMember']);
    sut = new MessageSearchService(messages as unknown as MessagesRepository, conversations as unknown as ConversationsService, access as unknown as ConversationAccess);
  });

  it.each(['the', 'and of THE', '... !!!', '— “” ?'])('%j (only stop words or punctuation) is a 400 before any database work', async (q) => {
    await expect(sut.search(me, { q, limit: 20 })).rejects.toBeInstanceOf(BadRequestException);
  });

  it("searches the caller's current conversations for every word's stem, newest first, and reports hasMore from one extra row", async () => {
    access.readableConversationIds.mockResolvedValueOnce([mine]);
    messages.search.mockResolvedValueOnce([record(mine, 'cats running'), record(mine, 'cat runs'), record(mine, 'cat run')]);
    conversations.marksOf.mockResolvedValueOnce(new Map());
    const page = await sut.search(me, { q: 'The Cats RUNNING', limit: 2 });
    expect(messages.search).toHaveBeenCalledWith({ words: ['cats', 'running'], terms: ['cat', 'run'], conversationIds: [mine], before: null, limit: 3 });
    expect(page.items.map((m) => m.text)).toEqual(['cats running', 'cat runs']);
    expect(page.hasMore).toBe(true);
  });

  it("a cursor outside the searched conversations is a 400; a conversation that is not the caller's a 404", async () => {
    access.readableConversationIds.mockResolvedValueOnce([mine]);
    messages.findById.mockResolvedValueOnce(record(notMine, 'secret'));
    await expect(sut.search(me, { q: 'secret', before: new Types.ObjectId().toHexString(), limit: 20 })).rejects.toBeInstanceOf(BadRequestException);
    access.requireMember.mockRejectedValueOnce(new NotFoundException('Conversation not found'));
    await expect(sut.search(me, { q: 'secret', conversationId: notMine.toHexString(), limit: 20 })).rejects.toBeInstanceOf(NotFoundException);
    expect(messages.search).not.toHaveBeenCalled();
  });

  it('a caller in no conversation gets an empty page without a search', async () => {
    access.readableConversationIds.mockResolvedValueOnce([]);
    await expect(sut.search(me, { q: 'anything', limit: 20 })).resolves.toEqual({ items: [], hasMore: false });
  });
});
