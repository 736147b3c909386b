/**
 * The client-side chat state and everything that keeps it true: conversations, message threads with
 * local echo, receipts (ticks), typing, presence, delivered/read marks and catch-up after being offline.
 * Views read from it and re-render on its change notifications; they never talk to the network.
 */
import type { Conversation, Message, MessageStatus, PresenceState, PublicUser, Receipt, ReplyPreview, SyncResult, TypingEvent, User } from '../../src/contract';
import { ApiError, type Api } from './api.js';
import { newClientId } from './dom.js';
import { Realtime, SocketRequestError, type ChatSocket, type ConnectionState } from './realtime.js';
import type { Session } from './session.js';

/** A message shown at once (local echo) until the stored one arrives with the same clientId. */
export interface PendingMessage {
  clientId: string;
  conversationId: string;
  text: string;
  createdAt: string;
  state: 'pending' | 'failed';
  error: string | null;
  inFlight: boolean;
  /** The quote shown at once, and the message it replies to. */
  replyTo: ReplyPreview | null;
  mentions: string[];
}

/** What `send` takes beside the text: the message replied to, and who is mentioned. */
export interface SendOptions {
  replyTo?: Message | null;
  mentions?: string[];
}

export interface Thread {
  /** Stored messages by id: merging by id is what keeps socket events, acks and sync from duplicating. */
  messages: Map<string, Message>;
  /** Local echoes by clientId, removed when the stored message arrives. */
  pending: Map<string, PendingMessage>;
  loaded: boolean;
  loading: boolean;
  hasMoreOlder: boolean;
  loadingOlder: boolean;
  error: string | null;
}

export type ThreadItem = { kind: 'message'; message: Message } | { kind: 'pending'; pending: PendingMessage };

export type Topic = 'conversations' | 'thread' | 'typing' | 'users' | 'connection' | 'open' | 'blocks';
export type Listener = (topic: Topic, conversationId: string | null) => void;

const STATUS_RANK: Record<MessageStatus, number> = { sent: 0, delivered: 1, read: 2 };
const TYPING_SEND_INTERVAL_MS = 2_000;
const TYPING_IDLE_MS = 4_000;
const TYPING_SHOW_MS = 5_000;
const RETRY_SEND_MS = 3_000;

function maxStatus(a: MessageStatus, b: MessageStatus): MessageStatus {
  return STATUS_RANK[a] >= STATUS_RANK[b] ? a : b;
}

/** Combines two versions of the same message: deletions and later edits win, status never goes back. */
function combine(known: Message, incoming: Message): Message {
  let merged: Message = { ...incoming, status: maxStatus(known.status, incoming.status) };
  if (known.deletedAt && !incoming.deletedAt) {
    merged = { ...merged, text: null, deletedAt: known.deletedAt, reactions: [], mentions: [], replyTo: null };
  } else if (known.editedAt && (!incoming.editedAt || known.editedAt > incoming.editedAt) && !incoming.deletedAt) {
    merged = { ...merged, text: known.text, editedAt: known.editedAt };
  }
  return merged;
}

function activityOf(conversation: Conversation): number {
  const updated = Date.parse(conversation.updatedAt) || 0;
  const last = conversation.lastMessage ? Date.parse(conversation.lastMessage.createdAt) || 0 : 0;
  return Math.max(updated, last, Date.parse(conversation.createdAt) || 0);
}

export class ChatClient {
  readonly me: User;
  readonly conversations = new Map<string, Conversation>();
  conversationsHasMore = false;
  conversationsLoaded = false;
  conversationsError: string | null = null;
  readonly threads = new Map<string, Thread>();
  readonly users = new Map<string, PublicUser>();
  /** conversationId → userId → timer that hides the indicator if no update comes. */
  readonly typing = new Map<string, Map<string, ReturnType<typeof setTimeout>>>();
  connection: ConnectionState = 'connecting';
  openId: string | null = null;
  /** Users I block (private to me). */
  readonly blocked = new Set<string>();
  /** Direct conversations whose other member refused my messages (403): they block me. */
  readonly refused = new Set<string>();
  /** A message the view should scroll to and highlight once it is shown (a search result, a quote). */
  focusMessageId: string | null = null;

  private readonly realtime: Realtime;
  private readonly listeners = new Set<Listener>();
  private chatOnScreen = false;
  private stopped = false;
  private readonly userRequests = new Map<string, Promise<PublicUser | null>>();
  /** Highest seq we already told the server we read / received, per conversation. */
  private readonly readSent = new Map<string, number>();
  private readonly deliveredSent = new Map<string, number>();
  /** In a direct conversation, the other member's read / delivered watermark (seq), from receipts. */
  private readonly partnerMarks = new Map<string, { delivered: number; read: number }>();
  private readonly statusRefreshTimers = new Map<string, ReturnType<typeof setTimeout>>();
  private readonly typingOut = new Map<string, { active: boolean; lastSent: number; idle?: ReturnType<typeof setTimeout> }>();
  private syncRun: Promise<void> | null = null;
  /** When the last catch-up that ran to the end started (this tab has been connected since, or it ran again). */
  private syncedAt: number | null = null;
  /** The cursor the next catch-up starts from instead of the stored one (see onSyncRequired). */
  private syncFrom: string | null = null;
  /** Counts `presence` events; per user, the count at its latest one (see subscribePresence). */
  private presenceTick = 0;
  private readonly presenceEventTicks = new Map<string, number>();
  private syncAgain = false;
  private presenceTimer: ReturnType<typeof setTimeout> | undefined;
  private readonly onVisibility = () => this.markOpenAsRead();

  constructor(
    private readonly api: Api,
    session: Session,
    me: User,
  ) {
    this.me = me;
    this.users.set(me.id, me);
    this.realtime = new Realtime(session, {
      onConnect: () => this.onConnect(),
      onSyncRequired: (event) => {
        // Connected since a sync older than the outage: every event before it arrived, so the
        // server's cursor from just before the outage is enough (and reads far less than ours).
        const since = Date.parse(event.since);
        if (!this.syncRun && this.syncedAt !== null && this.syncedAt < since && typeof event.cursor === 'string') this.syncFrom = event.cursor;
        this.schedulePresenceSubscribe(0);
        void this.catchUp();
      },
      onStateChange: (state) => {
        if (state !== 'online') this.clearAllTyping();
        this.connection = state;
        this.emit('connection');
      },
    });
  }

  // ---- lifecycle ------------------------------------------------------------------------------------

  subscribe(listener: Listener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  async start(): Promise<void> {
    document.addEventListener('visibilitychange', this.onVisibility);
    window.addEventListener('focus', this.onVisibility);
    // The cursor is taken before the conversations are loaded, so nothing that happens in between is
    // missed: the first catch-up (on the first socket connect) covers it, and merging by id drops repeats.
    await this.resetCursor().catch(() => undefined);
    await Promise.all([this.loadConversations(), this.loadBlocked()]);
    if (this.stopped) return;
    await this.realtime.start((socket) => this.listen(socket));
  }

  stop(): void {
    this.stopped = true;
    document.removeEventListener('visibilitychange', this.onVisibility);
    window.removeEventListener('focus', this.onVisibility);
    this.realtime.stop();
    this.clearAllTyping();
    for (const state of this.typingOut.values()) clearTimeout(state.idle);
    for (const timer of this.statusRefreshTimers.values()) clearTimeout(timer);
    clearTimeout(this.presenceTimer);
    this.listeners.clear();
  }

  private emit(topic: Topic, conversationId: string | null = null): void {
    for (const listener of this.listeners) listener(topic, conversationId);
  }

  // ---- reading state for views ----------------------------------------------------------------------

  sortedConversations(): Conversation[] {
    return [...this.conversations.values()].sort((a, b) => activityOf(b) - activityOf(a));
  }

  partnerId(conversation: Conversation): string | null {
    if (conversation.type !== 'direct') return null;
    return conversation.members.find((member) => member.userId !== this.me.id)?.userId ?? null;
  }

  titleOf(conversation: Conversation): string {
    if (conversation.type === 'group') return conversation.title ?? 'Group';
    const partner = this.partnerId(conversation);
    return partner ? this.nameOf(partner) : 'Just you';
  }

  /** A user's display name; unknown users are fetched and views are told when the name arrives. */
  nameOf(userId: string): string {
    if (userId === this.me.id) return this.me.name;
    const user = this.users.get(userId);
    if (user?.name) return user.name;
    void this.ensureUser(userId);
    return '…';
  }

  thread(conversationId: string): Thread {
    let thread = this.threads.get(conversationId);
    if (!thread) {
      thread = { messages: new Map(), pending: new Map(), loaded: false, loading: false, hasMoreOlder: false, loadingOlder: false, error: null };
      this.threads.set(conversationId, thread);
    }
    return thread;
  }

  /** Stored messages by seq, then the local echoes still waiting, in the order they were written. */
  threadItems(conversationId: string): ThreadItem[] {
    const thread = this.threads.get(conversationId);
    if (!thread) return [];
    const stored = [...thread.messages.values()].sort((a, b) => a.seq - b.seq);
    const pending = [...thread.pending.values()].sort((a, b) => a.createdAt.localeCompare(b.createdAt));
    return [...stored.map((message): ThreadItem => ({ kind: 'message', message })), ...pending.map((item): ThreadItem => ({ kind: 'pending', pending: item }))];
  }

  typingText(conversationId: string): string {
    const typers = [...(this.typing.get(conversationId)?.keys() ?? [])];
    if (typers.length === 0) return '';
    const names = typers.map((id) => this.nameOf(id));
    if (names.length === 1) return `${names[0]} is typing…`;
    if (names.length === 2) return `${names[0]} and ${names[1]} are typing…`;
    return `${names.length} people are typing…`;
  }

  // ---- conversations --------------------------------------------------------------------------------

  async loadConversations(): Promise<void> {
    try {
      const page = await this.api.conversations();
      this.conversations.clear();
      for (const conversation of page.items) this.conversations.set(conversation.id, conversation);
      this.conversationsHasMore = page.hasMore;
      this.conversationsLoaded = true;
      this.conversationsError = null;
      this.afterConversationsChanged(page.items);
    } catch (error) {
      this.conversationsError = error instanceof Error ? error.message : 'Could not load conversations';
    }
    this.emit('conversations');
  }

  async loadMoreConversations(): Promise<void> {
    const oldest = this.sortedConversations().at(-1);
    if (!oldest || !this.conversationsHasMore) return;
    const page = await this.api.conversations(oldest.id);
    for (const conversation of page.items) if (!this.conversations.has(conversation.id)) this.conversations.set(conversation.id, conversation);
    this.conversationsHasMore = page.hasMore;
    this.afterConversationsChanged(page.items);
    this.emit('conversations');
  }

  /** Opens (creating on first use) the one direct conversation with that user. */
  async startDirect(user: PublicUser): Promise<string> {
    this.rememberUser(user);
    const conversation = await this.api.openDirect(user.id);
    this.upsertConversation(conversation, true);
    return conversation.id;
  }

  async createGroup(title: string, members: PublicUser[]): Promise<string> {
    members.forEach((member) => this.rememberUser(member));
    const conversation = await this.api.createGroup(
      title,
      members.map((member) => member.id),
    );
    this.upsertConversation(conversation, true);
    return conversation.id;
  }

  async searchUsers(query: string): Promise<PublicUser[]> {
    const users = await this.api.searchUsers(query);
    users.forEach((user) => this.rememberUser(user));
    return users.filter((user) => user.id !== this.me.id);
  }

  private upsertConversation(incoming: Conversation, trustUnread: boolean): void {
    if (!incoming.members.some((member) => member.userId === this.me.id)) {
      this.dropConversation(incoming.id);
      return;
    }
    const known = this.conversations.get(incoming.id);
    let next = incoming;
    if (known) {
      const keepLast = known.lastMessage && (!incoming.lastMessage || known.lastMessage.seq > incoming.lastMessage.seq);
      next = {
        ...incoming,
        lastMessage: keepLast ? known.lastMessage : incoming.lastMessage,
        unreadCount: trustUnread ? incoming.unreadCount : known.unreadCount,
        mentionCount: trustUnread ? incoming.mentionCount : known.mentionCount,
      };
    }
    this.conversations.set(incoming.id, next);
    this.afterConversationsChanged([next]);
    this.emit('conversations');
  }

  /** We left it or were removed from it: forget it and its thread. */
  private dropConversation(conversationId: string): void {
    this.conversations.delete(conversationId);
    this.threads.delete(conversationId);
    if (this.openId === conversationId) void this.open(null);
    this.emit('conversations');
  }

  private async fetchConversation(conversationId: string): Promise<Conversation | null> {
    try {
      const conversation = await this.api.conversation(conversationId);
      this.upsertConversation(conversation, true);
      return this.conversations.get(conversationId) ?? null;
    } catch {
      return null;
    }
  }

  /** Names for direct partners, presence for them, and a delivered mark for what arrived meanwhile. */
  private afterConversationsChanged(changed: Conversation[]): void {
    for (const conversation of changed) {
      const partner = this.partnerId(conversation);
      if (partner) void this.ensureUser(partner);
      const last = conversation.lastMessage;
      if (last && last.senderId !== this.me.id && conversation.unreadCount > 0) {
        if (this.isOnScreen(conversation.id)) this.markOpenAsRead();
        else this.markDelivered(conversation.id, last);
      }
    }
    this.schedulePresenceSubscribe();
  }

  // ---- threads --------------------------------------------------------------------------------------

  /**
   * Shows a conversation (or none); loads its newest page the first time. Resolves false when the
   * conversation does not exist or we are not a member (a stale link).
   */
  async open(conversationId: string | null): Promise<boolean> {
    if (this.openId && this.openId !== conversationId) this.stopTyping(this.openId);
    this.openId = conversationId;
    this.emit('open', conversationId);
    if (!conversationId) return true;
    if (!this.conversations.has(conversationId) && !(await this.fetchConversation(conversationId))) {
      if (this.openId === conversationId) {
        this.openId = null;
        this.emit('open', null);
      }
      return false;
    }
    const thread = this.thread(conversationId);
    if (!thread.loaded && !thread.loading) await this.loadThread(conversationId);
    else this.markOpenAsRead();
    return true;
  }

  /** Unread messages over all conversations (for the page title). */
  totalUnread(): number {
    let total = 0;
    for (const conversation of this.conversations.values()) total += conversation.unreadCount;
    return total;
  }

  /** Whether the open conversation is really on screen (the chat view shows on a phone-width layout). */
  setChatOnScreen(onScreen: boolean): void {
    this.chatOnScreen = onScreen;
    if (onScreen) this.markOpenAsRead();
  }

  private isOnScreen(conversationId: string): boolean {
    return this.openId === conversationId && this.chatOnScreen && document.visibilityState === 'visible';
  }

  async loadThread(conversationId: string): Promise<void> {
    const thread = this.thread(conversationId);
    thread.loading = true;
    thread.error = null;
    this.emit('thread', conversationId);
    try {
      const page = await this.api.messages(conversationId, { limit: 50 });
      for (const message of page.items) this.mergeMessage(message);
      thread.loaded = true;
      thread.hasMoreOlder = page.hasMore;
    } catch (error) {
      thread.error = error instanceof Error ? error.message : 'Could not load messages';
    } finally {
      thread.loading = false;
    }
    this.emit('thread', conversationId);
    this.emit('conversations');
    this.markOpenAsRead();
  }

  /** The page just older than the oldest loaded message (`before=<oldest id>`). */
  async loadOlder(conversationId: string): Promise<void> {
    const thread = this.threads.get(conversationId);
    if (!thread?.loaded || !thread.hasMoreOlder || thread.loadingOlder) return;
    const oldest = [...thread.messages.values()].reduce<Message | null>((min, m) => (!min || m.seq < min.seq ? m : min), null);
    if (!oldest) return;
    thread.loadingOlder = true;
    this.emit('thread', conversationId);
    try {
      const page = await this.api.messages(conversationId, { before: oldest.id, limit: 50 });
      for (const message of page.items) this.mergeMessage(message);
      thread.hasMoreOlder = page.hasMore;
    } catch (error) {
      thread.error = error instanceof Error ? error.message : 'Could not load older messages';
    } finally {
      thread.loadingOlder = false;
    }
    this.emit('thread', conversationId);
  }

  /**
   * Merges a stored message into what we know (thread and conversation preview) and drops its local
   * echo. Returns whether it is new to us, which is what unread counts and marks go by.
   */
  private mergeMessage(incoming: Message): boolean {
    const conversation = this.conversations.get(incoming.conversationId);
    const thread = this.threads.get(incoming.conversationId);
    const last = conversation?.lastMessage ?? null;
    let isNew = thread?.loaded ? true : !last || incoming.seq > last.seq;

    let merged = this.applyPartnerMarks(incoming);
    if (thread) {
      const known = thread.messages.get(incoming.id);
      if (known) {
        isNew = false;
        merged = combine(known, merged);
      }
      thread.messages.set(incoming.id, merged);
      if (incoming.clientId && incoming.senderId === this.me.id) thread.pending.delete(incoming.clientId);
    }
    if (conversation) {
      if (!last || merged.seq > last.seq) {
        conversation.lastMessage = merged;
        if (Date.parse(merged.createdAt) > Date.parse(conversation.updatedAt)) conversation.updatedAt = merged.createdAt;
      } else if (last.id === merged.id) {
        conversation.lastMessage = combine(last, merged);
      }
    }
    this.refreshQuotesOf(merged);
    return isNew;
  }

  /** Replies we hold that quote `message` show it as it is now (the server does the same for reads and sync). */
  private refreshQuotesOf(message: Message): void {
    const thread = this.threads.get(message.conversationId);
    const deleted = Boolean(message.deletedAt);
    const quote = (replyTo: ReplyPreview): ReplyPreview => ({
      ...replyTo,
      text: deleted || message.text === null ? null : [...message.text].slice(0, 200).join(''),
      deletedAt: message.deletedAt,
    });
    if (thread) {
      for (const [id, reply] of thread.messages) if (reply.replyTo?.id === message.id) thread.messages.set(id, { ...reply, replyTo: quote(reply.replyTo) });
    }
    const conversation = this.conversations.get(message.conversationId);
    const last = conversation?.lastMessage;
    if (conversation && last?.replyTo?.id === message.id) conversation.lastMessage = { ...last, replyTo: quote(last.replyTo) };
  }

  // ---- sending --------------------------------------------------------------------------------------

  /** Shows the message at once and sends it; it is retried (same clientId, so never stored twice). */
  send(conversationId: string, rawText: string, options: SendOptions = {}): void {
    const text = rawText.trim();
    if (!text) return;
    const quoted = options.replyTo ?? null;
    const pending: PendingMessage = {
      clientId: newClientId(),
      conversationId,
      text,
      createdAt: new Date().toISOString(),
      state: 'pending',
      error: null,
      inFlight: false,
      replyTo: quoted
        ? { id: quoted.id, senderId: quoted.senderId, text: quoted.text === null ? null : [...quoted.text].slice(0, 200).join(''), deletedAt: quoted.deletedAt }
        : null,
      mentions: [...new Set(options.mentions ?? [])],
    };
    this.thread(conversationId).pending.set(pending.clientId, pending);
    this.stopTyping(conversationId);
    this.emit('thread', conversationId);
    void this.deliver(pending);
  }

  retry(conversationId: string, clientId: string): void {
    const pending = this.threads.get(conversationId)?.pending.get(clientId);
    if (!pending) return;
    pending.state = 'pending';
    pending.error = null;
    this.emit('thread', conversationId);
    void this.deliver(pending);
  }

  discard(conversationId: string, clientId: string): void {
    this.threads.get(conversationId)?.pending.delete(clientId);
    this.emit('thread', conversationId);
  }

  private isStillPending(pending: PendingMessage): boolean {
    return this.threads.get(pending.conversationId)?.pending.get(pending.clientId) === pending;
  }

  private async deliver(pending: PendingMessage): Promise<void> {
    if (pending.inFlight || pending.state !== 'pending' || !this.realtime.connected) return;
    pending.inFlight = true;
    try {
      const stored = await this.realtime.request('message:send', {
        conversationId: pending.conversationId,
        text: pending.text,
        clientId: pending.clientId,
        ...(pending.replyTo ? { replyToId: pending.replyTo.id } : {}),
        ...(pending.mentions.length ? { mentions: pending.mentions } : {}),
      });
      this.mergeMessage(stored);
      this.refused.delete(pending.conversationId);
      this.emit('thread', pending.conversationId);
      this.emit('conversations');
    } catch (error) {
      const status = error instanceof SocketRequestError ? error.status : 0;
      if (status === 0 || status === 401 || status >= 500) {
        // No answer, or the connection is being renewed: stays pending and goes out again on reconnect.
        setTimeout(() => {
          if (this.isStillPending(pending)) void this.deliver(pending);
        }, RETRY_SEND_MS);
      } else {
        pending.state = 'failed';
        pending.error = status === 429 ? 'Sending too fast. Try again in a moment.' : error instanceof Error ? error.message : 'Not sent';
        // 403 in a direct conversation: one of us blocks the other. If it is not me, they block me.
        if (status === 403 && !this.blockedInConversation(pending.conversationId)) this.refused.add(pending.conversationId);
        this.emit('thread', pending.conversationId);
        this.emit('blocks');
      }
    } finally {
      pending.inFlight = false;
    }
  }

  // ---- changing messages ----------------------------------------------------------------------------

  /** Sends an edit of one of our messages; the stored version (and `message:updated`) replaces it. */
  async editMessage(message: Message, rawText: string): Promise<void> {
    const text = rawText.trim();
    if (!text || text === message.text) return;
    const updated = this.realtime.connected ? await this.realtime.request('message:edit', { messageId: message.id, text }) : await this.api.editMessage(message.id, text);
    this.mergeMessage(updated);
    this.emit('thread', message.conversationId);
    this.emit('conversations');
  }

  async deleteMessage(message: Message): Promise<void> {
    if (this.realtime.connected) await this.realtime.request('message:delete', { messageId: message.id });
    else await this.api.deleteMessage(message.id);
    this.onMessageDeleted(message.id, message.conversationId);
  }

  /** Adds our reaction with `emoji`, or takes it back when we already reacted so. */
  async toggleReaction(message: Message, emoji: string): Promise<void> {
    const on = !message.reactions.some((reaction) => reaction.emoji === emoji && reaction.userIds.includes(this.me.id));
    const updated = this.realtime.connected ? await this.realtime.request('message:react', { messageId: message.id, emoji, on }) : await this.api.react(message.id, emoji, on);
    this.mergeMessage(updated);
    this.emit('thread', message.conversationId);
    this.emit('conversations');
  }

  /** Scrolls the open view to a message once it is loaded: older pages are fetched until it is there. */
  async reveal(conversationId: string, messageId: string): Promise<boolean> {
    const thread = this.thread(conversationId);
    for (let pages = 0; pages < 40 && !thread.messages.has(messageId); pages += 1) {
      if (!thread.loaded) await this.loadThread(conversationId);
      else if (thread.hasMoreOlder) await this.loadOlder(conversationId);
      else break;
    }
    if (!thread.messages.has(messageId)) return false;
    this.focusMessageId = messageId;
    this.emit('thread', conversationId);
    return true;
  }

  searchMessages(q: string, before?: string): Promise<{ items: Message[]; hasMore: boolean }> {
    return this.api.searchMessages(q, before);
  }

  // ---- groups ---------------------------------------------------------------------------------------

  async renameGroup(conversationId: string, title: string): Promise<void> {
    this.upsertConversation(await this.api.renameGroup(conversationId, title), true);
  }

  async addMembers(conversationId: string, users: PublicUser[]): Promise<void> {
    users.forEach((user) => this.rememberUser(user));
    this.upsertConversation(
      await this.api.addMembers(
        conversationId,
        users.map((user) => user.id),
      ),
      true,
    );
  }

  /** An admin removes a member; with our own id, we leave the group. */
  async removeMember(conversationId: string, userId: string): Promise<void> {
    await this.api.removeMember(conversationId, userId);
    const conversation = this.conversations.get(conversationId);
    if (!conversation) return;
    this.upsertConversation({ ...conversation, members: conversation.members.filter((member) => member.userId !== userId) }, false);
  }

  // ---- blocking -------------------------------------------------------------------------------------

  /** In a direct conversation: whether I block the other member. */
  blockedInConversation(conversationId: string): boolean {
    const conversation = this.conversations.get(conversationId);
    const partner = conversation ? this.partnerId(conversation) : null;
    return partner !== null && this.blocked.has(partner);
  }

  async setBlocked(userId: string, blocked: boolean): Promise<void> {
    await this.api.setBlocked(userId, blocked);
    this.applyBlock(userId, blocked);
  }

  private async loadBlocked(): Promise<void> {
    try {
      const users = await this.api.blockedUsers();
      this.blocked.clear();
      for (const user of users) {
        this.blocked.add(user.id);
        this.rememberUser(user);
      }
      this.emit('blocks');
    } catch {
      // Shown as not blocked until the next start; the server enforces it anyway.
    }
  }

  private applyBlock(userId: string, blocked: boolean): void {
    if (blocked) this.blocked.add(userId);
    else this.blocked.delete(userId);
    this.emit('blocks');
  }

  private flushOutbox(): void {
    for (const thread of this.threads.values()) for (const pending of thread.pending.values()) void this.deliver(pending);
  }

  // ---- typing (outgoing) ----------------------------------------------------------------------------

  /** Call on each keystroke in the composer: sends `typing: true` at most every ~2 s. */
  userTyping(conversationId: string): void {
    const state = this.typingOut.get(conversationId) ?? { active: false, lastSent: 0 };
    this.typingOut.set(conversationId, state);
    const now = Date.now();
    if (!state.active || now - state.lastSent >= TYPING_SEND_INTERVAL_MS) {
      state.active = true;
      state.lastSent = now;
      this.emitTyping(conversationId, true);
    }
    clearTimeout(state.idle);
    state.idle = setTimeout(() => this.stopTyping(conversationId), TYPING_IDLE_MS);
  }

  /** On send, blur, an emptied composer or leaving the conversation. */
  stopTyping(conversationId: string): void {
    const state = this.typingOut.get(conversationId);
    if (!state?.active) return;
    state.active = false;
    clearTimeout(state.idle);
    this.emitTyping(conversationId, false);
  }

  private emitTyping(conversationId: string, typing: boolean): void {
    if (!this.realtime.connected) return;
    this.realtime.request('typing', { conversationId, typing }, 5_000).catch(() => undefined);
  }

  // ---- server events --------------------------------------------------------------------------------

  private listen(socket: ChatSocket): void {
    socket.on('message:new', (message) => void this.onMessageNew(message));
    socket.on('message:updated', (message) => {
      this.mergeMessage(message);
      this.emit('thread', message.conversationId);
      this.emit('conversations');
    });
    socket.on('message:deleted', ({ id, conversationId }) => this.onMessageDeleted(id, conversationId));
    socket.on('receipt', (receipt) => this.applyReceipt(receipt));
    socket.on('typing', (event) => this.onTyping(event));
    socket.on('presence', (state) => {
      this.presenceEventTicks.set(state.userId, ++this.presenceTick);
      this.applyPresence(state);
    });
    socket.on('conversation:updated', (conversation) => this.upsertConversation(conversation, false));
    socket.on('block:updated', ({ userId, blocked }) => this.applyBlock(userId, blocked));
  }

  private onConnect(): void {
    this.flushOutbox();
    this.schedulePresenceSubscribe(0);
    void this.catchUp();
  }

  private async onMessageNew(message: Message): Promise<void> {
    const conversationId = message.conversationId;
    if (!this.conversations.has(conversationId)) {
      // A conversation we did not know yet (someone just wrote to us for the first time).
      const conversation = await this.fetchConversation(conversationId);
      if (!conversation) return;
      this.mergeMessage(message);
      if (message.senderId !== this.me.id) this.markIncoming(conversationId, message);
      this.emit('thread', conversationId);
      this.emit('conversations');
      return;
    }
    const isNew = this.mergeMessage(message);
    if (message.senderId !== this.me.id) {
      this.clearTyping(conversationId, message.senderId);
      if (isNew) {
        const conversation = this.conversations.get(conversationId);
        if (conversation && !this.isOnScreen(conversationId)) {
          conversation.unreadCount += 1;
          if (message.mentions.includes(this.me.id)) conversation.mentionCount += 1;
        }
        this.markIncoming(conversationId, message);
      }
    }
    this.emit('thread', conversationId);
    this.emit('conversations');
  }

  private onMessageDeleted(id: string, conversationId: string): void {
    const now = new Date().toISOString();
    const thread = this.threads.get(conversationId);
    const known = thread?.messages.get(id);
    if (thread && known) {
      const tombstone = { ...known, text: null, deletedAt: known.deletedAt ?? now, reactions: [], mentions: [], replyTo: null };
      thread.messages.set(id, tombstone);
      this.refreshQuotesOf(tombstone);
    }
    const conversation = this.conversations.get(conversationId);
    if (conversation?.lastMessage?.id === id) conversation.lastMessage = { ...conversation.lastMessage, text: null, deletedAt: conversation.lastMessage.deletedAt ?? now };
    this.emit('thread', conversationId);
    this.emit('conversations');
  }

  // ---- receipts and ticks ---------------------------------------------------------------------------

  private seqOf(conversationId: string, messageId: string): number | null {
    const inThread = this.threads.get(conversationId)?.messages.get(messageId);
    if (inThread) return inThread.seq;
    const last = this.conversations.get(conversationId)?.lastMessage;
    return last?.id === messageId ? last.seq : null;
  }

  /**
   * A watermark moved. In a direct conversation the other member's mark alone decides the status of all
   * of our messages up to it. In a group every other member's mark counts, which we do not all know, so
   * we ask the server for the statuses again (debounced).
   */
  private applyReceipt(receipt: Receipt): void {
    const conversation = this.conversations.get(receipt.conversationId);
    if (!conversation) return;
    const seq = this.seqOf(receipt.conversationId, receipt.messageId);
    if (receipt.userId === this.me.id) {
      // Read on another device of ours.
      if (receipt.type === 'read' && conversation.lastMessage && seq !== null && seq >= conversation.lastMessage.seq) {
        conversation.unreadCount = 0;
        this.emit('conversations');
      }
      return;
    }
    if (seq === null) {
      this.scheduleStatusRefresh(receipt.conversationId);
      return;
    }
    if (conversation.type === 'group') {
      // Only worth asking when one of our messages the mark covers could still move up.
      if (this.hasOwnMessageBelow(receipt.conversationId, seq, receipt.type)) this.scheduleStatusRefresh(receipt.conversationId);
      return;
    }
    const marks = this.partnerMarks.get(receipt.conversationId) ?? { delivered: 0, read: 0 };
    marks.delivered = Math.max(marks.delivered, seq);
    if (receipt.type === 'read') marks.read = Math.max(marks.read, seq);
    this.partnerMarks.set(receipt.conversationId, marks);
    const thread = this.threads.get(receipt.conversationId);
    if (thread) for (const [id, message] of thread.messages) thread.messages.set(id, this.applyPartnerMarks(message));
    if (conversation.lastMessage) conversation.lastMessage = this.applyPartnerMarks(conversation.lastMessage);
    this.emit('thread', receipt.conversationId);
    this.emit('conversations');
  }

  private hasOwnMessageBelow(conversationId: string, seq: number, status: MessageStatus): boolean {
    const candidates = [...(this.threads.get(conversationId)?.messages.values() ?? [])];
    const last = this.conversations.get(conversationId)?.lastMessage;
    if (last) candidates.push(last);
    return candidates.some((m) => m.senderId === this.me.id && m.seq <= seq && STATUS_RANK[m.status] < STATUS_RANK[status]);
  }

  private applyPartnerMarks(message: Message): Message {
    if (message.senderId !== this.me.id) return message;
    const marks = this.partnerMarks.get(message.conversationId);
    if (!marks) return message;
    const reached: MessageStatus | null = message.seq <= marks.read ? 'read' : message.seq <= marks.delivered ? 'delivered' : null;
    if (!reached || STATUS_RANK[reached] <= STATUS_RANK[message.status]) return message;
    return { ...message, status: reached };
  }

  /** Re-reads the newest page so the server's status (which knows every member's marks) shows. */
  private scheduleStatusRefresh(conversationId: string): void {
    clearTimeout(this.statusRefreshTimers.get(conversationId));
    this.statusRefreshTimers.set(
      conversationId,
      setTimeout(async () => {
        this.statusRefreshTimers.delete(conversationId);
        try {
          const page = await this.api.messages(conversationId, { limit: 50 });
          for (const message of page.items) this.mergeMessage(message);
          this.emit('thread', conversationId);
          this.emit('conversations');
        } catch {
          // The next receipt or catch-up tries again.
        }
      }, 400),
    );
  }

  // ---- our own marks --------------------------------------------------------------------------------

  /** A message from someone else reached this device: read if its conversation is on screen, else delivered. */
  private markIncoming(conversationId: string, message: Message): void {
    if (this.isOnScreen(conversationId)) this.markOpenAsRead();
    else this.markDelivered(conversationId, message);
  }

  /** Marks the open conversation read up to its newest message from someone else, if it is on screen. */
  markOpenAsRead(): void {
    const conversationId = this.openId;
    if (!conversationId || !this.isOnScreen(conversationId)) return;
    const thread = this.threads.get(conversationId);
    const conversation = this.conversations.get(conversationId);
    if (!thread?.loaded || !conversation) return;
    let newest: Message | null = null;
    for (const message of thread.messages.values()) {
      if (message.senderId !== this.me.id && (!newest || message.seq > newest.seq)) newest = message;
    }
    if (!newest) return;
    if (conversation.unreadCount !== 0 || conversation.mentionCount !== 0) {
      conversation.unreadCount = 0;
      conversation.mentionCount = 0;
      this.emit('conversations');
    }
    const already = this.readSent.get(conversationId) ?? 0;
    if (newest.seq <= already) return;
    this.readSent.set(conversationId, newest.seq);
    this.deliveredSent.set(conversationId, Math.max(this.deliveredSent.get(conversationId) ?? 0, newest.seq));
    const mark = { conversationId, messageId: newest.id };
    const request = this.realtime.connected ? this.realtime.request('conversation:read', mark) : this.api.markRead(conversationId, newest.id);
    request.then(
      (answer) => {
        const current = this.conversations.get(conversationId);
        if (current && !this.isOnScreen(conversationId)) {
          current.unreadCount = answer.unreadCount;
          if (answer.unreadCount === 0) current.mentionCount = 0;
          this.emit('conversations');
        }
      },
      () => {
        // Let a later trigger (new message, reconnect, focus) try again.
        if (this.readSent.get(conversationId) === newest.seq) this.readSent.set(conversationId, already);
      },
    );
  }

  private markDelivered(conversationId: string, message: Message): void {
    const already = Math.max(this.deliveredSent.get(conversationId) ?? 0, this.readSent.get(conversationId) ?? 0);
    if (message.seq <= already) return;
    this.deliveredSent.set(conversationId, message.seq);
    const mark = { conversationId, messageId: message.id };
    const request = this.realtime.connected ? this.realtime.request('conversation:delivered', mark) : this.api.markDelivered(conversationId, message.id);
    request.catch(() => {
      if (this.deliveredSent.get(conversationId) === message.seq) this.deliveredSent.set(conversationId, already);
    });
  }

  // ---- typing and presence (incoming) ---------------------------------------------------------------

  private onTyping(event: TypingEvent): void {
    if (event.userId === this.me.id) return;
    if (!event.typing) {
      this.clearTyping(event.conversationId, event.userId);
      return;
    }
    const typers = this.typing.get(event.conversationId) ?? new Map<string, ReturnType<typeof setTimeout>>();
    this.typing.set(event.conversationId, typers);
    clearTimeout(typers.get(event.userId));
    // Hidden again if no update follows (the sender repeats every ~2 s while typing).
    typers.set(
      event.userId,
      setTimeout(() => this.clearTyping(event.conversationId, event.userId), TYPING_SHOW_MS),
    );
    void this.ensureUser(event.userId);
    this.emit('typing', event.conversationId);
  }

  private clearTyping(conversationId: string, userId: string): void {
    const typers = this.typing.get(conversationId);
    if (!typers?.has(userId)) return;
    clearTimeout(typers.get(userId));
    typers.delete(userId);
    this.emit('typing', conversationId);
  }

  private clearAllTyping(): void {
    for (const [conversationId, typers] of this.typing) {
      for (const timer of typers.values()) clearTimeout(timer);
      typers.clear();
      this.emit('typing', conversationId);
    }
  }

  private schedulePresenceSubscribe(delay = 200): void {
    clearTimeout(this.presenceTimer);
    this.presenceTimer = setTimeout(() => void this.subscribePresence(), delay);
  }

  /** Presence of everyone we have a direct conversation with (online dot, "last seen" in the header). */
  private async subscribePresence(): Promise<void> {
    const userIds = [...new Set([...this.conversations.values()].map((c) => this.partnerId(c)).filter((id): id is string => id !== null))];
    if (userIds.length === 0 || !this.realtime.connected) return;
    try {
      const asked = this.presenceTick;
      const states = await this.realtime.request('presence:subscribe', { userIds: userIds.slice(0, 200) });
      // The answer is a snapshot taken before it was sent: a `presence` event that came in while it
      // was on its way is newer (the server may emit it between reading and answering).
      states.filter((state) => (this.presenceEventTicks.get(state.userId) ?? 0) <= asked).forEach((state) => this.applyPresence(state));
    } catch {
      // Presence is a nicety: the next connect subscribes again.
    }
  }

  private applyPresence(state: PresenceState): void {
    const known = this.users.get(state.userId);
    if (known) this.users.set(state.userId, { ...known, online: state.online, lastSeenAt: state.lastSeenAt });
    else void this.ensureUser(state.userId);
    this.emit('users');
  }

  private rememberUser(user: PublicUser): void {
    if (user.id === this.me.id) return;
    this.users.set(user.id, user);
  }

  private ensureUser(userId: string): Promise<PublicUser | null> {
    const known = this.users.get(userId);
    if (known) return Promise.resolve(known);
    let request = this.userRequests.get(userId);
    if (!request) {
      request = this.api.user(userId).then(
        (user) => {
          this.users.set(user.id, { ...user, ...(this.users.get(user.id) ?? {}), name: user.name, avatarUrl: user.avatarUrl });
          this.emit('users');
          return user;
        },
        () => {
          this.userRequests.delete(userId);
          return null;
        },
      );
      this.userRequests.set(userId, request);
    }
    return request;
  }

  // ---- catch-up after being offline ------------------------------------------------------------------

  private get cursorKey(): string {
    return `chatify.syncCursor.${this.me.id}`;
  }

  private async resetCursor(): Promise<void> {
    const answer = await this.api.sync();
    localStorage.setItem(this.cursorKey, answer.cursor);
  }

  /** Runs `GET /sync?since=<cursor>` until `hasMore` is false; concurrent calls coalesce into one more run. */
  catchUp(): Promise<void> {
    if (this.syncRun) {
      this.syncAgain = true;
      return this.syncRun;
    }
    this.syncRun = (async () => {
      do {
        this.syncAgain = false;
        await this.catchUpOnce();
      } while (this.syncAgain && !this.stopped);
    })().finally(() => {
      this.syncRun = null;
    });
    return this.syncRun;
  }

  private async catchUpOnce(): Promise<void> {
    const started = Date.now();
    let cursor = this.syncFrom ?? localStorage.getItem(this.cursorKey);
    this.syncFrom = null;
    if (!cursor || !this.conversationsLoaded) {
      await this.reloadEverything();
      return;
    }
    const newFromOthers = new Map<string, Message>();
    let changed = false;
    let answer: SyncResult;
    do {
      try {
        answer = await this.api.sync(cursor);
      } catch (error) {
        // 410: the cursor is too old to serve; 400: unknown. Either way: start over from the server.
        if (error instanceof ApiError && (error.status === 410 || error.status === 400)) await this.reloadEverything();
        return;
      }
      for (const conversation of answer.conversations) {
        this.upsertConversation(conversation, true);
        changed = true;
      }
      for (const conversationId of answer.removed) {
        this.dropConversation(conversationId);
        changed = true;
      }
      for (const message of answer.messages) {
        if (!this.conversations.has(message.conversationId)) await this.fetchConversation(message.conversationId);
        const isNew = this.mergeMessage(message);
        changed = true;
        if (isNew && message.senderId !== this.me.id) {
          const newest = newFromOthers.get(message.conversationId);
          if (!newest || message.seq > newest.seq) newFromOthers.set(message.conversationId, message);
        }
      }
      for (const receipt of answer.receipts) this.applyReceipt(receipt);
      for (const change of answer.blocks) this.applyBlock(change.userId, change.blocked);
      for (const state of answer.presence) this.applyPresence(state);
      cursor = answer.cursor;
      localStorage.setItem(this.cursorKey, cursor);
    } while (answer.hasMore && !this.stopped);
    this.syncedAt = started;

    // Unread counts and order are the server's to tell after a gap: one list request settles them.
    if (changed) await this.loadConversations();
    for (const [conversationId, message] of newFromOthers) this.markIncoming(conversationId, message);
    for (const conversationId of this.threads.keys()) this.emit('thread', conversationId);
    this.emit('conversations');
  }

  /** Forget what we had and load it again (no usable cursor). Local echoes are kept and resent. */
  private async reloadEverything(): Promise<void> {
    try {
      await this.resetCursor();
    } catch {
      return;
    }
    await this.loadConversations();
    for (const [conversationId, thread] of this.threads) {
      thread.messages.clear();
      thread.loaded = false;
      if (conversationId === this.openId) await this.loadThread(conversationId);
    }
  }
}
