/** The open conversation: header with presence, the message history with ticks, typing line, composer. */
import type { MessageResponse, MessageStatus } from '../../src/messages/message.response';
import type { ChatClient, PendingMessage, ThreadItem } from './chat-client.js';
import { ICONS, byId, dayKey, formatDayLabel, formatLastSeen, formatTime, h, hueOf, icon, reconcile, setText, updateAvatar } from './dom.js';

type Row =
  | { kind: 'day'; key: string; label: string }
  | { kind: 'item'; key: string; item: ThreadItem; showSender: boolean };

const STATUS_LABEL: Record<MessageStatus | 'pending' | 'failed', string> = {
  pending: 'Sending',
  failed: 'Not sent',
  sent: 'Sent',
  delivered: 'Delivered',
  read: 'Read',
};

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
  private renderedFor: string | null = null;
  private bannerTimer: ReturnType<typeof setTimeout> | undefined;
  private readonly drafts = new Map<string, string>();

  constructor(
    private readonly client: ChatClient,
    signal: AbortSignal,
  ) {
    this.composer.addEventListener(
      'submit',
      (event) => {
        event.preventDefault();
        this.sendDraft();
      },
      { signal },
    );
    this.input.addEventListener('keydown', (event) => {
      // Enter sends; Shift+Enter (or composing with an IME) adds a line.
      if (event.key === 'Enter' && !event.shiftKey && !event.isComposing) {
        event.preventDefault();
        this.sendDraft();
      }
    }, { signal });
    this.input.addEventListener('input', () => {
      this.autosize();
      const id = this.client.openId;
      if (!id) return;
      if (this.input.value.trim()) this.client.userTyping(id);
      else this.client.stopTyping(id);
    }, { signal });
    this.input.addEventListener('blur', () => {
      if (this.client.openId) this.client.stopTyping(this.client.openId);
    }, { signal });
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
    this.list.addEventListener('click', (event) => {
      const target = (event.target as Element).closest<HTMLButtonElement>('button[data-action]');
      const id = this.client.openId;
      const clientId = target?.closest<HTMLElement>('[data-client-id]')?.dataset.clientId;
      if (!target || !id || !clientId) return;
      if (target.dataset.action === 'retry') this.client.retry(id, clientId);
      if (target.dataset.action === 'discard') this.client.discard(id, clientId);
    }, { signal });
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
      if (this.renderedFor) this.drafts.set(this.renderedFor, this.input.value);
      this.list.replaceChildren();
      this.input.value = id ? (this.drafts.get(id) ?? '') : '';
      this.autosize();
    }
    const switched = this.renderedFor !== id;
    this.renderedFor = id;
    if (!id) return;
    this.renderHeader();
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
      const key = item.kind === 'pending' ? `c:${item.pending.clientId}` : item.message.clientId && item.message.senderId === this.client.me.id ? `c:${item.message.clientId}` : `m:${item.message.id}`;
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
    // A short history that does not fill the view cannot be scrolled up: fetch older pages right away.
    if (thread?.loaded && thread.hasMoreOlder && !thread.loadingOlder && scroller.scrollHeight <= scroller.clientHeight + 4) {
      void this.client.loadOlder(id);
    }
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
    this.client.send(id, text);
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
    return h(
      'li',
      { class: 'message', 'data-testid': 'message' },
      h(
        'div',
        { class: 'bubble' },
        h('p', { class: 'sender', hidden: true }),
        h('p', { class: 'text', 'data-testid': 'message-text' }),
        h('p', { class: 'meta' }, h('span', { class: 'edited', hidden: true }, 'edited'), h('time', {}), h('span', { class: 'ticks', 'data-testid': 'message-ticks', hidden: true })),
      ),
      h('p', { class: 'failure', hidden: true }),
    );
  }

  private updateBubble(element: HTMLElement, item: ThreadItem, showSender: boolean): void {
    const me = this.client.me.id;
    const message: MessageResponse | null = item.kind === 'message' ? item.message : null;
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
    setText(element.querySelector('.text')!, deleted ? 'This message was deleted' : (message?.text ?? pending!.text));
    element.querySelector<HTMLElement>('.edited')!.hidden = !message?.editedAt || deleted;

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
