import { Injectable } from '@nestjs/common';
import { OnEvent } from '@nestjs/event-emitter';
import type { DomainEventMap, DomainEventName } from '../common/domain-events';
import { ChatBroadcaster } from './chat.broadcaster';
import { presenceRoom, sessionRoom } from './chat.socket';

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

  /** Each recipient sees its own `unreadCount`: one emit per distinct count, not one per user. */
  @OnDomainEvent('conversation.changed')
  conversationChanged({ conversation, unreadCountByUser, recipientIds }: DomainEventMap['conversation.changed']): void {
    const byUnreadCount = new Map<number, string[]>();
    for (const userId of new Set(recipientIds)) {
      const unreadCount = unreadCountByUser[userId] ?? 0;
      const group = byUnreadCount.get(unreadCount);
      if (group) group.push(userId);
      else byUnreadCount.set(unreadCount, [userId]);
    }
    for (const [unreadCount, userIds] of byUnreadCount) {
      this.broadcaster.toUsers(userIds, 'conversation:updated', { ...conversation, unreadCount });
    }
  }

  /** A session ended: its sockets close wherever they are connected. */
  @OnDomainEvent('session.revoked')
  sessionRevoked({ sessionId }: DomainEventMap['session.revoked']): void {
    this.broadcaster.disconnectRooms([sessionRoom(sessionId)]);
  }

  @OnDomainEvent('presence.changed')
  presenceChanged({ userId, online, lastSeenAt }: DomainEventMap['presence.changed']): void {
    this.broadcaster.toRooms([presenceRoom(userId)], 'presence', { userId, online, lastSeenAt });
  }
}
