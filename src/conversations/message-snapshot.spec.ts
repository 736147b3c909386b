import { Types } from 'mongoose';
import { replyPreviewOf, toMessageResponse } from './message-snapshot';

const alice = new Types.ObjectId();

describe('toMessageResponse', () => {
  const base = {
    _id: new Types.ObjectId(),
    seq: 4,
    senderId: alice,
    text: 'hello',
    clientId: null,
    createdAt: new Date('2026-01-02T03:04:05.006Z'),
    editedAt: null,
    deletedAt: null,
  };

  it('gives every field, null where empty, times as ISO strings', () => {
    const conversationId = new Types.ObjectId();
    expect(toMessageResponse(base, conversationId, 'sent')).toEqual({
      id: base._id.toHexString(),
      conversationId: conversationId.toHexString(),
      seq: 4,
      senderId: alice.toHexString(),
      text: 'hello',
      clientId: null,
      createdAt: '2026-01-02T03:04:05.006Z',
      editedAt: null,
      deletedAt: null,
      status: 'sent',
      replyTo: null,
      mentions: [],
      reactions: [],
    });
  });

  it('shows the quote, mentions and reactions (count = users, in order of first use)', () => {
    const quoted = new Types.ObjectId();
    const [u1, u2] = [new Types.ObjectId(), new Types.ObjectId()];
    const response = toMessageResponse(
      {
        ...base,
        replyTo: { id: quoted, senderId: alice, text: 'earlier', deletedAt: null },
        mentions: [u1],
        reactions: [
          { emoji: '🎉', userIds: [u2, u1] },
          { emoji: '👍', userIds: [u1] },
        ],
      },
      new Types.ObjectId(),
      'sent',
    );
    expect(response.replyTo).toEqual({ id: quoted.toHexString(), senderId: alice.toHexString(), text: 'earlier', deletedAt: null });
    expect(response.mentions).toEqual([u1.toHexString()]);
    expect(response.reactions).toEqual([
      { emoji: '🎉', count: 2, userIds: [u2.toHexString(), u1.toHexString()] },
      { emoji: '👍', count: 1, userIds: [u1.toHexString()] },
    ]);
  });

  it('shows a deleted message as a tombstone: text null even if text is still stored', () => {
    const deletedAt = new Date('2026-01-03T00:00:00.000Z');
    const response = toMessageResponse({ ...base, deletedAt }, 'a'.repeat(24), 'read');
    expect(response).toMatchObject({ text: null, deletedAt: '2026-01-03T00:00:00.000Z', conversationId: 'a'.repeat(24), status: 'read' });
  });

  it('fills a missing clientId with null', () => {
    const { clientId: _omitted, ...withoutClientId } = base;
    expect(toMessageResponse(withoutClientId as typeof base, 'b'.repeat(24), 'sent').clientId).toBeNull();
  });
});

describe('replyPreviewOf', () => {
  const quoted = { _id: new Types.ObjectId(), senderId: new Types.ObjectId(), text: 'x', deletedAt: null };

  it('cuts the text to 200 characters without splitting an emoji, and keeps short text whole', () => {
    expect(replyPreviewOf({ ...quoted, text: 'short' }).text).toBe('short');
    expect(replyPreviewOf({ ...quoted, text: 'a'.repeat(500) }).text).toBe('a'.repeat(200));
    const family = '👨‍👩‍👧';
    const cut = replyPreviewOf({ ...quoted, text: `${'a'.repeat(198)}${family}tail` }).text as string;
    expect(cut).toBe('a'.repeat(198));
    expect([...(replyPreviewOf({ ...quoted, text: '😀'.repeat(300) }).text as string)]).toHaveLength(200);
  });

  it('shows a deleted message as null text with its deletion time', () => {
    const deletedAt = new Date();
    expect(replyPreviewOf({ ...quoted, text: 'gone', deletedAt })).toEqual({ id: quoted._id, senderId: quoted.senderId, text: null, deletedAt });
  });
});
