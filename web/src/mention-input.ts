/**
 * `@` suggestions in the composer: typing `@` and the start of a member's name lists the members that
 * match; ArrowUp/ArrowDown choose, Enter or Tab inserts `@Name `, Escape closes. The ids of the members
 * picked are sent as the message's `mentions` while their `@Name` is still in the text.
 */
import { h, setText } from './dom.js';

export interface MentionCandidate {
  id: string;
  name: string;
}

const MAX_SUGGESTIONS = 6;
/** `@` at the start or after a space, then up to 30 characters of a name, right before the caret. */
const QUERY = /(?:^|\s)@([^\s@]{0,30})$/u;

export class MentionInput {
  private matches: MentionCandidate[] = [];
  private active = 0;
  private start = -1;
  /** The members picked in this draft: id → name. */
  private readonly picked = new Map<string, string>();

  constructor(
    private readonly input: HTMLTextAreaElement,
    private readonly list: HTMLUListElement,
    /** Who may be mentioned now (the open group's other members); empty turns suggestions off. */
    private readonly candidates: () => MentionCandidate[],
    signal: AbortSignal,
  ) {
    input.addEventListener('input', () => this.update(), { signal });
    input.addEventListener('blur', () => setTimeout(() => this.close(), 150), { signal });
    list.addEventListener('mousedown', (event) => event.preventDefault(), { signal });
    list.addEventListener(
      'click',
      (event) => {
        const option = (event.target as Element).closest<HTMLElement>('[data-user-id]');
        const match = this.matches.find((candidate) => candidate.id === option?.dataset.userId);
        if (match) this.pick(match);
      },
      { signal },
    );
  }

  get open(): boolean {
    return this.matches.length > 0;
  }

  /** Handles the suggestion keys while the list is open; true when the key was used. */
  handleKey(event: KeyboardEvent): boolean {
    if (!this.open) return false;
    if (event.key === 'ArrowDown' || event.key === 'ArrowUp') {
      this.active = (this.active + (event.key === 'ArrowDown' ? 1 : this.matches.length - 1)) % this.matches.length;
      this.render();
    } else if (event.key === 'Enter' || event.key === 'Tab') {
      this.pick(this.matches[this.active]);
    } else if (event.key === 'Escape') {
      this.close();
    } else {
      return false;
    }
    event.preventDefault();
    return true;
  }

  /** Ids of the picked members whose `@Name` is still in `text`. */
  mentionsIn(text: string): string[] {
    return [...this.picked].filter(([, name]) => text.includes(`@${name}`)).map(([id]) => id);
  }

  reset(): void {
    this.picked.clear();
    this.close();
  }

  private update(): void {
    const before = this.input.value.slice(0, this.input.selectionStart ?? this.input.value.length);
    const query = QUERY.exec(before);
    const candidates = query ? this.candidates() : [];
    if (!query || candidates.length === 0) {
      this.close();
      return;
    }
    const prefix = query[1].toLocaleLowerCase();
    this.start = before.length - query[1].length - 1;
    this.matches = candidates
      .filter(
        (candidate) =>
          candidate.name
            .toLocaleLowerCase()
            .split(/\s+/)
            .some((word) => word.startsWith(prefix)) || candidate.name.toLocaleLowerCase().startsWith(prefix),
      )
      .slice(0, MAX_SUGGESTIONS);
    this.active = 0;
    this.render();
  }

  private pick(candidate: MentionCandidate): void {
    const caret = this.input.selectionStart ?? this.input.value.length;
    const inserted = `@${candidate.name} `;
    this.input.value = this.input.value.slice(0, this.start) + inserted + this.input.value.slice(caret);
    const position = this.start + inserted.length;
    this.input.setSelectionRange(position, position);
    this.picked.set(candidate.id, candidate.name);
    this.close();
    this.input.focus();
    this.input.dispatchEvent(new Event('input'));
  }

  private close(): void {
    this.matches = [];
    this.render();
  }

  private render(): void {
    this.list.hidden = this.matches.length === 0;
    this.input.setAttribute('aria-expanded', String(!this.list.hidden));
    this.list.replaceChildren(
      ...this.matches.map((candidate, index) => {
        const option = h('li', {
          role: 'option',
          id: `mention-option-${index}`,
          class: 'mention-option',
          'data-user-id': candidate.id,
          'data-testid': 'mention-option',
          'aria-selected': String(index === this.active),
        });
        setText(option, `@${candidate.name}`);
        return option;
      }),
    );
    if (this.matches.length) this.input.setAttribute('aria-activedescendant', `mention-option-${this.active}`);
    else this.input.removeAttribute('aria-activedescendant');
  }
}
