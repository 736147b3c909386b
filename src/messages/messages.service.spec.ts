import { BadRequestException, ConflictException, ForbiddenException, NotFoundException } from '@nestjs/common';
import { messageRecord } from '../../test/factories/message.factory';
import { Types } from 'mongoose';
import { StrictMock, strictMock } from '../../test/helpers/strict-mock';
import type { DomainEvents } from '../common/domain-events';
import type { AppConfig } from '../config/app-config';
import { conversationRecord } from '../../test/factories/conversation.factory';
import { ConversationAccess, type MemberConversation } from '../conversations/conversation-access';
import type { ConversationRecord, ConversationsRepository } from '../conversations/conversations.repository';
import type { ConversationsService } from '../conversations/conversations.service';
import type { BlocksService } from '../users/blocks.service';
import type { UsersService } from '../users/users.service';
import type { MemberMarks } from '../receipts/read-state';
import { messageIdFor, type MessageRecord, type MessagesRepository } from './messages.repository';
import { MessagesService } from './messages.service';
import type { PendingSend, SendBatcher } from './send/send-batcher';

const senderId = new Types.ObjectId().toHexString();
const otherId = new Types.ObjectId().toHexString();
const conversationId = new Types.ObjectId().toHexString();
const config = { messageMaxLength: 20 } as AppConfig;

function conversation(seq: number): MemberConversation {
  return { id: conversationId, type: 'direct', seq, lastMessageSeq: Math.max(0, seq - 1), memberIds: [senderId, otherId], sentUpTo: {}, blockedBy: [] };
}

/** The stored direct conversation of sender and other, as the access policy reads it. */
function storedConversation(seq: number): ConversationRecord {
  return conversationRecord({ id: conversationId, memberIds: [senderId, otherId], seq, lastMessageSeq: Math.max(0, seq - 1) });
}

function stored(seq: number, overrides: Partial<MessageRecord> = {}): MessageRecord {
  return messageRecord({ conversationId, senderId, seq, ...overrides });
}

/** The current members' marks of the conversation, as `marksOfConversation` answers them. */
function marksMap(entries: MemberMarks[]): MemberMarks[] {
  return entries;
}

describe('MessagesService', () => {
  let sut: MessagesService;
  let repository: StrictMock<MessagesRepository>;
  let conversations: StrictMock<ConversationsService>;
  /** What the access policy and the summary updates read and write of the conversations. */
  let records: StrictMock<ConversationsRepository>;
  let events: StrictMock<DomainEvents>;
  let batcher: StrictMock<SendBatcher>;

  beforeEach(() => {
    repository = strictMock<MessagesRepository>('MessagesRepository', [
      'findById',
      'updateText',
      'markDeleted',
      'pageBefore',
      'pageAfter',
      'addReaction',
      'removeReaction',
      'refreshReplyPreviews',
      'setReplyPreview',
    ]);
    conversations = strictMock<ConversationsService>('ConversationsService', ['openDirect', 'marksOfConversation']);
    records = strictMock<ConversationsRepository>('ConversationsRepository', ['findForMember', 'replaceLastMessage', 'forgetMentions', 'refreshQuotedPreview']);
    // The real access policy over the mocked records: the 404/403 rules it holds are what these cases check.
    const access = new ConversationAccess(records as unknown as ConversationsRepository, {} as UsersService, {} as BlocksService);
    events = strictMock<DomainEvents>('DomainEvents', ['publish']);
    batcher = strictMock<SendBatcher>('SendBatcher', ['submit']);
    sut = new MessagesService(
      repository as unknown as MessagesRepository,
      conversations as unknown as ConversationsService,
      access,
      records as unknown as ConversationsRepository,
      events as unknown as DomainEvents,
      config,
      batcher as unknown as SendBatcher,
    );
  });

  describe('send', () => {
    /** The batcher stores what it is given (its fields included), with the next number of the conversation. */
    function arrangeBatch(seq: number) {
      batcher.submit.mockImplementationOnce(async (send: PendingSend) => ({
        created: true as const,
        record: { ...stored(seq), _id: send.id, conversationId: send.conversationId, senderId: send.senderId, text: send.text, clientId: send.clientId, ...send.extra },
        recipientIds: [senderId, otherId],
      }));
    }

    it('submits the trimmed text to the batcher and answers with the stored message as sent', async () => {
      arrangeBatch(5);
      const { message, created } = await sut.send(senderId, { conversationId, text: '  hi there  ' });

      expect(created).toBe(true);
      expect(message).toMatchObject({ conversationId, seq: 5, senderId, text: 'hi there', clientId: null, editedAt: null, deletedAt: null, status: 'sent' });
      const [send] = batcher.submit.mock.calls[0] as [PendingSend];
      expect(send).toMatchObject({ text: 'hi there', clientId: null });
      expect(send.conversationId.toHexString()).toBe(conversationId);
      expect(send.senderId.toHexString()).toBe(senderId);
    });

    it('by recipientId opens the direct conversation first', async () => {
      conversations.openDirect.mockResolvedValueOnce({ conversation: conversation(0), created: true });
      arrangeBatch(1);
      const { message } = await sut.send(senderId, { recipientId: otherId, text: 'hello' });
      expect(conversations.openDirect).toHaveBeenCalledWith(senderId, otherId);
      expect((batcher.submit.mock.calls[0] as [PendingSend])[0].conversationId.toHexString()).toBe(conversationId);
      expect(message.seq).toBe(1);
    });

    it('a reply stores the quote (cut to 200 characters) and every field of the contract, empty when unused', async () => {
      const quoted = stored(3, { senderId: new Types.ObjectId(otherId), text: 'q'.repeat(250) });
      repository.findById.mockResolvedValueOnce(quoted).mockResolvedValueOnce(quoted);
      arrangeBatch(4);
      const { message } = await sut.send(senderId, { conversationId, text: 'yes', replyToId: quoted._id.toHexString() });
      expect(message.replyTo).toEqual({ id: quoted._id.toHexString(), senderId: otherId, text: 'q'.repeat(200), deletedAt: null });
      expect(message).toMatchObject({ mentions: [], reactions: [] });
      const [send] = batcher.submit.mock.calls[0] as [PendingSend];
      expect(send.extra?.replyTo?.text).toHaveLength(200);
    });

    it('a reply whose quote changed between its read and the insert is caught up, and that is published', async () => {
      const quoted = stored(3, { text: 'before' });
      const edited = { ...quoted, text: 'after', editedAt: new Date() };
      repository.findById.mockResolvedValueOnce(quoted).mockResolvedValueOnce(edited);
      arrangeBatch(4);
      repository.setReplyPreview.mockImplementationOnce(async (id, preview) => ({ ...stored(4), _id: id, replyTo: preview }));
      conversations.marksOfConversation.mockResolvedValueOnce(marksMap([]));
      records.replaceLastMessage.mockResolvedValueOnce(undefined);
      events.publish.mockImplementationOnce(() => undefined);

      const { message } = await sut.send(senderId, { conversationId, text: 'yes', replyToId: quoted._id.toHexString() });

      expect(message.replyTo?.text).toBe('after');
      expect(events.publish).toHaveBeenLastCalledWith('message.updated', expect.objectContaining({ message }));
    });

    it.each([
      ['no message', null],
      ['a message of another conversation', stored(1, { conversationId: new Types.ObjectId() })],
    ])('replyToId naming %s is a 400 before the send is queued', async (_name, quoted) => {
      repository.findById.mockResolvedValueOnce(quoted);
      // Only a refused quote reads the membership: a member hears why.
      records.findForMember.mockResolvedValueOnce(storedConversation(2));
      await expect(sut.send(senderId, { conversationId, text: 'x', replyToId: new Types.ObjectId().toHexString() })).rejects.toBeInstanceOf(BadRequestException);
      expect(batcher.submit).not.toHaveBeenCalled();
    });

    it.each([
      ['no message', null],
      ['a message of another conversation', stored(1, { conversationId: new Types.ObjectId() })],
    ])('replyToId naming %s is a 404 for a non-member: membership first, so the quote tells it nothing', async (_name, quoted) => {
      repository.findById.mockResolvedValueOnce(quoted);
      records.findForMember.mockResolvedValueOnce(null);
      await expect(sut.send(senderId, { conversationId, text: 'x', replyToId: new Types.ObjectId().toHexString() })).rejects.toBeInstanceOf(NotFoundException);
      expect(batcher.submit).not.toHaveBeenCalled();
    });

    it('mentions (deduplicated, lower-cased) go to the batcher, which checks them with the number', async () => {
      arrangeBatch(6);
      const { message } = await sut.send(senderId, { conversationId, text: 'hey', mentions: [otherId.toUpperCase(), otherId, senderId] });
      const [send] = batcher.submit.mock.calls[0] as [PendingSend];
      expect(send.mentionIds?.map((id) => id.toHexString())).toEqual([otherId, senderId]);
      expect(message.mentions).toEqual([otherId, senderId]);
    });

    it("a mention of a non-member is the batch's 400", async () => {
      batcher.submit.mockRejectedValueOnce(new BadRequestException('mentions must be current members of this conversation'));
      await expect(sut.send(senderId, { conversationId, text: 'x', mentions: [new Types.ObjectId().toHexString()] })).rejects.toBeInstanceOf(BadRequestException);
    });

    it('a clientId gives the message the id derived from (sender, clientId)', async () => {
      arrangeBatch(2);
      const { message } = await sut.send(senderId, { conversationId, text: 'x', clientId: 'c-2' });
      expect(message.clientId).toBe('c-2');
      expect(message.id).toBe(messageIdFor(senderId, 'c-2').toHexString());
      expect(messageIdFor(otherId, 'c-2').toHexString()).not.toBe(message.id);
    });

    it('a retry answers the stored message with its current status (created false)', async () => {
      const first = stored(4, { clientId: 'c-4' });
      batcher.submit.mockResolvedValueOnce({ created: false, record: first });
      conversations.marksOfConversation.mockResolvedValueOnce(marksMap([{ userId: new Types.ObjectId(otherId), readUpToSeq: 4, deliveredUpToSeq: 4 }]));

      const { message, created } = await sut.send(senderId, { conversationId, text: 'again', clientId: 'c-4' });
      expect(created).toBe(false);
      expect(message).toMatchObject({ id: first._id.toHexString(), seq: 4, text: 'm4', status: 'read' });
    });

    it('a later send of one sender is not submitted before an earlier one that waits on a look-up', async () => {
      let openDirect!: (value: { conversation: MemberConversation; created: boolean }) => void;
      conversations.openDirect.mockReturnValueOnce(new Promise((resolve) => (openDirect = resolve)));
      arrangeBatch(1);
      arrangeBatch(2);
      const first = sut.send(senderId, { recipientId: otherId, text: 'first' });
      const second = sut.send(senderId, { conversationId, text: 'second' });
      await new Promise((resolve) => setImmediate(resolve));
      expect(batcher.submit).not.toHaveBeenCalled();
      openDirect({ conversation: conversation(0), created: false });
      await Promise.all([first, second]);
      expect(batcher.submit.mock.calls.map(([send]) => (send as PendingSend).text)).toEqual(['first', 'second']);
    });

    it.each([
      ['neither target', { text: 'x' }],
      ['both targets', { conversationId, recipientId: otherId, text: 'x' }],
      ['empty text', { conversationId, text: '' }],
      ['whitespace text', { conversationId, text: ' \n\t ' }],
      ['text over the configured limit', { conversationId, text: 'x'.repeat(21) }],
    ])('%s is a 400 before any database work', async (_name, input) => {
      await expect(sut.send(senderId, input)).rejects.toBeInstanceOf(BadRequestException);
      expect(batcher.submit).not.toHaveBeenCalled();
    });

    it('text of exactly the limit after trimming is accepted', async () => {
      arrangeBatch(1);
      const { message } = await sut.send(senderId, { conversationId, text: `  ${'y'.repeat(20)}  ` });
      expect(message.text).toBe('y'.repeat(20));
    });

    it("a non-member gets the batch's 404", async () => {
      batcher.submit.mockRejectedValueOnce(new NotFoundException('Conversation not found'));
      await expect(sut.send(senderId, { conversationId, text: 'x' })).rejects.toBeInstanceOf(NotFoundException);
    });
  });

  describe('edit', () => {
    it('the sender changes the text: stored, summary refreshed, message.updated published', async () => {
      const original = stored(2);
      const updated = { ...original, text: 'new', editedAt: new Date('2026-01-02T00:00:00.000Z') };
      repository.findById.mockResolvedValueOnce(original);
      records.findForMember.mockResolvedValueOnce(storedConversation(2));
      repository.updateText.mockResolvedValueOnce(updated);
      conversations.marksOfConversation.mockResolvedValueOnce(marksMap([{ userId: new Types.ObjectId(otherId), readUpToSeq: 0, deliveredUpToSeq: 2 }]));
      records.replaceLastMessage.mockResolvedValueOnce(undefined);
      repository.refreshReplyPreviews.mockResolvedValueOnce(undefined);
      records.refreshQuotedPreview.mockResolvedValueOnce(undefined);
      events.publish.mockImplementationOnce(() => undefined);

      const response = await sut.edit(senderId, original._id.toHexString(), '  new ');

      expect(response).toMatchObject({ id: original._id.toHexString(), text: 'new', editedAt: '2026-01-02T00:00:00.000Z', status: 'delivered' });
      expect(repository.updateText).toHaveBeenCalledWith(original._id, 'new', ['new'], expect.any(Date));
      // Replies quoting it, and a summary that is such a reply, show the new text.
      const preview = { id: original._id, senderId: original.senderId, text: 'new', deletedAt: null };
      expect(repository.refreshReplyPreviews).toHaveBeenCalledWith(preview, expect.any(Date));
      expect(records.refreshQuotedPreview).toHaveBeenCalledWith(conversationId, preview);
      expect(records.replaceLastMessage).toHaveBeenCalledWith(conversationId, updated);
      expect(events.publish).toHaveBeenCalledWith('message.updated', { message: response, recipientIds: [senderId, otherId] });
    });

    it('another member is a 403; nothing written', async () => {
      const original = stored(2);
      repository.findById.mockResolvedValueOnce(original);
      records.findForMember.mockResolvedValueOnce(storedConversation(2));
      await expect(sut.edit(otherId, original._id.toHexString(), 'hijack')).rejects.toBeInstanceOf(ForbiddenException);
    });

    it('a non-member is a 404 (never a 403 that would reveal the message)', async () => {
      const original = stored(2);
      repository.findById.mockResolvedValueOnce(original);
      records.findForMember.mockResolvedValueOnce(null);
      await expect(sut.edit(new Types.ObjectId().toHexString(), original._id.toHexString(), 'x')).rejects.toBeInstanceOf(NotFoundException);
    });

    it('a deleted message is a 409, also when it was deleted between the read and the write', async () => {
      const deleted = stored(2, { deletedAt: new Date(), text: null });
      repository.findById.mockResolvedValueOnce(deleted);
      records.findForMember.mockResolvedValueOnce(storedConversation(2));
      await expect(sut.edit(senderId, deleted._id.toHexString(), 'x')).rejects.toBeInstanceOf(ConflictException);

      const live = stored(3);
      repository.findById.mockResolvedValueOnce(live);
      records.findForMember.mockResolvedValueOnce(storedConversation(3));
      repository.updateText.mockResolvedValueOnce(null);
      await expect(sut.edit(senderId, live._id.toHexString(), 'x')).rejects.toBeInstanceOf(ConflictException);
      expect(events.publish).not.toHaveBeenCalled();
    });

    it('bad text or a malformed id is a 400 before any database work', async () => {
      await expect(sut.edit(senderId, new Types.ObjectId().toHexString(), '   ')).rejects.toBeInstanceOf(BadRequestException);
      await expect(sut.edit(senderId, new Types.ObjectId().toHexString(), 'z'.repeat(21))).rejects.toBeInstanceOf(BadRequestException);
      await expect(sut.edit(senderId, 'nope', 'fine')).rejects.toBeInstanceOf(BadRequestException);
    });
  });

  describe('remove', () => {
    it('leaves a tombstone, refreshes the summary, the quotes of it and the mention counts, and publishes message.deleted', async () => {
      const original = stored(4, { mentions: [new Types.ObjectId(otherId), new Types.ObjectId(senderId)] });
      const deletedAt = new Date();
      const tombstone = { ...original, text: null, mentions: [], deletedAt };
      repository.findById.mockResolvedValueOnce(original);
      records.findForMember.mockResolvedValueOnce(storedConversation(4));
      repository.markDeleted.mockResolvedValueOnce(tombstone);
      records.replaceLastMessage.mockResolvedValueOnce(undefined);
      repository.refreshReplyPreviews.mockResolvedValueOnce(undefined);
      records.refreshQuotedPreview.mockResolvedValueOnce(undefined);
      records.forgetMentions.mockResolvedValueOnce(undefined);
      events.publish.mockImplementationOnce(() => undefined);

      await sut.remove(senderId, original._id.toHexString());

      expect(repository.markDeleted).toHaveBeenCalledWith(original._id, expect.any(Date));
      expect(records.replaceLastMessage).toHaveBeenCalledWith(conversationId, tombstone);
      expect(repository.refreshReplyPreviews).toHaveBeenCalledWith({ id: original._id, senderId: original.senderId, text: null, deletedAt }, expect.any(Date));
      expect(records.forgetMentions).toHaveBeenCalledWith(conversationId, [otherId], 4);
      expect(events.publish).toHaveBeenCalledWith('message.deleted', { id: original._id.toHexString(), conversationId, recipientIds: [senderId, otherId] });
    });

    it('deleting a deleted message is a quiet no-op', async () => {
      const deleted = stored(4, { deletedAt: new Date(), text: null });
      repository.findById.mockResolvedValueOnce(deleted);
      records.findForMember.mockResolvedValueOnce(storedConversation(4));
      await expect(sut.remove(senderId, deleted._id.toHexString())).resolves.toBeUndefined();
    });

    it('another member is a 403, an unknown message a 404', async () => {
      const original = stored(4);
      repository.findById.mockResolvedValueOnce(original);
      records.findForMember.mockResolvedValueOnce(storedConversation(4));
      await expect(sut.remove(otherId, original._id.toHexString())).rejects.toBeInstanceOf(ForbiddenException);
      repository.findById.mockResolvedValueOnce(null);
      await expect(sut.remove(senderId, new Types.ObjectId().toHexString())).rejects.toBeInstanceOf(NotFoundException);
    });
  });

  describe('react', () => {
    const arrangeMember = (message: MessageRecord) => {
      repository.findById.mockResolvedValueOnce(message);
      records.findForMember.mockResolvedValueOnce(storedConversation(message.seq));
    };
    const arrangePublish = () => {
      conversations.marksOfConversation.mockResolvedValueOnce(marksMap([]));
      records.replaceLastMessage.mockResolvedValueOnce(undefined);
      events.publish.mockImplementationOnce(() => undefined);
    };

    it('adds in one atomic update, keeps the summary current and publishes message.updated', async () => {
      const message = stored(2);
      arrangeMember(message);
      repository.addReaction.mockResolvedValueOnce({ ...message, reactions: [{ emoji: '👍', userIds: [new Types.ObjectId(otherId)] }] });
      arrangePublish();
      const response = await sut.react(otherId, message._id.toHexString(), '👍', true);
      expect(repository.addReaction).toHaveBeenCalledWith(message._id, '👍', new Types.ObjectId(otherId), expect.any(Date), 20);
      expect(response.reactions).toEqual([{ emoji: '👍', count: 1, userIds: [otherId] }]);
      expect(response.editedAt).toBeNull();
      expect(events.publish).toHaveBeenCalledWith('message.updated', { message: response, recipientIds: [senderId, otherId] });
    });

    it('repeating a reaction, or taking back an absent one, answers the message and publishes nothing', async () => {
      const mine = stored(2, { reactions: [{ emoji: '👍', userIds: [new Types.ObjectId(otherId)] }] });
      arrangeMember(mine);
      repository.addReaction.mockResolvedValueOnce(null);
      repository.findById.mockResolvedValueOnce(mine);
      conversations.marksOfConversation.mockResolvedValueOnce(marksMap([]));
      await expect(sut.react(otherId, mine._id.toHexString(), '👍', true)).resolves.toMatchObject({ reactions: [{ emoji: '👍', count: 1 }] });

      arrangeMember(mine);
      repository.removeReaction.mockResolvedValueOnce(null);
      repository.findById.mockResolvedValueOnce(mine);
      conversations.marksOfConversation.mockResolvedValueOnce(marksMap([]));
      await expect(sut.react(otherId, mine._id.toHexString(), '🎉', false)).resolves.toMatchObject({ id: mine._id.toHexString() });
      expect(events.publish).not.toHaveBeenCalled();
    });

    it('a new emoji past the cap is a 409, and so is reacting to a deleted message (even one deleted meanwhile)', async () => {
      const full = stored(2, { reactions: Array.from({ length: 20 }, (_, i) => ({ emoji: String.fromCodePoint(0x1f600 + i), userIds: [new Types.ObjectId(senderId)] })) });
      arrangeMember(full);
      repository.addReaction.mockResolvedValueOnce(null);
      repository.findById.mockResolvedValueOnce(full);
      await expect(sut.react(otherId, full._id.toHexString(), '👍', true)).rejects.toBeInstanceOf(ConflictException);

      const deleted = stored(3, { deletedAt: new Date(), text: null });
      arrangeMember(deleted);
      await expect(sut.react(otherId, deleted._id.toHexString(), '👍', true)).rejects.toBeInstanceOf(ConflictException);

      const live = stored(4);
      arrangeMember(live);
      repository.addReaction.mockResolvedValueOnce(null);
      repository.findById.mockResolvedValueOnce({ ...live, deletedAt: new Date(), text: null });
      await expect(sut.react(otherId, live._id.toHexString(), '👍', true)).rejects.toBeInstanceOf(ConflictException);
      expect(events.publish).not.toHaveBeenCalled();
    });

    it('a non-member gets a 404 and changes nothing; a non-emoji is a 400 before any database work', async () => {
      const message = stored(2);
      repository.findById.mockResolvedValueOnce(message);
      records.findForMember.mockResolvedValueOnce(null);
      await expect(sut.react(new Types.ObjectId().toHexString(), message._id.toHexString(), '👍', true)).rejects.toBeInstanceOf(NotFoundException);
      for (const emoji of ['a', '👍👍', '', 'x'.repeat(40), '1']) {
        await expect(sut.react(otherId, message._id.toHexString(), emoji, true)).rejects.toBeInstanceOf(BadRequestException);
      }
      expect(repository.addReaction).not.toHaveBeenCalled();
    });
  });

  describe('page', () => {
    const marks = () => marksMap([{ userId: new Types.ObjectId(otherId), readUpToSeq: 2, deliveredUpToSeq: 3 }]);

    it('newest page: asks for limit+1, drops the oldest extra row, reports hasMore and each status', async () => {
      records.findForMember.mockResolvedValueOnce(storedConversation(4));
      repository.pageBefore.mockResolvedValueOnce([stored(1), stored(2), stored(3), stored(4)]);
      conversations.marksOfConversation.mockResolvedValueOnce(marks());

      const page = await sut.page(senderId, conversationId, { limit: 3 });

      expect(repository.pageBefore).toHaveBeenCalledWith(conversationId, null, 4);
      expect(page.hasMore).toBe(true);
      expect(page.items.map((m) => [m.seq, m.status])).toEqual([
        [2, 'read'],
        [3, 'delivered'],
        [4, 'sent'],
      ]);
    });

    it('after a cursor: pages forward from its seq and drops the newest extra row', async () => {
      const cursor = stored(1);
      records.findForMember.mockResolvedValueOnce(storedConversation(9));
      repository.findById.mockResolvedValueOnce(cursor);
      repository.pageAfter.mockResolvedValueOnce([stored(2), stored(3), stored(4)]);
      conversations.marksOfConversation.mockResolvedValueOnce(marks());

      const page = await sut.page(senderId, conversationId, { limit: 2, after: cursor._id.toHexString() });

      expect(repository.pageAfter).toHaveBeenCalledWith(conversationId, 1, 3);
      expect(page.items.map((m) => m.seq)).toEqual([2, 3]);
      expect(page.hasMore).toBe(true);
    });

    it('before and after together is a 400 before any database work', async () => {
      const id = new Types.ObjectId().toHexString();
      await expect(sut.page(senderId, conversationId, { limit: 10, before: id, after: id })).rejects.toBeInstanceOf(BadRequestException);
    });

    it('a cursor from another conversation, or none at all, is a 400', async () => {
      records.findForMember.mockResolvedValueOnce(storedConversation(9));
      repository.findById.mockResolvedValueOnce(stored(1, { conversationId: new Types.ObjectId() }));
      await expect(sut.page(senderId, conversationId, { limit: 10, before: new Types.ObjectId().toHexString() })).rejects.toBeInstanceOf(BadRequestException);

      records.findForMember.mockResolvedValueOnce(storedConversation(9));
      repository.findById.mockResolvedValueOnce(null);
      await expect(sut.page(senderId, conversationId, { limit: 10, after: new Types.ObjectId().toHexString() })).rejects.toBeInstanceOf(BadRequestException);
      expect(repository.pageBefore).not.toHaveBeenCalled();
      expect(repository.pageAfter).not.toHaveBeenCalled();
    });
  });
});
