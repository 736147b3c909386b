/**
 * Chatify web client entry point: shows the login form or the chat app, routes between the conversation
 * list and an open conversation (`#/c/<id>`), and batches re-renders after state changes.
 */
import { Api } from './api.js';
import { AuthView } from './auth-view.js';
import { ChatClient, type Topic } from './chat-client.js';
import { ChatView } from './chat-view.js';
import { ConversationList } from './conversation-list.js';
import { byId } from './dom.js';
import { GroupDialog } from './group-dialog.js';
import { PeopleDialog } from './people-dialog.js';
import { SearchPanel } from './search-panel.js';
import { Session, type AuthResult } from './session.js';

const session = new Session();
const api = new Api(session);
const appView = byId('app-view');
const narrow = window.matchMedia('(max-width: 700px)');

let app: ChatApp | null = null;

const authView = new AuthView(api, (result: AuthResult) => {
  session.save(result);
  authView.hide();
  startApp();
});

session.onExpired(() => {
  stopApp();
  authView.show('Your session has ended. Please log in again.');
});

// Another tab logged in as someone else: follow it rather than mixing two people's data.
session.onChange((next) => {
  if (next && app && next.user.id !== app.client.me.id) {
    authView.hide();
    startApp();
  }
});

function conversationFromHash(): string | null {
  const match = /^#\/c\/([0-9a-fA-F]{24})$/.exec(location.hash);
  return match ? match[1] : null;
}

/** The signed-in app: owns the chat state and the three views for as long as the session lasts. */
class ChatApp {
  readonly client: ChatClient;
  private readonly list: ConversationList;
  private readonly chat: ChatView;
  private readonly people: PeopleDialog;
  private readonly group: GroupDialog;
  /** A message to show once its conversation is open (a search result). */
  private revealAfterOpen: { conversationId: string; messageId: string } | null = null;
  private readonly dirty = new Set<Topic>();
  private scheduled = false;
  private readonly clock: ReturnType<typeof setInterval>;
  private readonly cleanups: Array<() => void> = [];
  /** Removes every listener this app instance added to the page (index.html outlives a session). */
  private readonly listeners = new AbortController();

  constructor() {
    const current = session.get()!;
    this.client = new ChatClient(api, session, current.user);
    const signal = this.listeners.signal;
    this.list = new ConversationList(this.client, (id) => this.navigate(id), signal);
    this.group = new GroupDialog(this.client, () => this.navigate(null), signal);
    this.chat = new ChatView(this.client, signal, { onGroupInfo: (id) => this.group.open(id) });
    this.people = new PeopleDialog(this.client, (id) => this.navigate(id), signal);
    new SearchPanel(this.client, (conversationId, messageId) => this.navigate(conversationId, messageId), signal);
    this.cleanups.push(this.client.subscribe((topic) => this.invalidate(topic)));

    this.on(byId('new-chat-button'), 'click', () => this.people.open('direct'));
    this.on(byId('new-group-button'), 'click', () => this.people.open('group'));
    this.on(byId('back-button'), 'click', () => this.navigate(null));
    this.on(byId('logout-button'), 'click', () => void logout());
    this.on(window, 'hashchange', () => this.route());
    this.on(narrow, 'change', () => this.applyLayout());
    this.on(document, 'keydown', (event) => {
      // Escape leaves the open conversation on a phone-width layout (dialogs handle Escape themselves).
      if ((event as KeyboardEvent).key === 'Escape' && narrow.matches && this.client.openId && !document.querySelector('dialog[open]')) this.navigate(null);
    });
    // "last seen 3 min ago" and list stamps age.
    this.clock = setInterval(() => this.invalidate('users'), 30_000);

    appView.hidden = false;
    this.list.renderConnection();
    this.route();
    this.client.start().catch(() => undefined);
  }

  stop(): void {
    clearInterval(this.clock);
    this.listeners.abort();
    this.cleanups.forEach((cleanup) => cleanup());
    this.client.stop();
    for (const id of ['people-dialog', 'group-dialog']) {
      const dialog = byId<HTMLDialogElement>(id);
      if (dialog.open) dialog.close();
    }
    byId<HTMLInputElement>('message-search').value = '';
    byId('search-panel').hidden = true;
    byId('conversation-nav').hidden = false;
    // Nothing of this person may stay on the page for the next one.
    byId('conversation-list').replaceChildren();
    byId('message-list').replaceChildren();
    byId<HTMLTextAreaElement>('composer-input').value = '';
    appView.hidden = true;
  }

  private on(target: EventTarget, type: string, listener: (event: Event) => void): void {
    target.addEventListener(type, listener, { signal: this.listeners.signal });
  }

  private navigate(conversationId: string | null, messageId?: string): void {
    this.revealAfterOpen = conversationId && messageId ? { conversationId, messageId } : null;
    const hash = conversationId ? `#/c/${conversationId}` : '#/';
    if (location.hash !== hash) location.hash = hash;
    else this.route();
  }

  private route(): void {
    const id = conversationFromHash();
    const switching = id !== this.client.openId;
    const reveal = this.revealAfterOpen;
    this.revealAfterOpen = null;
    void this.client.open(id).then((found) => {
      // A link to a conversation that is gone or not ours: back to the list.
      if (!found && conversationFromHash() === id) this.navigate(null);
      else if (found && id && reveal?.conversationId === id) void this.client.reveal(id, reveal.messageId);
    });
    this.applyLayout();
    if (id && switching) {
      this.chat.render(); // now, not in the batched render: focus needs the view shown
      this.chat.focusComposer();
    }
    if (!id && narrow.matches) {
      // Back on the list: put focus on the conversation we came from.
      const previous = document.querySelector<HTMLElement>('button.conversation[aria-current="true"]');
      (previous ?? byId('new-chat-button')).focus({ preventScroll: true });
    }
  }

  /** Phone width: list and chat are two views; wide: side by side. */
  private applyLayout(): void {
    const id = this.client.openId;
    appView.dataset.view = id ? 'chat' : 'list';
    this.client.setChatOnScreen(id !== null);
    this.invalidate('open');
  }

  private invalidate(topic: Topic): void {
    this.dirty.add(topic);
    if (this.scheduled) return;
    this.scheduled = true;
    // Coalesce bursts of state changes (a sync page, a receipt) into one render.
    queueMicrotask(() => {
      this.scheduled = false;
      const topics = new Set(this.dirty);
      this.dirty.clear();
      this.render(topics);
    });
  }

  /** "(3) Bob Builder · Chatify": unread messages show in the tab title too. */
  private renderTitle(): void {
    const open = this.client.openId ? this.client.conversations.get(this.client.openId) : undefined;
    const unread = this.client.totalUnread();
    const base = open ? `${this.client.titleOf(open)} · Chatify` : 'Chatify';
    const title = unread > 0 ? `(${unread > 99 ? '99+' : unread}) ${base}` : base;
    if (document.title !== title) document.title = title;
  }

  private render(topics: Set<Topic>): void {
    if (topics.has('connection')) {
      this.list.renderConnection();
      this.chat.renderConnection();
      this.chat.renderHeader();
    }
    const all = topics.has('open');
    if (all || topics.has('conversations') || topics.has('users') || topics.has('typing') || topics.has('thread') || topics.has('connection')) {
      this.list.render();
      this.renderTitle();
    }
    if (all) {
      this.chat.render();
      return;
    }
    if (topics.has('conversations') || topics.has('users')) this.chat.renderHeader();
    if (topics.has('conversations') || topics.has('users') || topics.has('blocks')) {
      this.chat.renderBlocked();
      this.group.render();
    }
    if (topics.has('thread') || topics.has('users')) this.chat.renderMessages();
    if (topics.has('typing') || topics.has('users')) this.chat.renderTyping();
  }
}

function startApp(): void {
  stopApp();
  app = new ChatApp();
}

function stopApp(): void {
  app?.stop();
  app = null;
}

async function logout(): Promise<void> {
  const current = session.get();
  stopApp();
  if (current) await api.logout(current.refreshToken).catch(() => undefined);
  session.clear();
  history.replaceState(null, '', location.pathname);
  authView.show();
}

if (session.get()) startApp();
else authView.show();
