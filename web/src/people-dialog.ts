/** The dialog to find people (by name prefix or exact e-mail) and start a direct chat or create a group. */
import type { PublicUser } from '../../src/contract';
import type { ChatClient } from './chat-client.js';
import { avatar, byId, debounce, formatLastSeen, h, setText } from './dom.js';

type Mode = 'direct' | 'group';

export class PeopleDialog {
  private readonly dialog = byId<HTMLDialogElement>('people-dialog');
  private readonly form = byId<HTMLFormElement>('people-form');
  private readonly heading = byId('people-dialog-title');
  private readonly titleField = byId('group-title-field');
  private readonly groupTitle = byId<HTMLInputElement>('group-title');
  private readonly search = byId<HTMLInputElement>('people-search');
  private readonly chips = byId<HTMLUListElement>('group-members');
  private readonly status = byId('people-status');
  private readonly results = byId<HTMLUListElement>('people-results');
  private readonly error = byId('people-error');
  private readonly footer = byId('group-footer');
  private readonly createButton = byId<HTMLButtonElement>('create-group-button');
  private mode: Mode = 'direct';
  private selected = new Map<string, PublicUser>();
  private found: PublicUser[] = [];
  private searchSeq = 0;
  private busy = false;
  private readonly searchSoon = debounce(() => void this.runSearch(), 250);

  constructor(
    private readonly client: ChatClient,
    private readonly onOpened: (conversationId: string) => void,
    signal: AbortSignal,
  ) {
    byId('people-close').addEventListener('click', () => this.dialog.close(), { signal });
    this.search.addEventListener('input', () => this.searchSoon(), { signal });
    this.search.addEventListener(
      'keydown',
      (event) => {
        // Enter picks the first person found (direct mode), as a keyboard shortcut.
        if (event.key === 'Enter') {
          event.preventDefault();
          const first = this.found[0];
          if (this.mode === 'direct' && first) void this.openDirect(first);
          else if (this.mode === 'group' && first) this.toggle(first);
        }
      },
      { signal },
    );
    this.form.addEventListener(
      'submit',
      (event) => {
        event.preventDefault();
        if (this.mode === 'group') void this.createGroup();
      },
      { signal },
    );
    this.dialog.addEventListener('close', () => this.searchSoon.cancel(), { signal });
  }

  open(mode: Mode): void {
    this.mode = mode;
    this.selected.clear();
    this.found = [];
    this.search.value = '';
    this.groupTitle.value = '';
    setText(this.heading, mode === 'group' ? 'New group' : 'New chat');
    setText(this.status, mode === 'group' ? 'Search people to add to the group.' : 'Search someone to chat with.');
    setText(this.error, '');
    this.titleField.hidden = mode !== 'group';
    this.footer.hidden = mode !== 'group';
    this.renderResults();
    this.renderChips();
    this.dialog.showModal();
    (mode === 'group' ? this.groupTitle : this.search).focus();
  }

  private async runSearch(): Promise<void> {
    const query = this.search.value.trim();
    const seq = ++this.searchSeq;
    setText(this.error, '');
    if (!query) {
      this.found = [];
      setText(this.status, '');
      this.renderResults();
      return;
    }
    setText(this.status, 'Searching…');
    try {
      const users = await this.client.searchUsers(query);
      if (seq !== this.searchSeq) return; // a newer search is under way
      this.found = users;
      setText(this.status, users.length === 0 ? `No one found for “${query}”.` : `${users.length} ${users.length === 1 ? 'person' : 'people'} found.`);
      this.renderResults();
    } catch (error) {
      if (seq !== this.searchSeq) return;
      setText(this.status, '');
      setText(this.error, error instanceof Error ? error.message : 'Search failed.');
    }
  }

  private renderResults(): void {
    this.results.replaceChildren(
      ...this.found.map((user) => {
        const chosen = this.selected.has(user.id);
        const action =
          this.mode === 'direct'
            ? h('button', { type: 'button', class: 'button small primary', 'data-testid': 'start-chat', 'aria-label': `Message ${user.name}` }, 'Message')
            : h(
                'button',
                {
                  type: 'button',
                  class: `button small${chosen ? ' selected' : ''}`,
                  'aria-pressed': String(chosen),
                  'data-testid': 'toggle-member',
                  'aria-label': `${chosen ? 'Remove' : 'Add'} ${user.name}`,
                },
                chosen ? 'Added' : 'Add',
              );
        action.addEventListener('click', () => (this.mode === 'direct' ? void this.openDirect(user) : this.toggle(user)));
        return h(
          'li',
          { class: 'person', 'data-testid': 'person-result', 'data-user-id': user.id },
          avatar(user.name, user.id),
          h(
            'span',
            { class: 'person-text' },
            h('span', { class: 'person-name' }, user.name),
            h('span', { class: 'person-sub muted small' }, formatLastSeen(user.online, user.lastSeenAt)),
          ),
          action,
        );
      }),
    );
  }

  private toggle(user: PublicUser): void {
    if (this.selected.has(user.id)) this.selected.delete(user.id);
    else this.selected.set(user.id, user);
    this.renderResults();
    this.renderChips();
  }

  private renderChips(): void {
    this.chips.hidden = this.mode !== 'group' || this.selected.size === 0;
    this.chips.replaceChildren(
      ...[...this.selected.values()].map((user) => {
        const remove = h('button', { type: 'button', class: 'chip-remove', 'aria-label': `Remove ${user.name}` }, '×');
        remove.addEventListener('click', () => this.toggle(user));
        return h('li', { class: 'chip' }, h('span', {}, user.name), remove);
      }),
    );
    this.createButton.disabled = this.selected.size === 0;
  }

  private async openDirect(user: PublicUser): Promise<void> {
    if (this.busy) return;
    this.busy = true;
    try {
      const id = await this.client.startDirect(user);
      this.dialog.close();
      this.onOpened(id);
    } catch (error) {
      setText(this.error, error instanceof Error ? error.message : 'Could not open the conversation.');
    } finally {
      this.busy = false;
    }
  }

  private async createGroup(): Promise<void> {
    const title = this.groupTitle.value.trim();
    setText(this.error, '');
    if (!title) {
      setText(this.error, 'Give the group a name.');
      this.groupTitle.focus();
      return;
    }
    if (this.selected.size === 0) {
      setText(this.error, 'Add at least one person.');
      this.search.focus();
      return;
    }
    if (this.busy) return;
    this.busy = true;
    this.createButton.disabled = true;
    try {
      const id = await this.client.createGroup(title, [...this.selected.values()]);
      this.dialog.close();
      this.onOpened(id);
    } catch (error) {
      setText(this.error, error instanceof Error ? error.message : 'Could not create the group.');
    } finally {
      this.busy = false;
      this.createButton.disabled = this.selected.size === 0;
    }
  }
}
