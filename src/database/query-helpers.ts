import { hash } from 'node:crypto';
import { Types } from 'mongoose';

/** A string id (already validated) or an ObjectId, as an ObjectId. */
export const toId = (id: string | Types.ObjectId): Types.ObjectId => (typeof id === 'string' ? new Types.ObjectId(id) : id);

/**
 * Bulk writes touch documents in `_id` order. On a database that runs a bulk as one transaction (the
 * development database does), two bulks that lock the same documents in different orders would
 * deadlock until the server's deadlock timeout breaks one; one order for every bulk makes them wait
 * for each other at most. MongoDB needs no order and loses nothing by it.
 */
export function inIdOrder<T>(items: T[], id: (item: T) => Types.ObjectId): T[] {
  return [...items].sort((a, b) => id(a).toHexString().localeCompare(id(b).toHexString()));
}

/** A server error with this `code`, or a bulk write's error whose every refusal (`writeErrors`) has it. */
function hasErrorCode(error: unknown, code: number): boolean {
  if (typeof error !== 'object' || error === null) return false;
  if ((error as { code?: number }).code === code) return true;
  const writeErrors = (error as { writeErrors?: unknown }).writeErrors;
  const list = Array.isArray(writeErrors) ? writeErrors : writeErrors && typeof writeErrors === 'object' ? [writeErrors] : [];
  return list.length > 0 && list.every((writeError) => (writeError as { code?: number }).code === code);
}

/** The driver's duplicate-key error (a unique index refused the write), also from a bulk write whose every refusal was one. */
export function isDuplicateKey(error: unknown): boolean {
  return hasErrorCode(error, 11000);
}

/**
 * MongoDB's WriteConflict (code 112): a write that raced another on the same document or index key
 * and lost, changing nothing; trying it again is safe. MongoDB retries most of these inside the
 * server; the development database answers them, e.g. when PostgreSQL breaks a lock cycle between
 * concurrent upserts of one unique key ("deadlock detected", docs/ARCHITECTURE.md). Also from a bulk
 * write whose every refusal was one.
 */
export function isWriteConflict(error: unknown): boolean {
  return hasErrorCode(error, 112);
}

/** How many times an upsert that lost a race to insert the same key is tried in all. */
const UPSERT_ATTEMPTS = 5;
/** Before trying again: a random pause of up to this many ms times the attempt, so the racers' retries do not meet again. */
const UPSERT_BACKOFF_MS = 40;

/**
 * Runs an idempotent upsert that may race another one inserting the same key. The loser is refused
 * with a duplicate-key error, or, on the development database, sometimes with a write conflict
 * (PostgreSQL broke a lock cycle between the racing inserts: code 112, "deadlock detected"; MongoDB
 * retries such conflicts inside the server). Either way nothing was written and trying again finds
 * the winner's document.
 */
export async function racedUpsert<T>(upsert: () => Promise<T>): Promise<T> {
  for (let attempt = 1; ; attempt += 1) {
    try {
      return await upsert();
    } catch (error) {
      const conflict = isWriteConflict(error);
      if (attempt >= UPSERT_ATTEMPTS || !(conflict || isDuplicateKey(error))) throw error;
      if (conflict) await new Promise((resolve) => setTimeout(resolve, Math.random() * UPSERT_BACKOFF_MS * attempt));
    }
  }
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
  const branches: Record<string, unknown>[] = scope.filter((entry) => entry.from > since.at).map((entry) => ({ [idField]: entry.conversationId, changedAt: { $gte: entry.from } }));
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
