import { Types } from 'mongoose';
import { SEEN_MEMBERS_MAX, SeenConversations } from './seen-conversations';

describe('SeenConversations', () => {
  const ids = (n: number) => Array.from({ length: n }, () => new Types.ObjectId());
  const conversation = (memberIds: Types.ObjectId[], seq = 7) => ({ _id: new Types.ObjectId(), type: 'direct' as const, memberIds, seq });

  it('expects the seq and members last seen, for users who were members then', () => {
    const seen = new SeenConversations();
    const [a, b] = ids(2);
    const c = conversation([a, b]);
    seen.remember(c);
    expect(seen.expect({ conversationId: c._id, memberIds: [new Types.ObjectId(a.toHexString())] })).toEqual({
      seq: 7,
      conversation: { _id: c._id, type: 'direct', memberIds: [a, b] },
    });
  });

  it('expects nothing of a conversation it never saw, or for a user who was not a member', () => {
    const seen = new SeenConversations();
    const [a, b, stranger] = ids(3);
    const c = conversation([a, b]);
    expect(seen.expect({ conversationId: c._id, memberIds: [a] })).toBeUndefined();
    seen.remember(c);
    expect(seen.expect({ conversationId: c._id, memberIds: [a, stranger] })).toBeUndefined();
  });

  it('moves the seq on by a grant, and a later read replaces what it saw', () => {
    const seen = new SeenConversations();
    const [a, b, d] = ids(3);
    const c = conversation([a, b], 10);
    seen.remember(c);
    seen.advance(seen.expect({ conversationId: c._id, memberIds: [a] })!, 4);
    expect(seen.expect({ conversationId: c._id, memberIds: [a] })?.seq).toBe(14);
    seen.remember({ ...c, memberIds: [a, d], seq: 20 });
    expect(seen.expect({ conversationId: c._id, memberIds: [b] })).toBeUndefined();
    expect(seen.expect({ conversationId: c._id, memberIds: [d] })?.seq).toBe(20);
    expect(seen.size).toBe(1);
  });

  it('does not remember conversations with more members than a filter should name', () => {
    const seen = new SeenConversations();
    const members = ids(SEEN_MEMBERS_MAX + 1);
    const c = conversation(members);
    seen.remember(c);
    expect(seen.expect({ conversationId: c._id, memberIds: [members[0]] })).toBeUndefined();
    expect(seen.size).toBe(0);
  });

  it('keeps at most the member ids it is given, letting the longest unseen go first', () => {
    const seen = new SeenConversations(6);
    const [first, second, third] = [conversation(ids(2)), conversation(ids(2)), conversation(ids(2))];
    seen.remember(first);
    seen.remember(second);
    seen.remember(third);
    // Seen again: now the most recent.
    seen.remember(first);
    seen.remember(conversation(ids(2)));
    expect(seen.size).toBe(3);
    expect(seen.expect({ conversationId: second._id, memberIds: [] })).toBeUndefined();
    expect(seen.expect({ conversationId: first._id, memberIds: [] })).toBeDefined();
    expect(seen.expect({ conversationId: third._id, memberIds: [] })).toBeDefined();
  });

  it('counts a conversation again by its members when it is seen again, and lets the oldest seen go until the new one fits', () => {
    const seen = new SeenConversations(4);
    const two = conversation(ids(2));
    const one = conversation(ids(1));
    seen.remember(two);
    seen.remember(one);
    seen.remember({ ...two, memberIds: ids(1) });
    const other = conversation(ids(2));
    seen.remember(other);
    // 1 + 1 + 2 member ids: all three fit.
    expect(seen.size).toBe(3);
    const three = conversation(ids(3));
    seen.remember(three);
    // 4 + 3 is over 4: the oldest seen ('one', 'two', then 'other') went.
    expect([one, two, other].map((c) => seen.expect({ conversationId: c._id, memberIds: [] }))).toEqual([undefined, undefined, undefined]);
    expect(seen.expect({ conversationId: three._id, memberIds: [] })?.seq).toBe(7);
    expect(seen.size).toBe(1);
  });
});
