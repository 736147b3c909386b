import { ApiProperty } from '@nestjs/swagger';
import type { BlockChange, PresenceState, SyncResult } from '../contract';
import { ConversationResponse } from '../conversations/conversation.response';
import { ReceiptResponse } from '../receipts/receipts.response';
import { MessageResponse } from './message.response';

/** One change of the caller's own block list (blocking is private: nobody else's sync shows it). */
export class BlockChangeResponse implements BlockChange {
  @ApiProperty() userId: string;
  @ApiProperty({ description: 'true: blocked; false: unblocked' }) blocked: boolean;
  @ApiProperty({ format: 'date-time' }) at: string;
}

/** A user's presence as the caller may now see it: hidden (offline, no last-seen time) while a block stands between them. */
export class PresenceStateResponse implements PresenceState {
  @ApiProperty() userId: string;
  @ApiProperty() online: boolean;
  @ApiProperty({ type: String, format: 'date-time', nullable: true }) lastSeenAt: string | null;
}

/** Answer of `GET /api/v1/sync`: every change after `since`, then a cursor to continue from. */
export class SyncResponse implements SyncResult {
  @ApiProperty({ type: [MessageResponse] }) messages: MessageResponse[];
  @ApiProperty({ type: [ReceiptResponse] }) receipts: ReceiptResponse[];
  @ApiProperty({ type: [ConversationResponse] }) conversations: ConversationResponse[];
  @ApiProperty({ type: [String], description: 'conversations the caller left or was removed from: their ids only' }) removed: string[];
  /** The caller's own blocks and unblocks since the cursor. */
  @ApiProperty({ type: [BlockChangeResponse] }) blocks: BlockChangeResponse[];
  /** Users whose presence the caller may see differently since the cursor (a block or unblock, by either side). */
  @ApiProperty({ type: [PresenceStateResponse] }) presence: PresenceStateResponse[];
  @ApiProperty() cursor: string;
  @ApiProperty() hasMore: boolean;
}
