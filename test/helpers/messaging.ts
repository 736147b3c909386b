import type { Conversation, Message } from '../../src/contract';
import type { TestApp } from './app';
import type { TestUser } from '../factories/user.factory';

/** Short-hands over the messaging REST API, failing loudly when a set-up step does not answer as expected. */

export const ISO = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/;
export const OBJECT_ID = /^[0-9a-f]{24}$/;
/** A well-formed id that names nothing. */
export const UNKNOWN_ID = 'ffffffffffffffffffffffff';

/** The bodies the API answers, as the contract types them. */
export type MessageBody = Message;
export type ConversationBody = Conversation;

function expectStatus(what: string, response: { status: number; body: unknown }, ...statuses: number[]): void {
  if (!statuses.includes(response.status)) throw new Error(`${what}: ${response.status} ${JSON.stringify(response.body)}`);
}

export async function openDirect(t: TestApp, caller: TestUser, other: TestUser): Promise<ConversationBody> {
  const response = await t.http().post('/api/v1/conversations').set(caller.auth).send({ type: 'direct', userId: other.id });
  expectStatus('open direct', response, 200, 201);
  return response.body;
}

export async function createGroup(t: TestApp, creator: TestUser, members: TestUser[], title = 'Group'): Promise<ConversationBody> {
  const response = await t
    .http()
    .post('/api/v1/conversations')
    .set(creator.auth)
    .send({ type: 'group', title, memberIds: members.map((m) => m.id) });
  expectStatus('create group', response, 201);
  return response.body;
}

export async function send(t: TestApp, sender: TestUser, conversationId: string, text: string, clientId?: string): Promise<MessageBody> {
  const response = await t
    .http()
    .post('/api/v1/messages')
    .set(sender.auth)
    .send({ conversationId, text, ...(clientId ? { clientId } : {}) });
  expectStatus('send', response, 201);
  return response.body;
}

/** Sends `count` messages, `parallel` at a time (order between parallel ones is whatever the server gives). */
export async function sendMany(t: TestApp, sender: TestUser, conversationId: string, count: number, parallel = 10, prefix = 'm'): Promise<MessageBody[]> {
  const sent: MessageBody[] = [];
  for (let start = 0; start < count; start += parallel) {
    const batch = Array.from({ length: Math.min(parallel, count - start) }, (_, i) => send(t, sender, conversationId, `${prefix}${start + i}`));
    sent.push(...(await Promise.all(batch)));
  }
  return sent.sort((a, b) => a.seq - b.seq);
}

export async function history(
  t: TestApp,
  caller: TestUser,
  conversationId: string,
  query: Record<string, string | number> = {},
): Promise<{ items: MessageBody[]; hasMore: boolean }> {
  const response = await t.http().get(`/api/v1/conversations/${conversationId}/messages`).query(query).set(caller.auth);
  expectStatus('history', response, 200);
  return response.body;
}

export async function getConversation(t: TestApp, caller: TestUser, conversationId: string): Promise<ConversationBody> {
  const response = await t.http().get(`/api/v1/conversations/${conversationId}`).set(caller.auth);
  expectStatus('get conversation', response, 200);
  return response.body;
}

export async function mark(t: TestApp, caller: TestUser, conversationId: string, type: 'read' | 'delivered', messageId: string) {
  const response = await t.http().post(`/api/v1/conversations/${conversationId}/${type}`).set(caller.auth).send({ messageId });
  expectStatus(`mark ${type}`, response, 200);
  return response.body;
}

export async function membership(t: TestApp, conversationId: string, userId: string) {
  const { Types } = await import('mongoose');
  return t.connection.collection('memberships').findOne({ conversationId: new Types.ObjectId(conversationId), userId: new Types.ObjectId(userId) });
}

/** Every field of a `Message`, with types; `null` where the contract allows it. */
export function expectMessageShape(message: unknown): void {
  expect(Object.keys(message as object).sort()).toEqual(
    ['clientId', 'conversationId', 'createdAt', 'deletedAt', 'editedAt', 'id', 'mentions', 'reactions', 'replyTo', 'senderId', 'seq', 'status', 'text'].sort(),
  );
  const m = message as MessageBody;
  expect(m.id).toMatch(OBJECT_ID);
  expect(m.conversationId).toMatch(OBJECT_ID);
  expect(m.senderId).toMatch(OBJECT_ID);
  expect(Number.isInteger(m.seq) && m.seq >= 1).toBe(true);
  expect(m.text === null || typeof m.text === 'string').toBe(true);
  expect(m.clientId === null || typeof m.clientId === 'string').toBe(true);
  expect(m.createdAt).toMatch(ISO);
  expect(m.editedAt === null || ISO.test(m.editedAt)).toBe(true);
  expect(m.deletedAt === null || ISO.test(m.deletedAt)).toBe(true);
  expect(['sent', 'delivered', 'read']).toContain(m.status);
  if (m.replyTo !== null) {
    expect(Object.keys(m.replyTo).sort()).toEqual(['deletedAt', 'id', 'senderId', 'text']);
    expect(m.replyTo.id).toMatch(OBJECT_ID);
    expect(m.replyTo.senderId).toMatch(OBJECT_ID);
    expect(m.replyTo.text === null || (typeof m.replyTo.text === 'string' && [...m.replyTo.text].length <= 200)).toBe(true);
    expect(m.replyTo.deletedAt === null || ISO.test(m.replyTo.deletedAt)).toBe(true);
  }
  expect(Array.isArray(m.mentions) && m.mentions.every((id) => OBJECT_ID.test(id))).toBe(true);
  expect(Array.isArray(m.reactions)).toBe(true);
  for (const reaction of m.reactions) {
    expect(Object.keys(reaction).sort()).toEqual(['count', 'emoji', 'userIds']);
    expect(reaction.count).toBe(reaction.userIds.length);
    expect(reaction.count).toBeGreaterThan(0);
  }
}

/** Every field of a `Conversation`. */
export function expectConversationShape(conversation: unknown): void {
  expect(Object.keys(conversation as object).sort()).toEqual(['createdAt', 'id', 'lastMessage', 'members', 'mentionCount', 'title', 'type', 'unreadCount', 'updatedAt'].sort());
  const c = conversation as ConversationBody;
  expect(c.id).toMatch(OBJECT_ID);
  expect(['direct', 'group']).toContain(c.type);
  if (c.type === 'direct') expect(c.title).toBeNull();
  else expect(typeof c.title).toBe('string');
  for (const member of c.members) {
    expect(Object.keys(member).sort()).toEqual(['role', 'userId']);
    expect(member.userId).toMatch(OBJECT_ID);
    expect(['admin', 'member']).toContain(member.role);
  }
  if (c.lastMessage !== null) expectMessageShape(c.lastMessage);
  expect(Number.isInteger(c.unreadCount) && c.unreadCount >= 0).toBe(true);
  expect(Number.isInteger(c.mentionCount) && c.mentionCount >= 0).toBe(true);
  expect(c.createdAt).toMatch(ISO);
  expect(c.updatedAt).toMatch(ISO);
}

/** The contract's error body. */
export function expectError(response: { status: number; body: unknown }, status: number): void {
  expect(response.status).toBe(status);
  expect(response.body).toEqual({ statusCode: status, error: expect.any(String), message: expect.anything() });
}
