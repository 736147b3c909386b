/** The sidebar: who I am, the connection state and the conversation list (newest activity first). */
import type { Conversation, MessageStatus } from '../../src/contract';
import type { ChatClient } from './chat-client.js';
import { avatar, byId, formatListStamp, h, reconcile, setText, updateAvatar } from './dom.js';

const CONNECTION_TEXT = { online: 'Online', connecting: 'Connecting…', offline: 'Offline — will catch up' } as const;

export class ConversationList {
  private readonly list = byId<HTMLUListElement>('conversation-list');
  private readonly empty = byId('conversation-empty');
  private readonly error = byId('conversation-error');
  private readonly more = byId<HTMLButtonElement>('conversations-more');
  private readonly meName = byId('me-name');
  private readonly meAvatar = byId('me-avatar');
  private readonly connection = byId('connection-status');

  constructor(
    private readonly client: ChatClient,
    private readonly onSelect: (conversationId: string) => void,
    signal: AbortSignal,
  ) {
    this.more.addEventListener('click', () => void client.loadMoreConversations(), { signal });
    // Arrow keys move between conversations, as in any list.
    this.list.addEventListener(
      'keydown',
      (event) => {
        if (event.key !== 'ArrowDown' && event.key !== 'ArrowUp') return;
        const buttons = Array.from(this.list.querySelectorAll<HTMLButtonElement>('button.conversation'));
        const index = buttons.indexOf(document.activeElement as HTMLButtonElement);
        if (index < 0) return;
        event.preventDefault();
        buttons[Math.min(buttons.length - 1, Math.max(0, index + (event.key === 'ArrowDown' ? 1 : -1)))]?.focus();
      },
      { signal },
    );
    setText(this.meName, client.me.name);
    updateAvatar(this.meAvatar, client.me.name, client.me.id);
  }

  renderConnection(): void {
    const state = this.client.connection;
    this.connection.dataset.state = state;
    setText(this.connection, CONNECTION_TEXT[state]);
  }

  render(): void {
    const conversations = this.client.sortedConversations();
    this.empty.hidden = !this.client.conversationsLoaded || conversations.length > 0;
    this.error.hidden = !this.client.conversationsError;
    setText(this.error, this.client.conversationsError ?? '');
    this.more.hidden = !this.client.conversationsHasMore;
    reconcile(
      this.list,
      conversations,
      (conversation) => conversation.id,
      (conversation) => this.create(conversation),
      (element, conversation) => this.update(element, conversation),
    );
  }

  private create(conversation: Conversation): HTMLElement {
    const button = h(
      'button',
      { type: 'button', class: 'conversation', 'data-testid': 'conversation-item', 'data-conversation-id': conversation.id },
      h('span', { class: 'avatar-wrap' }, avatar('?', conversation.id), h('span', { class: 'presence-dot', hidden: true })),
      h(
        'span',
        { class: 'conversation-body' },
        h('span', { class: 'conversation-top' }, h('span', { class: 'conversation-title', 'data-testid': 'conversation-title' }), h('time', { class: 'conversation-time' })),
        h(
          'span',
          { class: 'conversation-bottom' },
          h(
            'span',
            { class: 'conversation-preview', 'data-testid': 'conversation-preview' },
            h('span', { class: 'preview-tick', hidden: true }),
            h('span', { class: 'preview-text' }),
          ),
          h('span', { class: 'badge mention-badge', 'data-testid': 'mention-badge', hidden: true }, '@'),
          h('span', { class: 'badge', 'data-testid': 'unread-badge', hidden: true }),
        ),
      ),
    );
    button.addEventListener('click', () => this.onSelect(button.dataset.conversationId ?? ''));
    return h('li', {}, button);
  }

  private update(item: HTMLElement, conversation: Conversation): void {
    const client = this.client;
    const button = item.querySelector<HTMLButtonElement>('button.conversation')!;
    const title = client.titleOf(conversation);
    const active = client.openId === conversation.id;
    if (active) button.setAttribute('aria-current', 'true');
    else button.removeAttribute('aria-current');
    button.classList.toggle('unread', conversation.unreadCount > 0);

    updateAvatar(button.querySelector<HTMLElement>('.avatar')!, title, conversation.id);
    const partnerId = client.partnerId(conversation);
    const partner = partnerId ? client.users.get(partnerId) : undefined;
    // While we are not connected ourselves, what we knew about others' presence is stale.
    const showOnline = Boolean(partner?.online) && client.connection === 'online';
    const dot = button.querySelector<HTMLElement>('.presence-dot')!;
    dot.hidden = !showOnline;

    setText(button.querySelector('.conversation-title')!, title);
    const time = button.querySelector<HTMLTimeElement>('.conversation-time')!;
    const stamp = conversation.lastMessage?.createdAt ?? conversation.updatedAt;
    time.dateTime = stamp;
    setText(time, formatListStamp(stamp));

    const typing = client.typingText(conversation.id);
    const preview = button.querySelector<HTMLElement>('.conversation-preview')!;
    preview.classList.toggle('is-typing', typing !== '');
    const { tick, text } = typing ? { tick: null, text: conversation.type === 'direct' ? 'typing…' : typing } : this.preview(conversation);
    const tickElement = preview.querySelector<HTMLElement>('.preview-tick')!;
    tickElement.hidden = tick === null;
    if (tick) {
      tickElement.dataset.status = tick;
      setText(tickElement, tick === 'sent' ? '✓' : tick === 'pending' ? '🕓' : '✓✓');
    }
    setText(preview.querySelector('.preview-text')!, text);

    const mentionBadge = button.querySelector<HTMLElement>('.mention-badge')!;
    mentionBadge.hidden = conversation.mentionCount === 0;
    mentionBadge.setAttribute('aria-label', `${conversation.mentionCount} ${conversation.mentionCount === 1 ? 'mention' : 'mentions'} of you`);
    mentionBadge.title = mentionBadge.getAttribute('aria-label') ?? '';

    const badge = button.querySelector<HTMLElement>('.badge:not(.mention-badge)')!;
    badge.hidden = conversation.unreadCount === 0;
    setText(badge, conversation.unreadCount > 99 ? '99+' : String(conversation.unreadCount));
    badge.setAttribute('aria-label', `${conversation.unreadCount} unread`);

    const unread =
      (conversation.unreadCount > 0 ? `, ${conversation.unreadCount} unread` : '') + (conversation.mentionCount > 0 ? `, ${conversation.mentionCount} mentioning you` : '');
    button.setAttribute('aria-label', `${title}${showOnline ? ', online' : ''}${unread}: ${preview.textContent ?? ''}`);
  }

  /** The last message (or what we are still sending) in one line, with our tick in front of ours. */
  private preview(conversation: Conversation): { tick: MessageStatus | 'pending' | null; text: string } {
    const pending = [...(this.client.threads.get(conversation.id)?.pending.values() ?? [])].at(-1);
    if (pending) {
      const text = `You: ${pending.text.replace(/\s+/g, ' ')}`;
      return pending.state === 'failed' ? { tick: null, text: `Not sent. ${text}` } : { tick: 'pending', text };
    }
    const last = conversation.lastMessage;
    if (!last) return { tick: null, text: conversation.type === 'group' ? `${conversation.members.length} members` : 'No messages yet' };
    const text = last.deletedAt || last.text === null ? 'Message deleted' : last.text.replace(/\s+/g, ' ');
    if (last.senderId === this.client.me.id) return { tick: last.status, text: `You: ${text}` };
    return { tick: null, text: conversation.type === 'group' ? `${this.client.nameOf(last.senderId)}: ${text}` : text };
  }
}
