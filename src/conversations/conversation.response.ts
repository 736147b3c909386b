import type { MessageResponse } from '../messages/message.response';

export type ConversationType = 'direct' | 'group';
export type MemberRole = 'admin' | 'member';

export interface ConversationMemberResponse {
  userId: string;
  role: MemberRole;
}

export interface ConversationResponse {
  id: string;
  type: ConversationType;
  /** `null` for direct conversations. */
  title: string | null;
  members: ConversationMemberResponse[];
  lastMessage: MessageResponse | null;
  /** Messages from others after the caller's read mark. */
  unreadCount: number;
  createdAt: string;
  updatedAt: string;
}

export interface ConversationPageResponse {
  items: ConversationResponse[];
  hasMore: boolean;
}

export interface ReadMarkResponse {
  conversationId: string;
  userId: string;
  readUpTo: string | null;
  unreadCount: number;
}

export interface DeliveredMarkResponse {
  conversationId: string;
  userId: string;
  deliveredUpTo: string | null;
}
