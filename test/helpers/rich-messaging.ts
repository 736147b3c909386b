import type { TestUser } from '../factories/user.factory';
import type { TestApp } from './app';
import type { MessageBody } from './messaging';

/** Short-hands over the rich-messaging REST API (replies, reactions, mentions, blocking, search). */

export async function sendRich(t: TestApp, sender: TestUser, body: Record<string, unknown>): Promise<MessageBody> {
  const response = await t.http().post('/api/v1/messages').set(sender.auth).send(body);
  if (response.status !== 201) throw new Error(`send: ${response.status} ${JSON.stringify(response.body)}`);
  return response.body;
}

export const reactionPath = (messageId: string, emoji: string) => `/api/v1/messages/${messageId}/reactions/${encodeURIComponent(emoji)}`;

export async function react(t: TestApp, user: TestUser, messageId: string, emoji: string, on = true): Promise<MessageBody> {
  const path = reactionPath(messageId, emoji);
  const response = await (on ? t.http().put(path) : t.http().delete(path)).set(user.auth);
  if (response.status !== 200) throw new Error(`react: ${response.status} ${JSON.stringify(response.body)}`);
  return response.body;
}

export async function setBlocked(t: TestApp, blocker: TestUser, blocked: TestUser, on = true): Promise<void> {
  const path = `/api/v1/users/${blocked.id}/block`;
  const response = await (on ? t.http().post(path) : t.http().delete(path)).set(blocker.auth);
  if (response.status !== 204) throw new Error(`block: ${response.status} ${JSON.stringify(response.body)}`);
}

export async function searchMessages(t: TestApp, user: TestUser, query: Record<string, string | number>): Promise<{ items: MessageBody[]; hasMore: boolean }> {
  const response = await t.http().get('/api/v1/search/messages').query(query).set(user.auth);
  if (response.status !== 200) throw new Error(`search: ${response.status} ${JSON.stringify(response.body)}`);
  return response.body;
}
