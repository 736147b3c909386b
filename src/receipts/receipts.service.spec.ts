import { BadRequestException, NotFoundException } from '@nestjs/common';
import { Types } from 'mongoose';
import { StrictMock, strictMock } from '../../test/helpers/strict-mock';
import type { DomainEvents } from '../common/domain-events';
import type { MembershipRecord } from '../conversations/conversations.repository';
import type { ConversationsService, MemberConversation } from '../conversations/conversations.service';
import type { MessageRecord, MessagesRepository } from '../messages/messages.repository';
import { ReceiptsService } from './receipts.service';

const reader = new Types.ObjectId().toHexString();
const sender = new Types.ObjectId().toHexString();
const conversationId = new Types.ObjectId().toHexString();

function conversation(seq: number): MemberConversation {
  return { id: conversationId, type: 'direct', seq, lastMessageSeq: seq, memberIds: [sender, reader], sentUpTo: {} };
}

function message(seq: number, inConversation = conversationId): MessageRecord {
  const at = new Date('2026-01-01T00:00:00.000Z');
  return {
    _id: new Types.ObjectId(), conversationId: new Types.ObjectId(inConversation), seq, senderId: new Types.ObjectId(sender),
    text: `m${seq}`, clientId: null, createdAt: at, editedAt: null, deletedAt: null, changedAt: at,
    replyTo: null, mentions: [], reactions: [], searchTerms: [],
  };
}

describe('ReceiptsService', () => {
  let sut: ReceiptsService;
  let messages: StrictMock<MessagesRepository>;
  let conversations: StrictMock<ConversationsService>;
  let events: StrictMock<DomainEvents>;

  beforeEach(() => {
    messages = strictMock<MessagesRepository>('MessagesRepository', ['findById', 'recordReceipt']);
    conversations = strictMock<ConversationsService>('ConversationsService', ['requireMember', 'advanceMarks', 'findMembership']);
    events = strictMock<DomainEvents>('DomainEvents', ['publish']);
    sut = new ReceiptsService(messages as unknown as MessagesRepository, conversations as unknown as ConversationsService, events as unknown as DomainEvents);
  });

  describe('markRead', () => {
    it('moves read and delivered in one go, records both moves, publishes both receipts, answers the contract body', async () => {
      const target = message(7);
      conversations.requireMember.mockResolvedValueOnce(conversation(10));
      messages.findById.mockResolvedValueOnce(target);
      conversations.advanceMarks.mockResolvedValueOnce(new Set(['read', 'delivered']));
      messages.recordReceipt.mockResolvedValue(undefined);
      events.publish.mockImplementation(() => undefined);

      const answer = await sut.markRead(reader, conversationId, target._id.toHexString());

      expect(answer).toEqual({ conversationId, userId: reader, readUpTo: target._id.toHexString(), unreadCount: 3 });
      expect(conversations.requireMember).toHaveBeenCalledWith(conversationId, reader);
      expect(conversations.advanceMarks.mock.calls.map((call) => call.slice(0, 4))).toEqual([[conversationId, reader, ['read', 'delivered'], 7]]);
      expect(messages.recordReceipt.mock.calls.map(([event]) => [event.type, event.seq, event.userId.toHexString()])).toEqual([
        ['read', 7, reader],
        ['delivered', 7, reader],
      ]);
      expect(events.publish).toHaveBeenCalledTimes(2);
      expect(events.publish).toHaveBeenCalledWith('receipt.moved', {
        receipt: { conversationId, userId: reader, type: 'read', messageId: target._id.toHexString(), at: expect.any(String) },
        recipientIds: [sender, reader],
      });
    });

    it('only the delivered mark moved (read was already there): records and publishes only that; answers the current read mark', async () => {
      const target = message(4);
      const readUpToId = new Types.ObjectId();
      conversations.requireMember.mockResolvedValueOnce(conversation(10));
      messages.findById.mockResolvedValueOnce(target);
      conversations.advanceMarks.mockResolvedValueOnce(new Set(['delivered']));
      messages.recordReceipt.mockResolvedValueOnce(undefined);
      events.publish.mockImplementationOnce(() => undefined);
      conversations.findMembership.mockResolvedValueOnce({ readUpToSeq: 6, readUpToId } as MembershipRecord);

      const answer = await sut.markRead(reader, conversationId, target._id.toHexString());

      expect(answer).toEqual({ conversationId, userId: reader, readUpTo: readUpToId.toHexString(), unreadCount: 4 });
      expect(messages.recordReceipt).toHaveBeenCalledTimes(1);
      expect(messages.recordReceipt.mock.calls[0][0].type).toBe('delivered');
      expect(events.publish.mock.calls[0][1]).toMatchObject({ receipt: { type: 'delivered' } });
    });

    it('an older or equal message is a no-op: no receipt recorded, nothing published', async () => {
      const target = message(2);
      const readUpToId = new Types.ObjectId();
      conversations.requireMember.mockResolvedValueOnce(conversation(5));
      messages.findById.mockResolvedValueOnce(target);
      conversations.advanceMarks.mockResolvedValueOnce(new Set());
      conversations.findMembership.mockResolvedValueOnce({ readUpToSeq: 5, readUpToId } as MembershipRecord);

      const answer = await sut.markRead(reader, conversationId, target._id.toHexString());

      expect(answer).toEqual({ conversationId, userId: reader, readUpTo: readUpToId.toHexString(), unreadCount: 0 });
      expect(messages.recordReceipt).not.toHaveBeenCalled();
      expect(events.publish).not.toHaveBeenCalled();
    });

    it('a message of another conversation is a 400 and moves nothing', async () => {
      const foreign = message(3, new Types.ObjectId().toHexString());
      conversations.requireMember.mockResolvedValueOnce(conversation(5));
      messages.findById.mockResolvedValueOnce(foreign);

      await expect(sut.markRead(reader, conversationId, foreign._id.toHexString())).rejects.toBeInstanceOf(BadRequestException);
      expect(conversations.advanceMarks).not.toHaveBeenCalled();
    });

    it('an unknown message is a 404', async () => {
      conversations.requireMember.mockResolvedValueOnce(conversation(5));
      messages.findById.mockResolvedValueOnce(null);
      await expect(sut.markRead(reader, conversationId, new Types.ObjectId().toHexString())).rejects.toBeInstanceOf(NotFoundException);
    });

    it('a non-member gets the membership check\'s 404 and nothing moves', async () => {
      conversations.requireMember.mockRejectedValueOnce(new NotFoundException('Conversation not found'));
      messages.findById.mockResolvedValueOnce(message(1));
      await expect(sut.markRead(reader, conversationId, new Types.ObjectId().toHexString())).rejects.toBeInstanceOf(NotFoundException);
      expect(conversations.advanceMarks).not.toHaveBeenCalled();
    });

    it('malformed ids are a 400 before any database work', async () => {
      await expect(sut.markRead(reader, 'not-an-id', new Types.ObjectId().toHexString())).rejects.toBeInstanceOf(BadRequestException);
      await expect(sut.markRead(reader, conversationId, 'nope')).rejects.toBeInstanceOf(BadRequestException);
    });
  });

  describe('markDelivered', () => {
    it('moves only the delivered mark and answers the contract body', async () => {
      const target = message(3);
      conversations.requireMember.mockResolvedValueOnce(conversation(3));
      messages.findById.mockResolvedValueOnce(target);
      conversations.advanceMarks.mockResolvedValueOnce(new Set(['delivered']));
      messages.recordReceipt.mockResolvedValueOnce(undefined);
      events.publish.mockImplementationOnce(() => undefined);

      const answer = await sut.markDelivered(reader, conversationId, target._id.toHexString());

      expect(answer).toEqual({ conversationId, userId: reader, deliveredUpTo: target._id.toHexString() });
      expect(conversations.advanceMarks).toHaveBeenCalledTimes(1);
      expect(conversations.advanceMarks.mock.calls[0].slice(0, 4)).toEqual([conversationId, reader, ['delivered'], 3]);
    });

    it('a no-op answers the current mark (null when there is none yet)', async () => {
      const target = message(3);
      conversations.requireMember.mockResolvedValueOnce(conversation(3));
      messages.findById.mockResolvedValueOnce(target);
      conversations.advanceMarks.mockResolvedValueOnce(new Set());
      conversations.findMembership.mockResolvedValueOnce({ deliveredUpToId: null } as MembershipRecord);

      expect(await sut.markDelivered(reader, conversationId, target._id.toHexString())).toEqual({ conversationId, userId: reader, deliveredUpTo: null });
      expect(events.publish).not.toHaveBeenCalled();
    });
  });
});
