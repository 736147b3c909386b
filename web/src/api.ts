/**
 * REST client for `/api/v1`. Adds the bearer token (refreshing it first when it is about to expire);
 * on a 401 it refreshes once and retries once, and if that fails too the session ends (login form).
 */
import type { Conversation, ConversationPage, DeliveredMark, ErrorBody, Message, MessagePage, PublicUser, ReadMark, SyncResult, User } from '../../src/contract';
import { SessionExpiredError, type AuthResult, type Session } from './session.js';

export class ApiError extends Error {
  constructor(
    /** HTTP status, or 0 when the server could not be reached. */
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

type Query = Record<string, string | number | undefined>;

function withQuery(path: string, query?: Query): string {
  if (!query) return path;
  const params = new URLSearchParams();
  for (const [key, value] of Object.entries(query)) if (value !== undefined) params.set(key, String(value));
  const text = params.toString();
  return text ? `${path}?${text}` : path;
}

/** The contract's error body; read defensively, since a proxy in between may answer with something else. */
async function errorMessage(response: Response): Promise<string> {
  try {
    const body = (await response.json()) as Partial<ErrorBody>;
    if (Array.isArray(body.message)) return body.message.join('. ');
    if (body.message) return body.message;
    if (body.error) return body.error;
  } catch {
    // Not JSON: fall through.
  }
  return response.statusText || `Request failed (${response.status})`;
}

export class Api {
  constructor(private readonly session: Session) {}

  // ---- auth -----------------------------------------------------------------------------------------
  signup(name: string, email: string, password: string): Promise<AuthResult> {
    return this.request('POST', '/auth/signup', { name, email, password }, { auth: false });
  }

  login(email: string, password: string): Promise<AuthResult> {
    return this.request('POST', '/auth/login', { email, password }, { auth: false });
  }

  logout(refreshToken: string): Promise<void> {
    return this.request('POST', '/auth/logout', { refreshToken }, { retry: false });
  }

  // ---- users ----------------------------------------------------------------------------------------
  me(): Promise<User> {
    return this.request('GET', '/users/me');
  }

  searchUsers(q: string, limit = 20): Promise<PublicUser[]> {
    return this.request('GET', withQuery('/users', { q, limit }));
  }

  user(id: string): Promise<PublicUser> {
    return this.request('GET', `/users/${encodeURIComponent(id)}`);
  }

  blockedUsers(): Promise<PublicUser[]> {
    return this.request('GET', '/users/me/blocked');
  }

  setBlocked(userId: string, blocked: boolean): Promise<void> {
    return this.request(blocked ? 'POST' : 'DELETE', `/users/${encodeURIComponent(userId)}/block`);
  }

  // ---- conversations --------------------------------------------------------------------------------
  conversations(before?: string, limit = 50): Promise<ConversationPage> {
    return this.request('GET', withQuery('/conversations', { limit, before }));
  }

  conversation(id: string): Promise<Conversation> {
    return this.request('GET', `/conversations/${encodeURIComponent(id)}`);
  }

  openDirect(userId: string): Promise<Conversation> {
    return this.request('POST', '/conversations', { type: 'direct', userId });
  }

  createGroup(title: string, memberIds: string[]): Promise<Conversation> {
    return this.request('POST', '/conversations', { type: 'group', title, memberIds });
  }

  renameGroup(conversationId: string, title: string): Promise<Conversation> {
    return this.request('PATCH', `/conversations/${encodeURIComponent(conversationId)}`, { title });
  }

  addMembers(conversationId: string, userIds: string[]): Promise<Conversation> {
    return this.request('POST', `/conversations/${encodeURIComponent(conversationId)}/members`, { userIds });
  }

  /** Removes a member (an admin), or leaves (`userId` = oneself). */
  removeMember(conversationId: string, userId: string): Promise<void> {
    return this.request('DELETE', `/conversations/${encodeURIComponent(conversationId)}/members/${encodeURIComponent(userId)}`);
  }

  messages(conversationId: string, page: { before?: string; after?: string; limit?: number } = {}): Promise<MessagePage> {
    return this.request('GET', withQuery(`/conversations/${encodeURIComponent(conversationId)}/messages`, { limit: 50, ...page }));
  }

  markRead(conversationId: string, messageId: string): Promise<ReadMark> {
    return this.request('POST', `/conversations/${encodeURIComponent(conversationId)}/read`, { messageId });
  }

  markDelivered(conversationId: string, messageId: string): Promise<DeliveredMark> {
    return this.request('POST', `/conversations/${encodeURIComponent(conversationId)}/delivered`, { messageId });
  }

  // ---- messages -------------------------------------------------------------------------------------
  sendMessage(conversationId: string, text: string, clientId: string): Promise<Message> {
    return this.request('POST', '/messages', { conversationId, text, clientId });
  }

  editMessage(messageId: string, text: string): Promise<Message> {
    return this.request('PATCH', `/messages/${encodeURIComponent(messageId)}`, { text });
  }

  deleteMessage(messageId: string): Promise<void> {
    return this.request('DELETE', `/messages/${encodeURIComponent(messageId)}`);
  }

  react(messageId: string, emoji: string, on: boolean): Promise<Message> {
    return this.request(on ? 'PUT' : 'DELETE', `/messages/${encodeURIComponent(messageId)}/reactions/${encodeURIComponent(emoji)}`);
  }

  /** Newest first; `before` is the last result of the previous page. */
  searchMessages(q: string, before?: string, limit = 20): Promise<MessagePage> {
    return this.request('GET', withQuery('/search/messages', { q, before, limit }));
  }

  /** Catch-up: without `since` only a cursor for "now"; with it, every change after that cursor. */
  sync(since?: string): Promise<SyncResult> {
    return this.request('GET', withQuery('/sync', { since }));
  }

  // ---- plumbing -------------------------------------------------------------------------------------
  private async request<T>(method: string, path: string, body?: unknown, options: { auth?: boolean; retry?: boolean } = {}): Promise<T> {
    const auth = options.auth ?? true;
    const send = async (token: string | null): Promise<Response> => {
      const headers: Record<string, string> = { Accept: 'application/json' };
      if (body !== undefined) headers['Content-Type'] = 'application/json';
      if (token) headers.Authorization = `Bearer ${token}`;
      try {
        return await fetch(`/api/v1${path}`, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
      } catch {
        throw new ApiError(0, 'Cannot reach the server. Check your connection.');
      }
    };

    let token = auth ? await this.session.accessToken() : null;
    let response = await send(token);
    if (response.status === 401 && auth && options.retry !== false) {
      try {
        token = (await this.session.refresh(token ?? undefined)).accessToken;
      } catch (error) {
        if (error instanceof SessionExpiredError) throw new ApiError(401, error.message);
        throw new ApiError(0, 'Cannot reach the server. Check your connection.');
      }
      response = await send(token);
      if (response.status === 401) {
        this.session.expire();
        throw new ApiError(401, 'Your session has ended. Please log in again.');
      }
    }
    if (!response.ok) throw new ApiError(response.status, await errorMessage(response));
    if (response.status === 204) return undefined as T;
    const text = await response.text();
    return (text ? JSON.parse(text) : undefined) as T;
  }
}
