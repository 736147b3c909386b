import { Injectable } from '@nestjs/common';
import { OnEvent } from '@nestjs/event-emitter';
import type { DomainEventMap, DomainEventName } from '../common/domain-events';
import { ChatBroadcaster } from './chat.broadcaster';
import { presenceRoom, sessionRoom } from '../realtime/chat.socket';

/** `@OnEvent` restricted to the domain event names, so a typo cannot subscribe to nothing. */
const OnDomainEvent = (name: DomainEventName) => OnEvent(name);

/**
 * Turns the domain events services publish after a stored change into socket events, so a REST
 * action and the same socket action produce exactly the same events. Services never see sockets.
 */
@Injectable()
export class ChatPublisher {
  constructor(private readonly broadcaster: ChatBroadcaster) {}

  @OnDomainEvent('message.created')
  messageCreated({ message, recipientIds }: DomainEventMap['message.created']): void {
    this.broadcaster.toUsers(recipientIds, 'message:new', message);
  }

  @OnDomainEvent('message.updated')
  messageUpdated({ message, recipientIds }: DomainEventMap['message.updated']): void {
    this.broadcaster.toUsers(recipientIds, 'message:updated', message);
  }

  @OnDomainEvent('message.deleted')
  messageDeleted({ id, conversationId, recipientIds }: DomainEventMap['message.deleted']): void {
    this.broadcaster.toUsers(recipientIds, 'message:deleted', { id, conversationId });
  }

  @OnDomainEvent('receipt.moved')
  receiptMoved({ receipt, recipientIds }: DomainEventMap['receipt.moved']): void {
    this.broadcaster.toUsers(recipientIds, 'receipt', receipt);
  }

  /** Each recipient sees its own `unreadCount` and `mentionCount`: one emit per distinct pair, not one per user. */
  @OnDomainEvent('conversation.changed')
  conversationChanged({ conversation, unreadCountByUser, mentionCountByUser, recipientIds }: DomainEventMap['conversation.changed']): void {
    const byCounts = new Map<string, { unreadCount: number; mentionCount: number; userIds: string[] }>();
    for (const userId of new Set(recipientIds)) {
      const unreadCount = unreadCountByUser[userId] ?? 0;
      const mentionCount = mentionCountByUser[userId] ?? 0;
      const key = `${unreadCount}:${mentionCount}`;
      const group = byCounts.get(key);
      if (group) group.userIds.push(userId);
      else byCounts.set(key, { unreadCount, mentionCount, userIds: [userId] });
    }
    for (const { unreadCount, mentionCount, userIds } of byCounts.values()) {
      this.broadcaster.toUsers(userIds, 'conversation:updated', { ...conversation, unreadCount, mentionCount });
    }
  }

  /** A session ended: its sockets close wherever they are connected. */
  @OnDomainEvent('session.revoked')
  sessionRevoked({ sessionId }: DomainEventMap['session.revoked']): void {
    this.broadcaster.disconnectRooms([sessionRoom(sessionId)]);
  }

  /** To the user's presence subscribers, except users with a block between them and this user. */
  @OnDomainEvent('presence.changed')
  presenceChanged({ userId, online, lastSeenAt, hiddenFrom }: DomainEventMap['presence.changed']): void {
    this.broadcaster.toRooms([presenceRoom(userId)], 'presence', { userId, online, lastSeenAt }, hiddenFrom);
  }

  /**
   * The blocker's connections learn of their new block list and of the blocked user's presence as
   * they may now see it. Blocking is private to the blocker: the blocked user's connections hear of
   * it only where they follow the blocker's presence (`presence:subscribe`), as its presence as they
   * may now see it (hidden while blocked, the real state once unblocked); a connection that follows
   * nothing of the blocker gets no event at all, however often the block is toggled.
   */
  @OnDomainEvent('block.changed')
  blockChanged({ blockerId, blockedId, blocked, changed, presence }: DomainEventMap['block.changed']): void {
    if (!changed) return;
    this.broadcaster.toUsers([blockerId], 'block:updated', { userId: blockedId, blocked });
    this.broadcaster.toUsers([blockerId], 'presence', presence.ofBlocked);
    // Not awaited: the block is answered once its stored effects are in place, not once every instance answered.
    void this.broadcaster.toUserInRoom(blockedId, presenceRoom(blockerId), 'presence', presence.ofBlocker);
  }
}
