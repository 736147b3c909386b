/** Group info: rename (admins), the members with their roles, remove (admins) and add people (admins), leave. */
import type { PublicUser } from '../../src/contract';
import type { ChatClient } from './chat-client.js';
import { avatar, byId, debounce, h, setText } from './dom.js';

export class GroupDialog {
  private readonly dialog = byId<HTMLDialogElement>('group-dialog');
  private readonly renameForm = byId<HTMLFormElement>('group-rename-form');
  private readonly renameInput = byId<HTMLInputElement>('group-rename');
  private readonly renameSave = byId<HTMLButtonElement>('group-rename-save');
  private readonly members = byId<HTMLUListElement>('group-member-list');
  private readonly addField = byId('group-add-field');
  private readonly addSearch = byId<HTMLInputElement>('group-add-search');
  private readonly addResults = byId<HTMLUListElement>('group-add-results');
  private readonly error = byId('group-error');
  private conversationId: string | null = null;
  private searchSeq = 0;
  private readonly searchSoon = debounce(() => void this.runSearch(), 250);

  constructor(
    private readonly client: ChatClient,
    private readonly onLeft: () => void,
    signal: AbortSignal,
  ) {
    byId('group-close').addEventListener('click', () => this.dialog.close(), { signal });
    this.dialog.addEventListener(
      'close',
      () => {
        this.conversationId = null;
        this.searchSoon.cancel();
      },
      { signal },
    );
    this.renameForm.addEventListener(
      'submit',
      (event) => {
        event.preventDefault();
        void this.run(async (id) => {
          const title = this.renameInput.value.trim();
          if (!title) throw new Error('Give the group a name.');
          await this.client.renameGroup(id, title);
        });
      },
      { signal },
    );
    this.addSearch.addEventListener('input', () => this.searchSoon(), { signal });
    byId('leave-group-button').addEventListener(
      'click',
      () => {
        if (!window.confirm('Leave this group? You will no longer see its messages.')) return;
        void this.run(async (id) => {
          await this.client.removeMember(id, this.client.me.id);
          this.dialog.close();
          this.onLeft();
        });
      },
      { signal },
    );
    this.members.addEventListener(
      'click',
      (event) => {
        const userId = (event.target as Element).closest<HTMLElement>('[data-remove]')?.dataset.remove;
        if (userId) void this.run((id) => this.client.removeMember(id, userId));
      },
      { signal },
    );
  }

  open(conversationId: string): void {
    this.conversationId = conversationId;
    this.addSearch.value = '';
    this.addResults.replaceChildren();
    setText(this.error, '');
    this.dialog.showModal();
    this.render();
    (this.isAdmin() ? this.renameInput : byId<HTMLButtonElement>('group-close')).focus();
  }

  /** Re-renders while open (a member joined or left, the group was renamed). */
  render(): void {
    const conversation = this.conversationId ? this.client.conversations.get(this.conversationId) : undefined;
    if (!conversation || !this.dialog.open) {
      if (this.dialog.open && !conversation) this.dialog.close();
      return;
    }
    const admin = this.isAdmin();
    if (document.activeElement !== this.renameInput) this.renameInput.value = conversation.title ?? '';
    this.renameInput.readOnly = !admin;
    this.renameSave.hidden = !admin;
    this.addField.hidden = !admin;
    this.addResults.hidden = !admin;
    this.members.replaceChildren(
      ...conversation.members.map((member) => {
        const name = member.userId === this.client.me.id ? `${this.client.me.name} (you)` : this.client.nameOf(member.userId);
        const remove =
          admin && member.userId !== this.client.me.id
            ? h(
                'button',
                { type: 'button', class: 'button small', 'data-remove': member.userId, 'data-testid': 'remove-member', 'aria-label': `Remove ${name} from the group` },
                'Remove',
              )
            : null;
        return h(
          'li',
          { class: 'person', 'data-testid': 'group-member', 'data-user-id': member.userId },
          avatar(name, member.userId),
          h(
            'span',
            { class: 'person-text' },
            h('span', { class: 'person-name' }, name),
            h('span', { class: 'person-sub muted small' }, member.role === 'admin' ? 'Admin' : 'Member'),
          ),
          remove,
        );
      }),
    );
  }

  private isAdmin(): boolean {
    const conversation = this.conversationId ? this.client.conversations.get(this.conversationId) : undefined;
    return conversation?.members.some((member) => member.userId === this.client.me.id && member.role === 'admin') ?? false;
  }

  private async run(action: (conversationId: string) => Promise<void>): Promise<void> {
    const id = this.conversationId;
    if (!id) return;
    setText(this.error, '');
    try {
      await action(id);
      this.render();
    } catch (error) {
      setText(this.error, error instanceof Error ? error.message : 'That did not work.');
    }
  }

  private async runSearch(): Promise<void> {
    const query = this.addSearch.value.trim();
    const seq = ++this.searchSeq;
    if (!query) {
      this.addResults.replaceChildren();
      return;
    }
    try {
      const found = await this.client.searchUsers(query);
      if (seq !== this.searchSeq) return;
      const conversation = this.conversationId ? this.client.conversations.get(this.conversationId) : undefined;
      const inGroup = new Set(conversation?.members.map((member) => member.userId) ?? []);
      this.addResults.replaceChildren(...found.filter((user) => !inGroup.has(user.id)).map((user) => this.addRow(user)));
    } catch (error) {
      setText(this.error, error instanceof Error ? error.message : 'Search failed.');
    }
  }

  private addRow(user: PublicUser): HTMLElement {
    const add = h('button', { type: 'button', class: 'button small primary', 'data-testid': 'add-member', 'aria-label': `Add ${user.name} to the group` }, 'Add');
    add.addEventListener(
      'click',
      () =>
        void this.run(async (id) => {
          await this.client.addMembers(id, [user]);
          add.closest('li')?.remove();
        }),
    );
    return h(
      'li',
      { class: 'person', 'data-testid': 'add-candidate' },
      avatar(user.name, user.id),
      h('span', { class: 'person-text' }, h('span', { class: 'person-name' }, user.name)),
      add,
    );
  }
}
