import { Logger } from '@nestjs/common';
import { ChatBroadcaster } from './chat.broadcaster';
import type { ChatServer } from '../realtime/chat.socket';

describe('ChatBroadcaster', () => {
  const emit = jest.fn();
  const to = jest.fn(() => ({ emit }));
  let sut: ChatBroadcaster;

  beforeEach(() => {
    emit.mockReset();
    to.mockClear();
    sut = new ChatBroadcaster();
    sut.attach({ to } as unknown as ChatServer);
  });

  it('addresses every user room in one emit, each user once', () => {
    sut.toUsers(['a', 'b', 'a'], 'typing', { conversationId: 'c', userId: 'x', typing: true });
    expect(to).toHaveBeenCalledTimes(1);
    expect(to).toHaveBeenCalledWith(['user:a', 'user:b']);
    expect(emit).toHaveBeenCalledWith('typing', { conversationId: 'c', userId: 'x', typing: true });
  });

  it('leaves out the connections of the excepted users', () => {
    const except = jest.fn(() => ({ emit }));
    to.mockImplementationOnce((() => ({ emit, except })) as never);
    sut.toRooms(['presence:x'], 'presence', { userId: 'x', online: true, lastSeenAt: null }, ['b']);
    expect(except).toHaveBeenCalledWith(['user:b']);
    expect(emit).toHaveBeenCalledWith('presence', { userId: 'x', online: true, lastSeenAt: null });
  });

  it('emits nothing for an empty list (Socket.IO would otherwise address the whole namespace)', () => {
    sut.toUsers([], 'typing', { conversationId: 'c', userId: 'x', typing: true });
    sut.toRooms([], 'presence', { userId: 'x', online: true, lastSeenAt: null });
    expect(to).not.toHaveBeenCalled();
  });

  it('never throws into the publishing service, and logs the failure', () => {
    const logged = jest.spyOn(Logger.prototype, 'error').mockImplementation(() => undefined);
    emit.mockImplementationOnce(() => {
      throw new Error('adapter down');
    });
    expect(() => sut.toUsers(['a'], 'presence', { userId: 'x', online: true, lastSeenAt: null })).not.toThrow();
    expect(logged).toHaveBeenCalledTimes(1);
    logged.mockRestore();
  });
});
