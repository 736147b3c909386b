import type { Conversation } from './conversations';
import type { Message, Receipt } from './messages';
import type { PresenceState } from './users';

/** One change of the caller's own block list; blocking is private, so nobody else's sync shows it. */
export interface BlockChange {
  userId: string;
  /** `true`: blocked; `false`: unblocked. */
  blocked: boolean;
  at: string;
}

/**
 * `GET /api/v1/sync`: every change after `since`, for catching up after being offline. A change may
 * appear in two consecutive syncs, so clients merge by id; while `hasMore`, call again at once with `cursor`.
 */
export interface SyncResult {
  messages: Message[];
  receipts: Receipt[];
  conversations: Conversation[];
  /** Conversations the caller left or was removed from: their ids only, nothing of them after the removal. */
  removed: string[];
  /** The caller's own blocks and unblocks since the cursor. */
  blocks: BlockChange[];
  /** Users whose presence the caller may see differently since the cursor (a block or unblock, by either side). */
  presence: PresenceState[];
  /** Opaque; pass back as `since`. */
  cursor: string;
  hasMore: boolean;
}
