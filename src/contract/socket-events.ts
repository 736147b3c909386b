/**
 * The typed contract of the Socket.IO API, shared by the gateway, the tests and the web client so that
 * an event renamed or reshaped on one side fails to compile on the other. Event names as in API.md.
 */
import type { Conversation, DeliveredMark, ReadMark } from './conversations';
import type { Message, Receipt } from './messages';
import type { PresenceState } from './users';

/** The namespace every client connects to: `io('<base>/chat', { auth: { token } })`. */
export const CHAT_NAMESPACE = '/chat';

/** Why a client → server event failed; `status` means what it means in the REST error table. */
export interface AckError {
  status: number;
  message: string | string[];
  /** With a 429 of a rate limit: how long until the limit lets the event through again (REST's `Retry-After`). */
  retryAfterMs?: number;
}

/** Every client → server event is answered through its ack callback with one of these, never by a dropped socket. */
export type Ack<T> = { ok: true; data: T } | { ok: false; error: AckError };
export type AckCallback<T> = (answer: Ack<T>) => void;

/**
 * The `data` of a refused handshake's `connect_error` (its `message` is e.g. `Unauthorized`).
 * `retryAfterMs`, when present, is the wait the server asks for (already jittered).
 */
export interface HandshakeErrorData {
  status: number;
  retryAfterMs?: number;
}

/** Exactly one of `conversationId` and `recipientId`; with `recipientId` the direct conversation is found or created. */
export interface SendMessagePayload {
  conversationId?: string;
  recipientId?: string;
  text: string;
  /** Makes retries safe: a repeated `(sender, clientId)` answers the first message and stores nothing. */
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
/** Moves the caller's delivered or read watermark up to `messageId` (never backwards). */
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

/** Ack data of `message:delete`: the deleted message's id. */
export interface DeleteMessageAck {
  id: string;
}

export interface ClientToServerEvents {
  /** Acked only once the message is durably stored. */
  'message:send': (payload: SendMessagePayload, ack: AckCallback<Message>) => void;
  'message:edit': (payload: EditMessagePayload, ack: AckCallback<Message>) => void;
  'message:delete': (payload: DeleteMessagePayload, ack: AckCallback<DeleteMessageAck>) => void;
  'message:react': (payload: ReactPayload, ack: AckCallback<Message>) => void;
  'conversation:delivered': (payload: MarkPayload, ack: AckCallback<DeliveredMark>) => void;
  'conversation:read': (payload: MarkPayload, ack: AckCallback<ReadMark>) => void;
  typing: (payload: TypingPayload, ack: AckCallback<Record<string, never>>) => void;
  /** Answers the current state, then `presence` events follow for as long as the connection lasts. */
  'presence:subscribe': (payload: PresenceSubscribePayload, ack: AckCallback<PresenceState[]>) => void;
}

/** A deletion carries no message: the tombstone itself reaches clients through `/sync` and message pages. */
export interface MessageDeletedEvent {
  id: string;
  conversationId: string;
}

/** To the other members only: the typist already knows. */
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
 * `reconnectionDelay`, `reconnectionDelayMax`, `randomizationFactor`), so the server can spread the
 * reconnections of its clients. A refused handshake may also carry `HandshakeErrorData.retryAfterMs`.
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
  'message:new': (message: Message) => void;
  /** Edits and reactions alike. */
  'message:updated': (message: Message) => void;
  'message:deleted': (event: MessageDeletedEvent) => void;
  receipt: (receipt: Receipt) => void;
  typing: (event: TypingEvent) => void;
  presence: (state: PresenceState) => void;
  /** Also to members just removed, so they can drop the conversation (it no longer lists them). */
  'conversation:updated': (conversation: Conversation) => void;
  'block:updated': (event: BlockUpdatedEvent) => void;
}

export type ClientEventName = keyof ClientToServerEvents;
export type ServerEventName = keyof ServerToClientEvents;
