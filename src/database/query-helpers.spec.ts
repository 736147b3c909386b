import { isDuplicateId, isDuplicateKey } from './query-helpers';

describe('duplicate-key errors', () => {
  const mongoId = { code: 11000, keyPattern: { _id: 1 }, message: 'E11000 duplicate key error collection: chat.messages index: _id_ dup key: { _id: ObjectId(…) }' };
  const mongoOther = { code: 11000, keyPattern: { conversationId: 1, seq: 1 }, message: 'E11000 duplicate key error collection: chat.messages index: conversationId_1_seq_1 dup key: { … }' };
  const bareId = { code: 11000, message: "Duplicate key violation on the requested collection: Index '_id_'" };
  const bareOther = { code: 11000, message: "Duplicate key violation on the requested collection: Index 'conversationId_1_seq_1'" };

  it('tells the primary key apart from other unique indexes by keyPattern', () => {
    expect(isDuplicateId(mongoId)).toBe(true);
    expect(isDuplicateId(mongoOther)).toBe(false);
  });

  it('falls back to the index name in the message when the server gives no keyPattern', () => {
    expect(isDuplicateId(bareId)).toBe(true);
    expect(isDuplicateId(bareOther)).toBe(false);
    expect(isDuplicateId({ code: 11000, message: "Index 'my_id_' violation" })).toBe(false);
  });

  it('counts a bulk write refused only by unique indexes as a duplicate-key error, not one with another refusal', () => {
    expect(isDuplicateKey({ writeErrors: [{ code: 11000 }, { code: 11000 }] })).toBe(true);
    expect(isDuplicateKey({ writeErrors: { code: 11000 } })).toBe(true);
    expect(isDuplicateKey({ writeErrors: [{ code: 11000 }, { code: 121 }] })).toBe(false);
    expect(isDuplicateKey({ writeErrors: [] })).toBe(false);
  });

  it('is false for anything that is not a duplicate-key error', () => {
    expect(isDuplicateKey({ code: 121 })).toBe(false);
    expect(isDuplicateId({ code: 121, keyPattern: { _id: 1 } })).toBe(false);
    expect(isDuplicateId(null)).toBe(false);
    expect(isDuplicateId(new Error('E11000 index: _id_'))).toBe(false);
  });
});
