import type { ConversationResponse } from '../conversations/conversation.response';
import type { MessageResponse } from '../messages/message.response';
import { StrictMock, strictMock } from '../../test/helpers/strict-mock';
import type { ChatBroadcaster } from './chat.broadcaster';
import { ChatPublisher } from './chat.publisher';

const message: MessageResponse = {
  id: 'm1',
  conversationId: 'c1',
  seq: 1,
  senderId: 'u1',
  text: 'hi',
  clientId: null,
  createdAt: '2026-01-01T00:00:00.000Z',
  editedAt: null,
  deletedAt: null,
  status: 'sent',
  replyTo: null,
  mentions: [],
  reactions: [],
};

const conversation: Omit<ConversationResponse, 'unreadCount' | 'mentionCount'> = {
  id: 'c1',
  type: 'group',
  title: 'Team',
  members: [],
  lastMessage: null,
  createdAt: '2026-01-01T00:00:00.000Z',
  updatedAt: '2026-01-01T00:00:00.000Z',
};

describe('ChatPublisher', () => {
  let broadcaster: StrictMock<ChatBroadcaster>;
  let sut: ChatPublisher;

  beforeEach(() => {
    broadcaster = strictMock<ChatBroadcaster>('ChatBroadcaster', ['toUsers', 'toRooms', 'toUserInRoom']);
    sut = new ChatPublisher(broadcaster as unknown as ChatBroadcaster);
  });

  it('emits message:new once to every recipient', () => {
    broadcaster.toUsers.mockImplementationOnce(() => undefined);
    sut.messageCreated({ message, recipientIds: ['u1', 'u2'] });
    expect(broadcaster.toUsers).toHaveBeenCalledWith(['u1', 'u2'], 'message:new', message);
    expect(broadcaster.toUsers).toHaveBeenCalledTimes(1);
  });

  it('emits message:deleted with only the id and the conversation', () => {
    broadcaster.toUsers.mockImplementationOnce(() => undefined);
    sut.messageDeleted({ id: 'm1', conversationId: 'c1', recipientIds: ['u1'] });
    expect(broadcaster.toUsers).toHaveBeenCalledWith(['u1'], 'message:deleted', { id: 'm1', conversationId: 'c1' });
  });

  it("fills each recipient's own unreadCount and mentionCount, one emit per distinct pair, 0 for removed members", () => {
    broadcaster.toUsers.mockImplementation(() => undefined);
    sut.conversationChanged({
      conversation,
      unreadCountByUser: { u1: 0, u2: 3, u3: 3, u4: 3 },
      mentionCountByUser: { u1: 0, u2: 0, u3: 0, u4: 1 },
      recipientIds: ['u1', 'u2', 'u3', 'u4', 'removed', 'u2'],
    });
    expect(broadcaster.toUsers).toHaveBeenCalledTimes(3);
    expect(broadcaster.toUsers).toHaveBeenCalledWith(['u1', 'removed'], 'conversation:updated', { ...conversation, unreadCount: 0, mentionCount: 0 });
    expect(broadcaster.toUsers).toHaveBeenCalledWith(['u2', 'u3'], 'conversation:updated', { ...conversation, unreadCount: 3, mentionCount: 0 });
    expect(broadcaster.toUsers).toHaveBeenCalledWith(['u4'], 'conversation:updated', { ...conversation, unreadCount: 3, mentionCount: 1 });
  });

  it("sends presence to the subscribers' room of that user, except users with a block between them", () => {
    broadcaster.toRooms.mockImplementationOnce(() => undefined);
    sut.presenceChanged({ userId: 'u1', online: false, lastSeenAt: '2026-01-01T00:00:00.000Z', hiddenFrom: ['u9'] });
    expect(broadcaster.toRooms).toHaveBeenCalledWith(['presence:u1'], 'presence', { userId: 'u1', online: false, lastSeenAt: '2026-01-01T00:00:00.000Z' }, ['u9']);
  });

  it("tells a block to the blocker's connections only, and hides each side's presence from the other (the blocked side only where it follows the blocker's presence)", () => {
    broadcaster.toUsers.mockImplementation(() => undefined);
    broadcaster.toUserInRoom.mockResolvedValue(undefined);
    const hidden = (userId: string) => ({ userId, online: false, lastSeenAt: null });
    sut.blockChanged({ blockerId: 'a', blockedId: 'b', blocked: true, changed: true, presence: { ofBlocked: hidden('b'), ofBlocker: hidden('a') } });
    expect(broadcaster.toUsers.mock.calls).toEqual([
      [['a'], 'block:updated', { userId: 'b', blocked: true }],
      [['a'], 'presence', hidden('b')],
    ]);
    expect(broadcaster.toUserInRoom.mock.calls).toEqual([['b', 'presence:a', 'presence', hidden('a')]]);
  });

  it('emits nothing for a block that changed nothing', () => {
    sut.blockChanged({
      blockerId: 'a',
      blockedId: 'b',
      blocked: false,
      changed: false,
      presence: { ofBlocked: { userId: 'b', online: true, lastSeenAt: null }, ofBlocker: { userId: 'a', online: true, lastSeenAt: null } },
    });
    expect(broadcaster.toUsers).not.toHaveBeenCalled();
    expect(broadcaster.toUserInRoom).not.toHaveBeenCalled();
  });
});
