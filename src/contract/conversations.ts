import type { Message } from './messages';

export type ConversationType = 'direct' | 'group';

/** Direct conversations have no admins: both members are `member`. */
export type MemberRole = 'admin' | 'member';

export interface ConversationMember {
  userId: string;
  role: MemberRole;
}

/**
 * A conversation as the caller sees it: the counts are the caller's own, so the same conversation
 * differs between members (and in `conversation:updated`, between recipients).
 */
export interface Conversation {
  id: string;
  type: ConversationType;
  /** `null` for direct conversations: clients title them by the other member. */
  title: string | null;
  members: ConversationMember[];
  lastMessage: Message | null;
  /** Messages from others after the caller's read mark. */
  unreadCount: number;
  /** Messages after the caller's read mark that mention the caller. */
  mentionCount: number;
  createdAt: string;
  /** Last activity: the list is ordered by it, newest first. */
  updatedAt: string;
}

/** `GET /api/v1/conversations`, newest activity first. */
export interface ConversationPage {
  items: Conversation[];
  hasMore: boolean;
}

/**
 * The caller's read watermark after `POST .../read` or `conversation:read` (also `PUT /message/status/read`).
 * `unreadCount` is returned so a client need not refetch the conversation to update its badge.
 */
export interface ReadMark {
  conversationId: string;
  userId: string;
  readUpTo: string | null;
  unreadCount: number;
}

/** The caller's delivered watermark after `POST .../delivered` or `conversation:delivered`. */
export interface DeliveredMark {
  conversationId: string;
  userId: string;
  deliveredUpTo: string | null;
}
