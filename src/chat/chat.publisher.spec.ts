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
};

const conversation: Omit<ConversationResponse, 'unreadCount'> = {
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
    broadcaster = strictMock<ChatBroadcaster>('ChatBroadcaster', ['toUsers', 'toRooms']);
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

  it('fills each recipient\'s own unreadCount, one emit per distinct count, 0 for removed members', () => {
    broadcaster.toUsers.mockImplementation(() => undefined);
    sut.conversationChanged({ conversation, unreadCountByUser: { u1: 0, u2: 3, u3: 3 }, recipientIds: ['u1', 'u2', 'u3', 'removed', 'u2'] });
    expect(broadcaster.toUsers).toHaveBeenCalledTimes(2);
    expect(broadcaster.toUsers).toHaveBeenCalledWith(['u1', 'removed'], 'conversation:updated', { ...conversation, unreadCount: 0 });
    expect(broadcaster.toUsers).toHaveBeenCalledWith(['u2', 'u3'], 'conversation:updated', { ...conversation, unreadCount: 3 });
  });

  it('sends presence to the subscribers\' room of that user', () => {
    broadcaster.toRooms.mockImplementationOnce(() => undefined);
    sut.presenceChanged({ userId: 'u1', online: false, lastSeenAt: '2026-01-01T00:00:00.000Z' });
    expect(broadcaster.toRooms).toHaveBeenCalledWith(['presence:u1'], 'presence', { userId: 'u1', online: false, lastSeenAt: '2026-01-01T00:00:00.000Z' });
  });
});
