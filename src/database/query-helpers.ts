import { hash } from 'node:crypto';
import { Types } from 'mongoose';

/** A string id (already validated) or an ObjectId, as an ObjectId. */
export const toId = (id: string | Types.ObjectId): Types.ObjectId => (typeof id === 'string' ? new Types.ObjectId(id) : id);

/** The driver's duplicate-key error (a unique index refused the write), also from a bulk write whose every refusal was one. */
export function isDuplicateKey(error: unknown): boolean {
  if (typeof error !== 'object' || error === null) return false;
  if ((error as { code?: number }).code === 11000) return true;
  const writeErrors = (error as { writeErrors?: unknown }).writeErrors;
  const list = Array.isArray(writeErrors) ? writeErrors : writeErrors && typeof writeErrors === 'object' ? [writeErrors] : [];
  return list.length > 0 && list.every((writeError) => (writeError as { code?: number }).code === 11000);
}

/**
 * True when the duplicate-key error comes from the primary key (`_id`), not another unique index.
 * MongoDB names the index's fields in `keyPattern`; a server that leaves `keyPattern` out (the
 * development database does: docs/ARCHITECTURE.md) still names the index (`_id_`) in the message,
 * as MongoDB's own message does too.
 */
export function isDuplicateId(error: unknown): boolean {
  if (!isDuplicateKey(error)) return false;
  const { keyPattern, message } = error as { keyPattern?: Record<string, unknown>; message?: string };
  if (keyPattern) return Object.keys(keyPattern).join(',') === '_id';
  return /\bindex:? '?_id_'?(\s|$)/i.test(message ?? '');
}

/** Filter for "after this position" in (field, _id) order; without an id, "at or after the time". */
export function afterPosition(field: string, since: { at: Date; id: Types.ObjectId | null }): Record<string, unknown> {
  if (!since.id) return { [field]: { $gte: since.at } };
  return { $or: [{ [field]: { $gt: since.at } }, { [field]: since.at, _id: { $gt: since.id } }] };
}

/** One conversation a sync may read, and from when: changes before `from` (the caller's join) are not the caller's to see. */
export interface ConversationScope {
  conversationId: Types.ObjectId;
  from: Date;
}

/**
 * Filter for changes after `since` (by `changedAt`, `_id`) in the scoped conversations, each from its
 * own `from` on. `idField` names the conversation id in the collection (`_id` for conversations).
 * Conversations joined before `since` share one `$in`; only recent joins need a branch of their own.
 */
export function scopedChangesAfter(scope: ConversationScope[], idField: string, since: { at: Date; id: Types.ObjectId | null }): Record<string, unknown> {
  const settled = scope.filter((entry) => entry.from <= since.at).map((entry) => entry.conversationId);
  const branches: Record<string, unknown>[] = scope
    .filter((entry) => entry.from > since.at)
    .map((entry) => ({ [idField]: entry.conversationId, changedAt: { $gte: entry.from } }));
  if (settled.length > 0) branches.unshift({ [idField]: { $in: settled } });
  return { $and: [branches.length === 1 ? branches[0] : { $or: branches }, afterPosition('changedAt', since)] };
}

/**
 * A stable ObjectId derived from its parts (the first 12 bytes of their SHA-256). Used where a
 * document is naturally keyed by other ids (a membership by conversation and user, a message by
 * sender and clientId): looking it up, or making it unique, is then an `_id` access, and the
 * primary key is the cheapest unique check there is (no second unique index to maintain).
 */
export function derivedId(...parts: string[]): Types.ObjectId {
  // One-shot hash (no Hash object), hex read back by the ObjectId: half the cost of createHash on a
  // send's hot path (a message id per send with a clientId).
  return new Types.ObjectId(hash('sha256', parts.join('\u0000'), 'hex').slice(0, 24));
}
