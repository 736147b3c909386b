/** The small reaction picker: a row of emoji buttons next to a message; arrows move, Escape closes. */
import { byId, h } from './dom.js';

export const QUICK_REACTIONS = ['👍', '❤️', '😂', '😮', '😢', '🎉', '🙏', '🔥'];

export class ReactionPicker {
  private readonly element = byId('reaction-picker');
  private anchor: HTMLElement | null = null;
  private onPick: ((emoji: string) => void) | null = null;

  constructor(signal: AbortSignal) {
    this.element.replaceChildren(
      ...QUICK_REACTIONS.map((emoji) =>
        h('button', { type: 'button', class: 'reaction-choice', 'data-emoji': emoji, 'aria-label': `React with ${emoji}`, 'data-testid': 'reaction-choice' }, emoji),
      ),
    );
    this.element.addEventListener(
      'click',
      (event) => {
        const emoji = (event.target as Element).closest<HTMLElement>('[data-emoji]')?.dataset.emoji;
        if (emoji) {
          const pick = this.onPick;
          this.close();
          pick?.(emoji);
        }
      },
      { signal },
    );
    this.element.addEventListener(
      'keydown',
      (event) => {
        const buttons = Array.from(this.element.querySelectorAll<HTMLButtonElement>('button'));
        const index = buttons.indexOf(document.activeElement as HTMLButtonElement);
        if (event.key === 'Escape') {
          event.preventDefault();
          event.stopPropagation();
          this.close();
        } else if (event.key === 'ArrowRight' || event.key === 'ArrowLeft') {
          event.preventDefault();
          buttons[(index + (event.key === 'ArrowRight' ? 1 : buttons.length - 1)) % buttons.length]?.focus();
        }
      },
      { signal },
    );
    this.element.addEventListener(
      'focusout',
      (event) => {
        if (!this.element.contains(event.relatedTarget as Node | null)) this.close(false);
      },
      { signal },
    );
  }

  get isOpen(): boolean {
    return !this.element.hidden;
  }

  /** Opens beside `anchor` (inside the chat view) and focuses the first emoji. */
  open(anchor: HTMLElement, onPick: (emoji: string) => void): void {
    this.anchor = anchor;
    this.onPick = onPick;
    this.element.hidden = false;
    const view = this.element.offsetParent?.getBoundingClientRect() ?? { top: 0, left: 0, width: window.innerWidth };
    const box = anchor.getBoundingClientRect();
    const width = this.element.offsetWidth;
    this.element.style.top = `${Math.max(8, box.top - view.top - this.element.offsetHeight - 6)}px`;
    this.element.style.left = `${Math.min(Math.max(8, box.left - view.left), view.width - width - 8)}px`;
    this.element.querySelector<HTMLButtonElement>('button')?.focus();
  }

  close(restoreFocus = true): void {
    if (this.element.hidden) return;
    this.element.hidden = true;
    this.onPick = null;
    if (restoreFocus && this.anchor?.isConnected) this.anchor.focus();
    this.anchor = null;
  }
}
