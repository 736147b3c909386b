import { NotFoundException } from '@nestjs/common';
import type { AppConfig } from '../config/app-config';
import { ConversationAccess } from '../conversations/conversation-access';
import type { BlocksService } from '../users/blocks.service';
import { StrictMock, strictMock } from '../../test/helpers/strict-mock';
import type { ChatBroadcaster } from './chat.broadcaster';
import type { ChatSocket } from '../realtime/chat.socket';
import { TypingRelayService } from './typing-relay.service';

const socketOf = (userId: string) => ({ data: { user: { userId, exp: 0 } } }) as unknown as ChatSocket;

describe('TypingRelayService', () => {
  let now: number;
  let conversations: { requireMember: jest.SpyInstance };
  let broadcaster: StrictMock<ChatBroadcaster>;
  let blocks: StrictMock<BlocksService>;
  let sut: TypingRelayService;

  beforeEach(() => {
    now = 5_000_000;
    jest.spyOn(Date, 'now').mockImplementation(() => now);
    broadcaster = strictMock<ChatBroadcaster>('ChatBroadcaster', ['toUsers']);
    broadcaster.toUsers.mockImplementation(() => undefined);
    blocks = strictMock<BlocksService>('BlocksService', ['hiddenFrom']);
    // The real access policy (its typing rule: members only, less those behind a block), its membership look-up arranged per test.
    const access = new ConversationAccess({} as never, {} as never, blocks as unknown as BlocksService);
    conversations = {
      requireMember: jest.spyOn(access, 'requireMember').mockImplementation((...args) => {
        throw new Error(`unexpected call: requireMember(${args.join(', ')})`);
      }),
    };
    sut = new TypingRelayService(access, broadcaster as unknown as ChatBroadcaster, { typingThrottleMs: 1000 } as AppConfig);
  });
  afterEach(() => jest.restoreAllMocks());

  const members = (hidden: string[] = []) => {
    conversations.requireMember.mockResolvedValueOnce({ id: 'c', type: 'group', seq: 1, memberIds: ['me', 'b', 'c'] } as never);
    blocks.hiddenFrom.mockResolvedValueOnce(new Set(hidden));
  };

  it('relays to the other members only', async () => {
    members();
    await sut.relay(socketOf('me'), { conversationId: 'c', typing: true });
    expect(conversations.requireMember).toHaveBeenCalledWith('c', 'me');
    expect(broadcaster.toUsers).toHaveBeenCalledWith(['b', 'c'], 'typing', { conversationId: 'c', userId: 'me', typing: true });
  });

  it('never reaches a member with a block between them and the typer (either side)', async () => {
    members(['c']);
    await sut.relay(socketOf('me'), { conversationId: 'c', typing: true });
    expect(blocks.hiddenFrom).toHaveBeenCalledWith('me');
    expect(broadcaster.toUsers).toHaveBeenCalledWith(['b'], 'typing', { conversationId: 'c', userId: 'me', typing: true });
  });

  it('drops a repeated typing:true within the window without asking the database, lets typing:false through', async () => {
    const socket = socketOf('me');
    members();
    await sut.relay(socket, { conversationId: 'c', typing: true });
    now += 999;
    await sut.relay(socket, { conversationId: 'c', typing: true });
    members();
    await sut.relay(socket, { conversationId: 'c', typing: false });
    expect(broadcaster.toUsers.mock.calls.map((call) => (call[2] as { typing: boolean }).typing)).toEqual([true, false]);
  });

  it('answers a typing:false without a relayed start, and a second one, without the database or a broadcast', async () => {
    const socket = socketOf('me');
    await sut.relay(socket, { conversationId: 'c', typing: false });
    members();
    await sut.relay(socket, { conversationId: 'c', typing: true });
    members();
    await sut.relay(socket, { conversationId: 'c', typing: false });
    await sut.relay(socket, { conversationId: 'c', typing: false });
    expect(broadcaster.toUsers.mock.calls.map((call) => (call[2] as { typing: boolean }).typing)).toEqual([true, false]);
  });

  it('does not count a refused (non-member) attempt against the throttle', async () => {
    const socket = socketOf('me');
    conversations.requireMember.mockRejectedValueOnce(new NotFoundException('Conversation not found'));
    blocks.hiddenFrom.mockResolvedValueOnce(new Set());
    await expect(sut.relay(socket, { conversationId: 'c', typing: true })).rejects.toBeInstanceOf(NotFoundException);
    members();
    await sut.relay(socket, { conversationId: 'c', typing: true });
    expect(broadcaster.toUsers).toHaveBeenCalledTimes(1);
  });
});
