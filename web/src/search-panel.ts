/** Message search in the sidebar: results newest first, each opening its conversation at that message. */
import type { Message } from '../../src/contract';
import type { ChatClient } from './chat-client.js';
import { byId, debounce, formatListStamp, h, setText } from './dom.js';

export class SearchPanel {
  private readonly form = byId<HTMLFormElement>('message-search-form');
  private readonly input = byId<HTMLInputElement>('message-search');
  private readonly panel = byId('search-panel');
  private readonly nav = byId('conversation-nav');
  private readonly status = byId('search-status');
  private readonly results = byId<HTMLUListElement>('search-results');
  private readonly error = byId('search-error');
  private readonly more = byId<HTMLButtonElement>('search-more');
  private items: Message[] = [];
  private query = '';
  private hasMore = false;
  private seq = 0;
  private readonly searchSoon = debounce(() => void this.run(), 350);

  constructor(
    private readonly client: ChatClient,
    private readonly onOpen: (conversationId: string, messageId: string) => void,
    signal: AbortSignal,
  ) {
    this.form.addEventListener(
      'submit',
      (event) => {
        event.preventDefault();
        this.searchSoon.cancel();
        void this.run();
      },
      { signal },
    );
    this.input.addEventListener('input', () => (this.input.value.trim() ? this.searchSoon() : this.clear()), { signal });
    this.input.addEventListener(
      'keydown',
      (event) => {
        if (event.key === 'Escape' && this.input.value) {
          event.preventDefault();
          event.stopPropagation();
          this.input.value = '';
          this.clear();
        }
        if (event.key === 'ArrowDown' && this.items.length) {
          event.preventDefault();
          this.results.querySelector<HTMLButtonElement>('button')?.focus();
        }
      },
      { signal },
    );
    this.results.addEventListener(
      'keydown',
      (event) => {
        if (event.key !== 'ArrowDown' && event.key !== 'ArrowUp') return;
        const buttons = Array.from(this.results.querySelectorAll<HTMLButtonElement>('button'));
        const index = buttons.indexOf(document.activeElement as HTMLButtonElement);
        event.preventDefault();
        if (index <= 0 && event.key === 'ArrowUp') this.input.focus();
        else buttons[Math.min(buttons.length - 1, index + (event.key === 'ArrowDown' ? 1 : -1))]?.focus();
      },
      { signal },
    );
    this.more.addEventListener('click', () => void this.run(true), { signal });
  }

  private clear(): void {
    this.seq += 1;
    this.items = [];
    this.query = '';
    this.panel.hidden = true;
    this.nav.hidden = false;
  }

  private async run(more = false): Promise<void> {
    const query = more ? this.query : this.input.value.trim();
    if (!query) return this.clear();
    const seq = ++this.seq;
    this.panel.hidden = false;
    this.nav.hidden = true;
    this.error.hidden = true;
    setText(this.status, 'Searching…');
    try {
      const page = await this.client.searchMessages(query, more ? this.items.at(-1)?.id : undefined);
      if (seq !== this.seq) return;
      this.query = query;
      this.items = more ? [...this.items, ...page.items] : page.items;
      this.hasMore = page.hasMore;
      setText(
        this.status,
        this.items.length === 0 ? `No messages found for “${query}”.` : `${this.items.length}${this.hasMore ? '+' : ''} ${this.items.length === 1 ? 'message' : 'messages'} found.`,
      );
      this.render();
    } catch (error) {
      if (seq !== this.seq) return;
      setText(this.status, '');
      setText(this.error, error instanceof Error ? error.message : 'Search failed.');
      this.error.hidden = false;
      this.items = [];
      this.render();
    }
  }

  private render(): void {
    this.more.hidden = !this.hasMore || this.items.length === 0;
    this.results.replaceChildren(
      ...this.items.map((message) => {
        const conversation = this.client.conversations.get(message.conversationId);
        const title = conversation ? this.client.titleOf(conversation) : 'Conversation';
        const sender = message.senderId === this.client.me.id ? 'You' : this.client.nameOf(message.senderId);
        const button = h(
          'button',
          { type: 'button', class: 'search-result', 'data-testid': 'search-result', 'data-message-id': message.id, 'aria-label': `${sender} in ${title}: ${message.text ?? ''}` },
          h(
            'span',
            { class: 'search-result-top' },
            h('span', { class: 'search-result-title' }, title),
            h('time', { class: 'conversation-time', datetime: message.createdAt }, formatListStamp(message.createdAt)),
          ),
          h('span', { class: 'search-result-text' }, `${sender}: ${message.text ?? ''}`),
        );
        button.addEventListener('click', () => this.onOpen(message.conversationId, message.id));
        return h('li', {}, button);
      }),
    );
  }
}
