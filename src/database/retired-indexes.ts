/**
 * Indexes that earlier versions declared and this one no longer needs, by collection. The database
 * keeps an index until it is dropped, and every index is written on every insert and update of its
 * collection, so IndexReadiness drops these at start-up (only these: an index an operator added by
 * hand is left alone).
 */
export const RETIRED_INDEXES: Readonly<Record<string, readonly string[]>> = {
  // Conversation sync looks conversations up by `_id` (the primary key serves it).
  conversations: ['_id_1_changedAt_1'],
  // The membership `_id` derives from (conversation, user): the primary key keeps the pair unique.
  memberships: ['conversationId_1_userId_1'],
};
