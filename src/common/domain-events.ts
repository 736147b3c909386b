import { Injectable } from '@nestjs/common';
import { EventEmitter2 } from '@nestjs/event-emitter';
import type { Conversation, Message, Receipt } from '../contract';

/**
 * Domain events, published by services after the change is stored.
 * `recipientIds` names every user the change concerns; the realtime layer turns each event
 * into socket emits to the `user:<id>` rooms. Services never know about sockets.
 */
export interface DomainEventMap {
  'message.created': { message: Message; recipientIds: string[] };
  'message.updated': { message: Message; recipientIds: string[] };
  'message.deleted': { id: string; conversationId: string; recipientIds: string[] };
  'receipt.moved': { receipt: Receipt; recipientIds: string[] };
  /**
   * A conversation was created, renamed or changed members. `unreadCountByUser` and
   * `mentionCountByUser` fill each recipient's own `unreadCount` and `mentionCount`; removed members are among the recipients but not the members.
   */
  'conversation.changed': {
    conversation: Omit<Conversation, 'unreadCount' | 'mentionCount'>;
    unreadCountByUser: Record<string, number>;
    mentionCountByUser: Record<string, number>;
    recipientIds: string[];
  };
  /** A session ended (logout, or a reused refresh token revoked its family): its sockets are closed and its access tokens refused on every instance (SessionEndings). */
  'session.revoked': { userId: string; sessionId: string };
  /**
   * A user's presence changed (first connection opened, last one closed). `hiddenFrom`: users with a
   * block between them and this user, who must not see it.
   */
  'presence.changed': { userId: string; online: boolean; lastSeenAt: string | null; hiddenFrom: string[] };
  /**
   * `blockerId` blocked or unblocked `blockedId` (`changed` false: it already was so). Published and
   * awaited before the request is answered, so every effect (the direct conversation refusing sends)
   * is in place first. `presence` is what each side may now see of the other.
   */
  'block.changed': {
    blockerId: string;
    blockedId: string;
    blocked: boolean;
    changed: boolean;
    presence: { ofBlocked: PresenceView; ofBlocker: PresenceView };
  };
}

/** A user's presence as one viewer may see it (hidden = offline, no last-seen time). */
export interface PresenceView {
  userId: string;
  online: boolean;
  lastSeenAt: string | null;
}

export type DomainEventName = keyof DomainEventMap;

/** Typed facade over the in-process event bus. */
@Injectable()
export class DomainEvents {
  constructor(private readonly emitter: EventEmitter2) {}

  publish<K extends DomainEventName>(name: K, payload: DomainEventMap[K]): void {
    this.emitter.emit(name, payload);
  }

  /** Publishes and waits for every subscriber (one that keeps derived data current may fail the caller). */
  async publishAndWait<K extends DomainEventName>(name: K, payload: DomainEventMap[K]): Promise<void> {
    await this.emitter.emitAsync(name, payload);
  }
}
