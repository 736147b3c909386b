/** The open conversation: header with presence, the message history with ticks, typing line, composer. */
import type { Message, MessageStatus, Reaction, ReplyPreview } from '../../src/contract';
import type { ChatClient, PendingMessage, ThreadItem } from './chat-client.js';
import { ICONS, byId, dayKey, formatDayLabel, formatLastSeen, formatTime, h, hueOf, icon, reconcile, setText, updateAvatar } from './dom.js';
import { MentionInput } from './mention-input.js';
import { ReactionPicker } from './reaction-picker.js';

/** What the composer is doing besides writing a new message. */
type ComposerMode = { kind: 'reply' | 'edit'; message: Message } | null;

export interface ChatViewActions {
  /** Opens the group's info dialog (rename, members, leave). */
  onGroupInfo(conversationId: string): void;
}

type Row = { kind: 'day'; key: string; label: string } | { kind: 'item'; key: string; item: ThreadItem; showSender: boolean };

const STATUS_LABEL: Record<MessageStatus | 'pending' | 'failed', string> = {
  pending: 'Sending',
  failed: 'Not sent',
  sent: 'Sent',
  delivered: 'Delivered',
  read: 'Read',
};

const ACTION_LABEL: Record<string, string> = { reply: 'Reply to', react: 'React to', edit: 'Edit', delete: 'Delete' };

/** Near enough to the bottom that new messages should keep the view pinned there. */
const PINNED_PX = 96;
const LOAD_OLDER_PX = 120;

export class ChatView {
  private readonly placeholder = byId('chat-placeholder');
  private readonly view = byId('chat-view');
  private readonly title = byId('chat-title');
  private readonly subtitle = byId('chat-subtitle');
  private readonly headerAvatar = byId('chat-avatar');
  private readonly scroller = byId('messages');
  private readonly status = byId('messages-status');
  private readonly list = byId<HTMLOListElement>('message-list');
  private readonly typing = byId('typing-indicator');
  private readonly banner = byId('connection-banner');
  private readonly jump = byId<HTMLButtonElement>('jump-button');
  private readonly composer = byId<HTMLFormElement>('composer');
  private readonly input = byId<HTMLTextAreaElement>('composer-input');
  private readonly context = byId('composer-context');
  private readonly contextLabel = byId('composer-context-label');
  private readonly contextQuote = byId('composer-context-quote');
  private readonly blockedNotice = byId('blocked-notice');
  private readonly blockedText = byId('blocked-notice-text');
  private readonly unblockButton = byId<HTMLButtonElement>('unblock-button');
  private readonly blockButton = byId<HTMLButtonElement>('block-button');
  private readonly groupInfoButton = byId<HTMLButtonElement>('group-info-button');
  private readonly error = byId('chat-error');
  private readonly mentions: MentionInput;
  private readonly picker: ReactionPicker;
  private mode: ComposerMode = null;
  private renderedFor: string | null = null;
  private bannerTimer: ReturnType<typeof setTimeout> | undefined;
  private errorTimer: ReturnType<typeof setTimeout> | undefined;
  private readonly drafts = new Map<string, string>();

  constructor(
    private readonly client: ChatClient,
    signal: AbortSignal,
    private readonly actions: ChatViewActions,
  ) {
    this.mentions = new MentionInput(this.input, byId<HTMLUListElement>('mention-suggestions'), () => this.mentionCandidates(), signal);
    this.picker = new ReactionPicker(signal);
    byId('composer-context-cancel').addEventListener('click', () => this.setMode(null), { signal });
    this.unblockButton.addEventListener('click', () => void this.toggleBlock(), { signal });
    this.blockButton.addEventListener('click', () => void this.toggleBlock(), { signal });
    this.groupInfoButton.addEventListener(
      'click',
      () => {
        if (this.client.openId) this.actions.onGroupInfo(this.client.openId);
      },
      { signal },
    );
    this.composer.addEventListener(
      'submit',
      (event) => {
        event.preventDefault();
        this.sendDraft();
      },
      { signal },
    );
    this.input.addEventListener(
      'keydown',
      (event) => {
        if (this.mentions.handleKey(event)) return;
        if (event.key === 'Escape' && this.mode) {
          event.preventDefault();
          event.stopPropagation();
          this.setMode(null);
          return;
        }
        // Enter sends; Shift+Enter (or composing with an IME) adds a line.
        if (event.key === 'Enter' && !event.shiftKey && !event.isComposing) {
          event.preventDefault();
          this.sendDraft();
        }
      },
      { signal },
    );
    this.input.addEventListener(
      'input',
      () => {
        this.autosize();
        const id = this.client.openId;
        if (!id) return;
        if (this.input.value.trim()) this.client.userTyping(id);
        else this.client.stopTyping(id);
      },
      { signal },
    );
    this.input.addEventListener(
      'blur',
      () => {
        if (this.client.openId) this.client.stopTyping(this.client.openId);
      },
      { signal },
    );
    this.scroller.addEventListener(
      'scroll',
      () => {
        this.maybeLoadOlder();
        this.updateJump(false);
      },
      { passive: true, signal },
    );
    this.jump.addEventListener(
      'click',
      () => {
        this.scroller.scrollTo({ top: this.scroller.scrollHeight, behavior: 'smooth' });
        this.input.focus({ preventScroll: true });
      },
      { signal },
    );
    this.list.addEventListener(
      'click',
      (event) => {
        const target = (event.target as Element).closest<HTMLButtonElement>('button[data-action]');
        const id = this.client.openId;
        if (!target || !id) return;
        const action = target.dataset.action;
        const clientId = target.closest<HTMLElement>('[data-client-id]')?.dataset.clientId;
        if (action === 'retry' && clientId) this.client.retry(id, clientId);
        if (action === 'discard' && clientId) this.client.discard(id, clientId);
        const messageId = target.closest<HTMLElement>('[data-message-id]')?.dataset.messageId;
        const message = messageId ? this.client.threads.get(id)?.messages.get(messageId) : undefined;
        if (action === 'quote' && target.dataset.quoteId)
          void this.client.reveal(id, target.dataset.quoteId).then((found) => found || this.showError('The original message is no longer available.'));
        if (!message) return;
        if (action === 'reply' || action === 'edit') this.setMode({ kind: action, message });
        if (action === 'delete') void this.deleteMessage(message);
        if (action === 'react') this.picker.open(target, (emoji) => void this.react(message, emoji));
        if (action === 'reaction' && target.dataset.emoji) void this.react(message, target.dataset.emoji);
      },
      { signal },
    );
  }

  /** Reply to or edit a message (the composer shows which), or back to writing a new one. */
  setMode(mode: ComposerMode): void {
    const wasEditing = this.mode?.kind === 'edit';
    this.mode = mode;
    this.context.hidden = mode === null;
    if (mode) {
      const name = mode.message.senderId === this.client.me.id ? 'yourself' : this.client.nameOf(mode.message.senderId);
      setText(this.contextLabel, mode.kind === 'edit' ? 'Editing your message' : `Replying to ${name}`);
      setText(this.contextQuote, mode.message.text ?? '');
      this.context.dataset.kind = mode.kind;
      if (mode.kind === 'edit') this.input.value = mode.message.text ?? '';
    } else if (wasEditing) {
      this.input.value = '';
    }
    this.autosize();
    this.input.focus();
  }

  private mentionCandidates(): { id: string; name: string }[] {
    const conversation = this.client.openId ? this.client.conversations.get(this.client.openId) : undefined;
    if (conversation?.type !== 'group') return [];
    return conversation.members.filter((member) => member.userId !== this.client.me.id).map((member) => ({ id: member.userId, name: this.client.nameOf(member.userId) }));
  }

  private async react(message: Message, emoji: string): Promise<void> {
    try {
      await this.client.toggleReaction(message, emoji);
    } catch (error) {
      this.showError(error instanceof Error ? error.message : 'Could not react.');
    }
  }

  private async deleteMessage(message: Message): Promise<void> {
    if (!window.confirm('Delete this message for everyone?')) return;
    try {
      await this.client.deleteMessage(message);
      if (this.mode?.message.id === message.id) this.setMode(null);
    } catch (error) {
      this.showError(error instanceof Error ? error.message : 'Could not delete the message.');
    }
  }

  private async toggleBlock(): Promise<void> {
    const id = this.client.openId;
    const conversation = id ? this.client.conversations.get(id) : undefined;
    const partner = conversation ? this.client.partnerId(conversation) : null;
    if (!partner) return;
    const blocked = this.client.blocked.has(partner);
    if (!blocked && !window.confirm(`Block ${this.client.nameOf(partner)}? They will not be able to message you or see when you are online.`)) return;
    try {
      await this.client.setBlocked(partner, !blocked);
    } catch (error) {
      this.showError(error instanceof Error ? error.message : 'Could not change the block.');
    }
  }

  private showError(text: string): void {
    clearTimeout(this.errorTimer);
    setText(this.error, text);
    this.error.hidden = false;
    this.errorTimer = setTimeout(() => {
      this.error.hidden = true;
    }, 6_000);
  }

  /** In a direct conversation: the notice when one of the two blocks the other, and the Block button. */
  renderBlocked(): void {
    const id = this.client.openId;
    const conversation = id ? this.client.conversations.get(id) : undefined;
    const partner = conversation ? this.client.partnerId(conversation) : null;
    this.blockButton.hidden = partner === null;
    this.groupInfoButton.hidden = conversation?.type !== 'group';
    const iBlock = partner !== null && this.client.blocked.has(partner);
    const refused = id !== null && this.client.refused.has(id) && !iBlock;
    if (partner) {
      setText(this.blockButton, iBlock ? 'Unblock' : 'Block');
      this.blockButton.setAttribute('aria-label', `${iBlock ? 'Unblock' : 'Block'} ${this.client.nameOf(partner)}`);
    }
    this.blockedNotice.hidden = !iBlock && !refused;
    this.unblockButton.hidden = !iBlock;
    this.composer.hidden = iBlock;
    if (iBlock) setText(this.blockedText, `You blocked ${this.client.nameOf(partner as string)}. They can’t message you or see when you’re online. Unblock them to send messages.`);
    else if (refused) setText(this.blockedText, `You can’t send messages to ${this.client.nameOf(partner as string)}.`);
    if (iBlock && this.mode) this.setMode(null);
  }

  focusComposer(): void {
    this.input.focus({ preventScroll: true });
  }

  /** Full render for the open conversation (or the placeholder). */
  render(): void {
    const id = this.client.openId;
    this.placeholder.hidden = id !== null;
    this.view.hidden = id === null;
    if (this.renderedFor !== id) {
      if (this.renderedFor && this.mode?.kind !== 'edit') this.drafts.set(this.renderedFor, this.input.value);
      this.mode = null;
      this.context.hidden = true;
      this.mentions.reset();
      this.picker.close(false);
      this.list.replaceChildren();
      this.input.value = id ? (this.drafts.get(id) ?? '') : '';
      this.autosize();
    }
    const switched = this.renderedFor !== id;
    this.renderedFor = id;
    if (!id) return;
    this.renderHeader();
    this.renderBlocked();
    this.renderConnection();
    this.renderMessages(switched);
    this.renderTyping();
  }

  renderHeader(): void {
    const id = this.client.openId;
    const conversation = id ? this.client.conversations.get(id) : undefined;
    if (!id || !conversation) {
      setText(this.title, id ? 'Loading…' : '');
      setText(this.subtitle, '');
      return;
    }
    const title = this.client.titleOf(conversation);
    setText(this.title, title);
    updateAvatar(this.headerAvatar, title, conversation.id);
    const partnerId = this.client.partnerId(conversation);
    if (this.client.connection !== 'online') {
      // What we knew about the others is stale until we are back.
      delete this.subtitle.dataset.online;
      setText(this.subtitle, this.client.connection === 'offline' ? 'waiting for network…' : 'connecting…');
    } else if (partnerId) {
      const partner = this.client.users.get(partnerId);
      const online = partner?.online ?? false;
      this.subtitle.dataset.online = String(online);
      setText(this.subtitle, partner ? formatLastSeen(online, partner.lastSeenAt) : '');
    } else {
      delete this.subtitle.dataset.online;
      const names = conversation.members.map((member) => (member.userId === this.client.me.id ? 'You' : this.client.nameOf(member.userId)));
      setText(this.subtitle, `${conversation.members.length} members · ${names.join(', ')}`);
    }
  }

  /** A banner in the conversation while we are not connected: sends wait, nothing is lost. */
  renderConnection(): void {
    const state = this.client.connection;
    clearTimeout(this.bannerTimer);
    this.banner.dataset.state = state;
    setText(this.banner, state === 'offline' ? 'You are offline. Messages you write are sent when the connection is back.' : 'Connecting…');
    if (state === 'connecting') {
      // A quick reconnect should not flash a banner.
      this.bannerTimer = setTimeout(() => {
        this.banner.hidden = this.client.connection === 'online';
      }, 1_500);
    } else {
      this.banner.hidden = state === 'online';
    }
  }

  renderTyping(): void {
    const id = this.client.openId;
    const text = id ? this.client.typingText(id) : '';
    setText(this.typing, text);
    this.typing.classList.toggle('visible', text !== '');
  }

  /** Re-renders the history, keeping the reader's place (pinned to the bottom, or where they were). */
  renderMessages(forceBottom = false): void {
    const id = this.client.openId;
    if (!id) return;
    const thread = this.client.threads.get(id);
    const conversation = this.client.conversations.get(id);
    const scroller = this.scroller;
    const pinned = forceBottom || scroller.scrollHeight - scroller.scrollTop - scroller.clientHeight < PINNED_PX;
    const firstKey = (this.list.querySelector('[data-message-id]') as HTMLElement | null)?.dataset.key;
    const anchor = firstKey ? this.list.querySelector<HTMLElement>(`[data-key="${CSS.escape(firstKey)}"]`) : null;
    const anchorTop = anchor?.offsetTop ?? 0;
    const previousLast = this.list.lastElementChild as HTMLElement | null;
    const lastKeyBefore = previousLast?.dataset.key;

    let statusText = '';
    if (thread?.loading && !thread.loaded) statusText = 'Loading messages…';
    else if (thread?.loadingOlder) statusText = 'Loading older messages…';
    else if (thread?.error) statusText = thread.error;
    else if (thread?.loaded && !thread.hasMoreOlder && thread.messages.size > 0) statusText = 'This is the beginning of the conversation.';
    else if (thread?.loaded && thread.messages.size === 0 && thread.pending.size === 0) statusText = 'No messages yet. Say hello!';
    setText(this.status, statusText);
    this.status.classList.toggle('error', Boolean(thread?.error));

    const group = conversation?.type === 'group';
    const rows: Row[] = [];
    let lastDay = '';
    let lastSender = '';
    for (const item of this.client.threadItems(id)) {
      const createdAt = item.kind === 'message' ? item.message.createdAt : item.pending.createdAt;
      const senderId = item.kind === 'message' ? item.message.senderId : this.client.me.id;
      const day = dayKey(createdAt);
      if (day !== lastDay) {
        rows.push({ kind: 'day', key: `day:${day}`, label: formatDayLabel(createdAt) });
        lastDay = day;
        lastSender = '';
      }
      // Our own messages are keyed by clientId, so the stored message takes over its echo's element.
      const key =
        item.kind === 'pending'
          ? `c:${item.pending.clientId}`
          : item.message.clientId && item.message.senderId === this.client.me.id
            ? `c:${item.message.clientId}`
            : `m:${item.message.id}`;
      rows.push({ kind: 'item', key, item, showSender: group === true && senderId !== this.client.me.id && senderId !== lastSender });
      lastSender = senderId;
    }

    reconcile(
      this.list,
      rows,
      (row) => row.key,
      (row) => (row.kind === 'day' ? h('li', { class: 'day-separator', role: 'separator' }, h('span', {})) : this.createBubble()),
      (element, row) => {
        if (row.kind === 'day') setText(element.firstElementChild!, row.label);
        else this.updateBubble(element, row.item, row.showSender);
      },
    );

    const lastKeyAfter = (this.list.lastElementChild as HTMLElement | null)?.dataset.key;
    const mineAdded = lastKeyAfter !== lastKeyBefore && lastKeyAfter?.startsWith('c:');
    if (pinned || mineAdded) {
      scroller.scrollTop = scroller.scrollHeight;
    } else if (anchor && anchor.isConnected) {
      // Older messages were added above: keep the first previously visible message where it was.
      scroller.scrollTop += anchor.offsetTop - anchorTop;
    }
    // Something new arrived below while the reader is further up: the jump button gets a dot.
    this.updateJump(!pinned && lastKeyAfter !== lastKeyBefore && lastKeyBefore !== undefined);
    this.revealFocused();
    // A short history that does not fill the view cannot be scrolled up: fetch older pages right away.
    if (thread?.loaded && thread.hasMoreOlder && !thread.loadingOlder && scroller.scrollHeight <= scroller.clientHeight + 4) {
      void this.client.loadOlder(id);
    }
  }

  /** A message asked for (a search result, a quote's original): scrolled to, highlighted and focused. */
  private revealFocused(): void {
    const messageId = this.client.focusMessageId;
    if (!messageId) return;
    const element = this.list.querySelector<HTMLElement>(`[data-message-id="${CSS.escape(messageId)}"]`);
    if (!element) return;
    this.client.focusMessageId = null;
    element.scrollIntoView({ block: 'center' });
    element.classList.remove('highlight');
    void element.offsetWidth;
    element.classList.add('highlight');
    element.querySelector<HTMLElement>('.bubble')?.focus({ preventScroll: true });
    setTimeout(() => element.classList.remove('highlight'), 2_500);
  }

  /** The "jump to latest" button shows while the reader is well above the newest message. */
  private updateJump(somethingNew: boolean): void {
    const away = this.scroller.scrollHeight - this.scroller.scrollTop - this.scroller.clientHeight > 240;
    this.jump.hidden = !away;
    if (!away) this.jump.dataset.new = 'false';
    else if (somethingNew) this.jump.dataset.new = 'true';
  }

  private maybeLoadOlder(): void {
    const id = this.client.openId;
    if (id && this.scroller.scrollTop < LOAD_OLDER_PX) void this.client.loadOlder(id);
  }

  private sendDraft(): void {
    const id = this.client.openId;
    const text = this.input.value;
    if (!id || !text.trim()) return;
    const mode = this.mode;
    if (mode?.kind === 'edit') {
      this.client.editMessage(mode.message, text).catch((error: unknown) => this.showError(error instanceof Error ? error.message : 'Could not edit the message.'));
    } else {
      this.client.send(id, text, { replyTo: mode?.kind === 'reply' ? mode.message : null, mentions: this.mentions.mentionsIn(text) });
    }
    this.mode = null;
    this.context.hidden = true;
    this.mentions.reset();
    this.input.value = '';
    this.drafts.delete(id);
    this.autosize();
    this.input.focus();
  }

  private autosize(): void {
    this.input.style.height = 'auto';
    this.input.style.height = `${Math.min(this.input.scrollHeight, 160)}px`;
  }

  private createBubble(): HTMLElement {
    const action = (name: string, label: string) => h('button', { type: 'button', class: 'message-action', 'data-action': name, 'data-testid': `${name}-button` }, label);
    return h(
      'li',
      { class: 'message', 'data-testid': 'message' },
      h(
        'div',
        { class: 'bubble', tabindex: '-1' },
        h('p', { class: 'sender', hidden: true }),
        h(
          'button',
          { type: 'button', class: 'quote', 'data-action': 'quote', 'data-testid': 'message-quote', hidden: true },
          h('span', { class: 'quote-sender' }),
          h('span', { class: 'quote-text' }),
        ),
        h('p', { class: 'text', 'data-testid': 'message-text' }),
        h(
          'p',
          { class: 'meta' },
          h('span', { class: 'edited', hidden: true }, 'edited'),
          h('time', {}),
          h('span', { class: 'ticks', 'data-testid': 'message-ticks', hidden: true }),
        ),
      ),
      h('ul', { class: 'reactions', 'data-testid': 'message-reactions', 'aria-label': 'Reactions', hidden: true }),
      h(
        'div',
        { class: 'message-actions', role: 'toolbar', 'aria-label': 'Message actions' },
        action('reply', 'Reply'),
        action('react', 'React'),
        action('edit', 'Edit'),
        action('delete', 'Delete'),
      ),
      h('p', { class: 'failure', hidden: true }),
    );
  }

  /** The quote of the message replied to: who wrote it and its text (or that it was deleted). */
  private updateQuote(element: HTMLElement, replyTo: ReplyPreview | null): void {
    const quote = element.querySelector<HTMLButtonElement>('.quote')!;
    quote.hidden = replyTo === null;
    if (!replyTo) return;
    const name = replyTo.senderId === this.client.me.id ? 'You' : this.client.nameOf(replyTo.senderId);
    const text = replyTo.deletedAt || replyTo.text === null ? 'Message deleted' : replyTo.text;
    quote.dataset.quoteId = replyTo.id;
    quote.classList.toggle('deleted', replyTo.text === null);
    setText(quote.querySelector('.quote-sender')!, name);
    setText(quote.querySelector('.quote-text')!, text);
    quote.setAttribute('aria-label', `Reply to ${name}: ${text}. Show the original message`);
    quote.style.setProperty('--sender-hue', String(hueOf(replyTo.senderId)));
  }

  /** The text, with `@Name` of each mentioned member highlighted (mine stronger). */
  private updateText(element: HTMLElement, text: string, mentions: string[]): void {
    const key = `${text}\u0000${mentions.join(',')}`;
    if (element.dataset.rendered === key) return;
    element.dataset.rendered = key;
    const names = mentions
      .map((userId) => ({ userId, name: this.client.users.get(userId)?.name ?? (userId === this.client.me.id ? this.client.me.name : null) }))
      .filter((mention): mention is { userId: string; name: string } => mention.name !== null)
      .sort((a, b) => b.name.length - a.name.length);
    if (names.length === 0) {
      element.replaceChildren(text);
      if (mentions.some((userId) => !this.client.users.has(userId))) delete element.dataset.rendered;
      return;
    }
    const parts: (string | HTMLElement)[] = [];
    let rest = text;
    while (rest.length > 0) {
      let best: { index: number; name: string; userId: string } | null = null;
      for (const { name, userId } of names) {
        const index = rest.indexOf(`@${name}`);
        if (index >= 0 && (!best || index < best.index)) best = { index, name, userId };
      }
      if (!best) {
        parts.push(rest);
        break;
      }
      if (best.index > 0) parts.push(rest.slice(0, best.index));
      parts.push(h('span', { class: `mention${best.userId === this.client.me.id ? ' mention-me' : ''}`, 'data-testid': 'mention' }, `@${best.name}`));
      rest = rest.slice(best.index + best.name.length + 1);
    }
    element.replaceChildren(...parts);
  }

  /** One chip per emoji: count, pressed when it is ours; a click toggles ours. */
  private updateReactions(element: HTMLElement, reactions: Reaction[]): void {
    const list = element.querySelector<HTMLUListElement>('.reactions')!;
    list.hidden = reactions.length === 0;
    reconcile(
      list,
      reactions,
      (reaction) => reaction.emoji,
      (reaction) =>
        h(
          'li',
          {},
          h(
            'button',
            { type: 'button', class: 'reaction', 'data-action': 'reaction', 'data-emoji': reaction.emoji, 'data-testid': 'reaction' },
            h('span', { class: 'reaction-emoji' }),
            h('span', { class: 'reaction-count' }),
          ),
        ),
      (item, reaction) => {
        const button = item.querySelector<HTMLButtonElement>('button')!;
        const mine = reaction.userIds.includes(this.client.me.id);
        const names = reaction.userIds.map((userId) => (userId === this.client.me.id ? 'you' : this.client.nameOf(userId)));
        button.setAttribute('aria-pressed', String(mine));
        button.setAttribute('aria-label', `${reaction.emoji} ${reaction.count}: ${names.join(', ')}${mine ? '. Press to take yours back' : '. Press to react too'}`);
        button.title = names.join(', ');
        setText(button.querySelector('.reaction-emoji')!, reaction.emoji);
        setText(button.querySelector('.reaction-count')!, String(reaction.count));
      },
    );
  }

  private updateBubble(element: HTMLElement, item: ThreadItem, showSender: boolean): void {
    const me = this.client.me.id;
    const message: Message | null = item.kind === 'message' ? item.message : null;
    const pending: PendingMessage | null = item.kind === 'pending' ? item.pending : null;
    const mine = message ? message.senderId === me : true;
    const status: MessageStatus | 'pending' | 'failed' = message ? message.status : pending!.state;
    const deleted = Boolean(message && (message.deletedAt || message.text === null));

    element.classList.toggle('mine', mine);
    element.classList.toggle('theirs', !mine);
    element.classList.toggle('deleted', deleted);
    element.classList.toggle('pending', status === 'pending');
    element.classList.toggle('failed', status === 'failed');
    element.classList.toggle('with-sender', showSender);
    element.dataset.status = status;
    if (message) {
      element.dataset.messageId = message.id;
      element.dataset.seq = String(message.seq);
    } else {
      delete element.dataset.messageId;
      delete element.dataset.seq;
    }
    const clientId = message?.clientId ?? pending?.clientId;
    if (clientId) element.dataset.clientId = clientId;
    else delete element.dataset.clientId;

    const sender = element.querySelector<HTMLElement>('.sender')!;
    sender.hidden = !showSender;
    if (showSender && message) {
      setText(sender, this.client.nameOf(message.senderId));
      sender.style.setProperty('--sender-hue', String(hueOf(message.senderId)));
    }
    this.updateText(
      element.querySelector('.text')!,
      deleted ? 'This message was deleted' : (message?.text ?? pending!.text),
      deleted ? [] : (message?.mentions ?? pending!.mentions),
    );
    element.querySelector<HTMLElement>('.edited')!.hidden = !message?.editedAt || deleted;
    this.updateQuote(element, deleted ? null : (message?.replyTo ?? pending?.replyTo ?? null));
    this.updateReactions(element, message && !deleted ? message.reactions : []);
    const actions = element.querySelector<HTMLElement>('.message-actions')!;
    actions.hidden = !message || deleted;
    for (const button of actions.querySelectorAll<HTMLElement>('[data-action="edit"], [data-action="delete"]')) button.hidden = !mine;
    if (message) {
      const who = mine ? 'your message' : `${this.client.nameOf(message.senderId)}’s message`;
      for (const button of actions.querySelectorAll<HTMLElement>('button')) button.setAttribute('aria-label', `${ACTION_LABEL[button.dataset.action ?? ''] ?? ''} ${who}`);
    }

    const createdAt = message?.createdAt ?? pending!.createdAt;
    const time = element.querySelector<HTMLTimeElement>('time')!;
    time.dateTime = createdAt;
    setText(time, formatTime(createdAt));

    const ticks = element.querySelector<HTMLElement>('.ticks')!;
    ticks.hidden = !mine || deleted;
    if (mine) this.renderTicks(ticks, status);

    const failure = element.querySelector<HTMLElement>('.failure')!;
    failure.hidden = status !== 'failed';
    if (status === 'failed' && !failure.querySelector('button')) {
      failure.replaceChildren(
        h('span', { class: 'failure-text' }),
        h('button', { type: 'button', class: 'link-button', 'data-action': 'retry' }, 'Retry'),
        h('button', { type: 'button', class: 'link-button', 'data-action': 'discard' }, 'Discard'),
      );
    }
    if (status === 'failed') setText(failure.querySelector('.failure-text')!, `Not sent: ${pending?.error ?? 'error'}.`);
  }

  private renderTicks(ticks: HTMLElement, status: MessageStatus | 'pending' | 'failed'): void {
    if (ticks.dataset.status === status) return;
    ticks.dataset.status = status;
    ticks.title = STATUS_LABEL[status];
    ticks.setAttribute('aria-label', STATUS_LABEL[status]);
    ticks.setAttribute('role', 'img');
    if (status === 'pending') ticks.replaceChildren(icon([...ICONS.clock], 'icon tick-icon'));
    else if (status === 'failed') ticks.replaceChildren(icon([...ICONS.alert], 'icon tick-icon'));
    else ticks.replaceChildren(status === 'sent' ? '✓' : '✓✓');
  }
}
