import { Types } from 'mongoose';
import { effectiveMarks, MemberMarks, mentionCount, messageStatus, unreadCount } from './read-state';

const alice = new Types.ObjectId();
const bob = new Types.ObjectId();
const carol = new Types.ObjectId();

function marks(userId: Types.ObjectId, deliveredUpToSeq: number, readUpToSeq: number): MemberMarks {
  return { userId, deliveredUpToSeq, readUpToSeq };
}

describe('messageStatus', () => {
  const fromAlice = (seq: number) => ({ seq, senderId: alice });

  describe('direct conversation', () => {
    it('is sent while the other member has not got it', () => {
      expect(messageStatus(fromAlice(3), [marks(alice, 3, 3), marks(bob, 2, 2)])).toBe('sent');
    });

    it("is delivered once the other member's delivered mark reaches it (at or past)", () => {
      expect(messageStatus(fromAlice(3), [marks(alice, 3, 3), marks(bob, 3, 0)])).toBe('delivered');
      expect(messageStatus(fromAlice(3), [marks(alice, 3, 3), marks(bob, 9, 2)])).toBe('delivered');
    });

    it("is read once the other member's read mark reaches it", () => {
      expect(messageStatus(fromAlice(3), [marks(alice, 0, 0), marks(bob, 3, 3)])).toBe('read');
      expect(messageStatus(fromAlice(3), [marks(bob, 7, 5)])).toBe('read');
    });

    it("ignores the sender's own marks, high or low", () => {
      expect(messageStatus(fromAlice(3), [marks(alice, 100, 100), marks(bob, 0, 0)])).toBe('sent');
      expect(messageStatus(fromAlice(3), [marks(alice, 0, 0), marks(bob, 3, 3)])).toBe('read');
    });
  });

  describe('group', () => {
    const members = (bobMarks: [number, number], carolMarks: [number, number]) => [marks(alice, 10, 10), marks(bob, ...bobMarks), marks(carol, ...carolMarks)];

    it('is delivered only when every other member has it', () => {
      expect(messageStatus(fromAlice(5), members([5, 0], [4, 0]))).toBe('sent');
      expect(messageStatus(fromAlice(5), members([5, 0], [5, 0]))).toBe('delivered');
    });

    it('is read only when every other member read it; one reader and one receiver is delivered', () => {
      expect(messageStatus(fromAlice(5), members([5, 5], [5, 4]))).toBe('delivered');
      expect(messageStatus(fromAlice(5), members([5, 5], [4, 4]))).toBe('sent');
      expect(messageStatus(fromAlice(5), members([6, 6], [5, 5]))).toBe('read');
    });

    it('a message from another member waits on the others, not on its sender', () => {
      const fromBob = { seq: 5, senderId: bob };
      expect(messageStatus(fromBob, [marks(alice, 5, 5), marks(bob, 0, 0), marks(carol, 5, 5)])).toBe('read');
      expect(messageStatus(fromBob, [marks(alice, 5, 5), marks(bob, 9, 9), marks(carol, 4, 4)])).toBe('sent');
    });
  });

  it('is sent when nobody else is there (sender alone, or no marks at all)', () => {
    expect(messageStatus(fromAlice(1), [marks(alice, 1, 1)])).toBe('sent');
    expect(messageStatus(fromAlice(1), [])).toBe('sent');
  });

  it('compares user ids by value, not by object identity', () => {
    const sameAliceOtherObject = new Types.ObjectId(alice.toHexString());
    expect(messageStatus({ seq: 2, senderId: sameAliceOtherObject }, [marks(alice, 0, 0), marks(bob, 2, 2)])).toBe('read');
  });
});

describe('effectiveMarks (sending implies reading)', () => {
  const userId = new Types.ObjectId();
  const ownMessage = new Types.ObjectId();
  const at = new Date('2026-01-02T00:00:00.000Z');
  const membership = { userId, readUpToSeq: 3, readUpToId: null, readAt: null, deliveredUpToSeq: 5, deliveredUpToId: null, deliveredAt: null };

  it('a member whose own newest message is past its read mark has read (and got) everything up to it', () => {
    expect(effectiveMarks(membership, { seq: 8, id: ownMessage, at })).toEqual({
      userId,
      readUpToSeq: 8,
      readUpToId: ownMessage,
      readAt: at,
      deliveredUpToSeq: 8,
      deliveredUpToId: ownMessage,
      deliveredAt: at,
    });
  });

  it('a delivered mark already past the own message stays where it is', () => {
    expect(effectiveMarks(membership, { seq: 4, id: ownMessage, at })).toEqual({ ...membership, readUpToSeq: 4, readUpToId: ownMessage, readAt: at });
  });

  it('an own message at or behind the read mark, or none, changes nothing', () => {
    expect(effectiveMarks(membership, { seq: 3, id: ownMessage, at })).toBe(membership);
    expect(effectiveMarks(membership, undefined)).toBe(membership);
  });
});

describe('unreadCount', () => {
  it('is the messages after the read mark', () => {
    expect(unreadCount(10, 4)).toBe(6);
    expect(unreadCount(10, 10)).toBe(0);
    expect(unreadCount(0, 0)).toBe(0);
  });

  it('is never negative, even when the mark is past the counter (e.g. a counter read before the mark moved)', () => {
    expect(unreadCount(3, 5)).toBe(0);
  });
});

describe('mentionCount', () => {
  it('counts the recorded mentions above the read mark only', () => {
    expect(mentionCount({ readUpToSeq: 5, mentionSeqs: [3, 5, 6, 9] })).toBe(2);
    expect(mentionCount({ readUpToSeq: 0 })).toBe(0);
    expect(mentionCount(undefined)).toBe(0);
  });
});
