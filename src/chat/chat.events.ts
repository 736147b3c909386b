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
  /** The message this one replies to (same conversation). */
  replyToId?: string;
  /** Ids of mentioned members (at most 50). */
  mentions?: string[];
}
export interface EditMessagePayload {
  messageId: string;
  text: string;
}
export interface DeleteMessagePayload {
  messageId: string;
}
/** `on: true` adds the caller's reaction with `emoji` (one emoji), `false` takes it back; both idempotent. */
export interface ReactPayload {
  messageId: string;
  emoji: string;
  on: boolean;
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
  'message:react': (payload: ReactPayload, ack: AckCallback<MessageResponse>) => void;
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

/** To the blocker's own connections only (blocking is private): its block list changed. */
export interface BlockUpdatedEvent {
  userId: string;
  blocked: boolean;
}

/**
 * Sent on every connection: the back-off to use between reconnection attempts (socket.io-client's
 * `reconnectionDelay`, `reconnectionDelayMax`, `randomizationFactor`). A refused handshake may also
 * carry `data.retryAfterMs` in its `connect_error`: wait that long (it is already jittered).
 */
export interface ReconnectPolicy {
  delayMs: number;
  maxDelayMs: number;
  randomizationFactor: number;
}

export interface SyncRequiredEvent {
  spreadMs: number;
  /** When the outage began (ISO 8601). */
  since: string;
  /**
   * A sync cursor from shortly before `since`: a client whose last sync is older than `since` (it has
   * been connected since, so it got every event before the outage) catches up from this one instead
   * of its own, and reads only what the outage may have kept from it.
   */
  cursor: string;
}

export interface ServerToClientEvents {
  'reconnect:policy': (policy: ReconnectPolicy) => void;
  /**
   * Events may have been missed (the server's link to the other instances broke): catch up with
   * `GET /api/v1/sync`, at a random moment within `spreadMs` (every client hears this at once).
   */
  'sync:required': (event: SyncRequiredEvent) => void;
  'message:new': (message: MessageResponse) => void;
  'message:updated': (message: MessageResponse) => void;
  'message:deleted': (event: { id: string; conversationId: string }) => void;
  receipt: (receipt: ReceiptResponse) => void;
  typing: (event: TypingEvent) => void;
  presence: (state: PresenceState) => void;
  'conversation:updated': (conversation: ConversationResponse) => void;
  'block:updated': (event: BlockUpdatedEvent) => void;
}

export type ClientEventName = keyof ClientToServerEvents;
export type ServerEventName = keyof ServerToClientEvents;
