/**
 * The one typed contract of the Socket.IO API (namespace `/chat`), shared by the gateway,
 * the tests, the benchmark and the web client. Event names and payloads follow API.md.
 */
import type { ConversationResponse, DeliveredMarkResponse, ReadMarkResponse } from '../conversations/conversation.response';
import type { MessageResponse, ReceiptResponse } from '../messages/message.response';

export const CHAT_NAMESPACE = '/chat';

export interface AckError {
  status: number;
  message: string | string[];
}

/** Every client → server event is answered through its ack callback with one of these. */
export type Ack<T> = { ok: true; data: T } | { ok: false; error: AckError };
export type AckCallback<T> = (answer: Ack<T>) => void;

export interface SendMessagePayload {
  conversationId?: string;
  recipientId?: string;
  text: string;
  clientId?: string;
}
export interface EditMessagePayload {
  messageId: string;
  text: string;
}
export interface DeleteMessagePayload {
  messageId: string;
}
export interface MarkPayload {
  conversationId: string;
  messageId: string;
}
export interface TypingPayload {
  conversationId: string;
  typing: boolean;
}
export interface PresenceSubscribePayload {
  userIds: string[];
}
export interface PresenceState {
  userId: string;
  online: boolean;
  lastSeenAt: string | null;
}

export interface ClientToServerEvents {
  'message:send': (payload: SendMessagePayload, ack: AckCallback<MessageResponse>) => void;
  'message:edit': (payload: EditMessagePayload, ack: AckCallback<MessageResponse>) => void;
  'message:delete': (payload: DeleteMessagePayload, ack: AckCallback<{ id: string }>) => void;
  'conversation:delivered': (payload: MarkPayload, ack: AckCallback<DeliveredMarkResponse>) => void;
  'conversation:read': (payload: MarkPayload, ack: AckCallback<ReadMarkResponse>) => void;
  typing: (payload: TypingPayload, ack: AckCallback<Record<string, never>>) => void;
  'presence:subscribe': (payload: PresenceSubscribePayload, ack: AckCallback<PresenceState[]>) => void;
}

export interface TypingEvent {
  conversationId: string;
  userId: string;
  typing: boolean;
}

export interface ServerToClientEvents {
  'message:new': (message: MessageResponse) => void;
  'message:updated': (message: MessageResponse) => void;
  'message:deleted': (event: { id: string; conversationId: string }) => void;
  receipt: (receipt: ReceiptResponse) => void;
  typing: (event: TypingEvent) => void;
  presence: (state: PresenceState) => void;
  'conversation:updated': (conversation: ConversationResponse) => void;
}

export type ClientEventName = keyof ClientToServerEvents;
export type ServerEventName = keyof ServerToClientEvents;
