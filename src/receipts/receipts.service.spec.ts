import { BadRequestException, NotFoundException } from '@nestjs/common';
import { messageRecord } from '../../test/factories/message.factory';
import { Types } from 'mongoose';
import { StrictMock, strictMock } from '../../test/helpers/strict-mock';
import type { DomainEvents } from '../common/domain-events';
import { conversationRecord } from '../../test/factories/conversation.factory';
import { ConversationAccess } from '../conversations/conversation-access';
import type { ConversationRecord, ConversationsRepository, MembershipRecord } from '../conversations/conversations.repository';
import type { ConversationsService } from '../conversations/conversations.service';
import type { MessageRecord } from '../messages/messages.repository';
import type { BlocksService } from '../users/blocks.service';
import type { UsersService } from '../users/users.service';
import type { MemberMarks } from './read-state';
import type { ReceiptsRepository } from './receipts.repository';
import { ReceiptsService } from './receipts.service';

const reader = new Types.ObjectId().toHexString();
const sender = new Types.ObjectId().toHexString();
const conversationId = new Types.ObjectId().toHexString();

/** The stored direct conversation of sender and reader, as the access policy reads it. */
function conversation(seq: number): ConversationRecord {
  return conversationRecord({ id: conversationId, memberIds: [sender, reader], seq, lastMessageSeq: seq });
}

function message(seq: number, inConversation = conversationId): MessageRecord {
  return messageRecord({ conversationId: inConversation, senderId: sender, seq });
}

describe('ReceiptsService', () => {
  let sut: ReceiptsService;
  let messages: StrictMock<ReceiptsRepository>;
  /** The conversations and memberships: what the access policy reads, where the marks move. */
  let records: StrictMock<ConversationsRepository>;
  let conversations: StrictMock<ConversationsService>;
  let events: StrictMock<DomainEvents>;

  beforeEach(() => {
    messages = strictMock<ReceiptsRepository>('ReceiptsRepository', ['findMessage', 'recordReceipt', 'firstReceiptTimes', 'firstSentTimes']);
    records = strictMock<ConversationsRepository>('ConversationsRepository', ['findForMember', 'advanceMarks']);
    conversations = strictMock<ConversationsService>('ConversationsService', ['findMembership', 'marksOfConversation']);
    events = strictMock<DomainEvents>('DomainEvents', ['publish']);
    // The real access policy over the mocked records: its 404 is what the non-member cases check.
    const access = new ConversationAccess(records as unknown as ConversationsRepository, {} as UsersService, {} as BlocksService);
    sut = new ReceiptsService(
      messages as unknown as ReceiptsRepository,
      access,
      conversations as unknown as ConversationsService,
      records as unknown as ConversationsRepository,
      events as unknown as DomainEvents,
    );
  });

  describe('markRead', () => {
    it('moves read and delivered in one go, records both moves, publishes both receipts, answers the contract body', async () => {
      const target = message(7);
      records.findForMember.mockResolvedValueOnce(conversation(10));
      messages.findMessage.mockResolvedValueOnce(target);
      records.advanceMarks.mockResolvedValueOnce(new Set(['read', 'delivered']));
      messages.recordReceipt.mockResolvedValue(undefined);
      events.publish.mockImplementation(() => undefined);

      const answer = await sut.markRead(reader, conversationId, target._id.toHexString());

      expect(answer).toEqual({ conversationId, userId: reader, readUpTo: target._id.toHexString(), unreadCount: 3 });
      expect(records.findForMember).toHaveBeenCalledWith(conversationId, reader);
      expect(records.advanceMarks.mock.calls.map((call) => call.slice(0, 4))).toEqual([[conversationId, reader, ['read', 'delivered'], 7]]);
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
      records.findForMember.mockResolvedValueOnce(conversation(10));
      messages.findMessage.mockResolvedValueOnce(target);
      records.advanceMarks.mockResolvedValueOnce(new Set(['delivered']));
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
      records.findForMember.mockResolvedValueOnce(conversation(5));
      messages.findMessage.mockResolvedValueOnce(target);
      records.advanceMarks.mockResolvedValueOnce(new Set());
      conversations.findMembership.mockResolvedValueOnce({ readUpToSeq: 5, readUpToId } as MembershipRecord);

      const answer = await sut.markRead(reader, conversationId, target._id.toHexString());

      expect(answer).toEqual({ conversationId, userId: reader, readUpTo: readUpToId.toHexString(), unreadCount: 0 });
      expect(messages.recordReceipt).not.toHaveBeenCalled();
      expect(events.publish).not.toHaveBeenCalled();
    });

    it('a message of another conversation is a 400 and moves nothing', async () => {
      const foreign = message(3, new Types.ObjectId().toHexString());
      records.findForMember.mockResolvedValueOnce(conversation(5));
      messages.findMessage.mockResolvedValueOnce(foreign);

      await expect(sut.markRead(reader, conversationId, foreign._id.toHexString())).rejects.toBeInstanceOf(BadRequestException);
      expect(records.advanceMarks).not.toHaveBeenCalled();
    });

    it('an unknown message is a 404', async () => {
      records.findForMember.mockResolvedValueOnce(conversation(5));
      messages.findMessage.mockResolvedValueOnce(null);
      await expect(sut.markRead(reader, conversationId, new Types.ObjectId().toHexString())).rejects.toBeInstanceOf(NotFoundException);
    });

    it("a non-member gets the membership check's 404 and nothing moves", async () => {
      records.findForMember.mockResolvedValueOnce(null);
      messages.findMessage.mockResolvedValueOnce(message(1));
      await expect(sut.markRead(reader, conversationId, new Types.ObjectId().toHexString())).rejects.toBeInstanceOf(NotFoundException);
      expect(records.advanceMarks).not.toHaveBeenCalled();
    });

    it('malformed ids are a 400 before any database work', async () => {
      await expect(sut.markRead(reader, 'not-an-id', new Types.ObjectId().toHexString())).rejects.toBeInstanceOf(BadRequestException);
      await expect(sut.markRead(reader, conversationId, 'nope')).rejects.toBeInstanceOf(BadRequestException);
    });
  });

  describe('markDelivered', () => {
    it('moves only the delivered mark and answers the contract body', async () => {
      const target = message(3);
      records.findForMember.mockResolvedValueOnce(conversation(3));
      messages.findMessage.mockResolvedValueOnce(target);
      records.advanceMarks.mockResolvedValueOnce(new Set(['delivered']));
      messages.recordReceipt.mockResolvedValueOnce(undefined);
      events.publish.mockImplementationOnce(() => undefined);

      const answer = await sut.markDelivered(reader, conversationId, target._id.toHexString());

      expect(answer).toEqual({ conversationId, userId: reader, deliveredUpTo: target._id.toHexString() });
      expect(records.advanceMarks).toHaveBeenCalledTimes(1);
      expect(records.advanceMarks.mock.calls[0].slice(0, 4)).toEqual([conversationId, reader, ['delivered'], 3]);
    });

    it('a no-op answers the current mark (null when there is none yet)', async () => {
      const target = message(3);
      records.findForMember.mockResolvedValueOnce(conversation(3));
      messages.findMessage.mockResolvedValueOnce(target);
      records.advanceMarks.mockResolvedValueOnce(new Set());
      conversations.findMembership.mockResolvedValueOnce({ deliveredUpToId: null } as MembershipRecord);

      expect(await sut.markDelivered(reader, conversationId, target._id.toHexString())).toEqual({ conversationId, userId: reader, deliveredUpTo: null });
      expect(events.publish).not.toHaveBeenCalled();
    });
  });

  describe('receipts', () => {
    it("one row per other member; a mark that passed shows the earliest of its explicit mark and the member's own later message", async () => {
      const target = message(3);
      const third = new Types.ObjectId();
      const marked = new Date('2026-01-05T00:00:00.000Z');
      const replied = new Date('2026-01-04T00:00:00.000Z');
      messages.findMessage.mockResolvedValueOnce(target);
      records.findForMember.mockResolvedValueOnce(conversation(5));
      conversations.marksOfConversation.mockResolvedValueOnce([
        { userId: new Types.ObjectId(sender), readUpToSeq: 5, deliveredUpToSeq: 5 },
        { userId: new Types.ObjectId(reader), readUpToSeq: 2, deliveredUpToSeq: 3 },
        { userId: third, readUpToSeq: 4, deliveredUpToSeq: 4 },
      ]);
      // reader: delivered passed by an explicit mark only.
      messages.firstReceiptTimes.mockResolvedValueOnce(
        new Map([
          [`${reader}:delivered`, marked],
          [`${third.toHexString()}:delivered`, marked],
          [`${third.toHexString()}:read`, marked],
        ]),
      );
      messages.firstSentTimes.mockResolvedValueOnce(new Map([[third.toHexString(), replied]]));

      const rows = await sut.receipts(reader, target._id.toHexString());

      // One query each for every member at once, asked only of the members whose marks reached the message.
      expect(messages.firstReceiptTimes).toHaveBeenCalledTimes(1);
      expect(messages.firstReceiptTimes.mock.calls[0][1].map((id) => id.toHexString())).toEqual([reader, third.toHexString()]);
      expect(messages.firstSentTimes).toHaveBeenCalledTimes(1);

      expect(rows).toEqual([
        { userId: reader, deliveredAt: marked.toISOString(), readAt: null },
        { userId: third.toHexString(), deliveredAt: replied.toISOString(), readAt: replied.toISOString() },
      ]);
    });

    it('a mark set by joining after the message shows the time of joining', async () => {
      const target = message(1);
      const joinedAt = new Date('2026-01-09T00:00:00.000Z');
      messages.findMessage.mockResolvedValueOnce(target);
      records.findForMember.mockResolvedValueOnce(conversation(5));
      conversations.marksOfConversation.mockResolvedValueOnce([{ userId: new Types.ObjectId(reader), readUpToSeq: 1, deliveredUpToSeq: 1, joinedAt } as MemberMarks]);
      messages.firstReceiptTimes.mockResolvedValueOnce(new Map());
      messages.firstSentTimes.mockResolvedValueOnce(new Map());
      expect(await sut.receipts(sender, target._id.toHexString())).toEqual([{ userId: reader, deliveredAt: joinedAt.toISOString(), readAt: joinedAt.toISOString() }]);
    });

    it('a non-member is a 404', async () => {
      messages.findMessage.mockResolvedValueOnce(message(1));
      records.findForMember.mockResolvedValueOnce(null);
      await expect(sut.receipts(new Types.ObjectId().toHexString(), new Types.ObjectId().toHexString())).rejects.toBeInstanceOf(NotFoundException);
    });
  });
});
