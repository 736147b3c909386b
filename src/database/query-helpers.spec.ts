import { createHash } from 'node:crypto';
import { Types } from 'mongoose';
import { derivedId, inIdOrder, isDuplicateId, isDuplicateKey, isWriteConflict, racedUpsert } from './query-helpers';

describe('duplicate-key errors', () => {
  const mongoId = { code: 11000, keyPattern: { _id: 1 }, message: 'E11000 duplicate key error collection: chat.messages index: _id_ dup key: { _id: ObjectId(…) }' };
  const mongoOther = {
    code: 11000,
    keyPattern: { conversationId: 1, seq: 1 },
    message: 'E11000 duplicate key error collection: chat.messages index: conversationId_1_seq_1 dup key: { … }',
  };
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

describe('write conflicts', () => {
  it('recognises WriteConflict (112), also from a bulk write whose every refusal was one', () => {
    expect(isWriteConflict({ code: 112, codeName: 'Could not acquire lock for operation due to deadlock', errmsg: 'deadlock detected' })).toBe(true);
    expect(isWriteConflict({ writeErrors: [{ code: 112 }] })).toBe(true);
    expect(isWriteConflict({ writeErrors: { code: 112 } })).toBe(true);
  });

  it('is false for other errors, a bulk with another refusal, and non-errors', () => {
    expect(isWriteConflict({ code: 11000 })).toBe(false);
    expect(isWriteConflict({ writeErrors: [{ code: 112 }, { code: 121 }] })).toBe(false);
    expect(isWriteConflict({ writeErrors: [] })).toBe(false);
    expect(isWriteConflict(null)).toBe(false);
    expect(isWriteConflict('deadlock detected')).toBe(false);
  });
});

describe('racedUpsert', () => {
  beforeEach(() => jest.spyOn(Math, 'random').mockReturnValue(0));
  afterEach(() => jest.restoreAllMocks());
  const conflict = () => Object.assign(new Error('deadlock detected'), { code: 112 });
  const duplicate = () => Object.assign(new Error('E11000 duplicate key'), { code: 11000 });

  it('tries again after a lost race (duplicate key or write conflict) and answers what the next attempt finds', async () => {
    const upsert = jest.fn().mockRejectedValueOnce(conflict()).mockRejectedValueOnce(duplicate()).mockResolvedValueOnce('the winner');
    await expect(racedUpsert(upsert)).resolves.toBe('the winner');
    expect(upsert).toHaveBeenCalledTimes(3);
  });

  it('gives up after five attempts with the last error', async () => {
    const upsert = jest.fn().mockRejectedValue(conflict());
    await expect(racedUpsert(upsert)).rejects.toThrow('deadlock detected');
    expect(upsert).toHaveBeenCalledTimes(5);
  });

  it('does not try again after any other error', async () => {
    const upsert = jest.fn().mockRejectedValue(Object.assign(new Error('not authorized'), { code: 13 }));
    await expect(racedUpsert(upsert)).rejects.toThrow('not authorized');
    expect(upsert).toHaveBeenCalledTimes(1);
  });
});

describe('derivedId', () => {
  // Stored documents are keyed by these ids (messages by sender and clientId, memberships): they must never change.
  it.each([
    [['message', '65a1b2c3d4e5f60718293a4b', 'client-1'], '1167eac5f56d642fa70139eb'],
    [['membership', '65a1b2c3d4e5f60718293a4b', '65a1b2c3d4e5f60718293a4c'], '375ec9e98f49f2d60bc6b323'],
    [['message', '65a1b2c3d4e5f60718293a4b', 'é 漢字 🎉'], 'b9c976226e2f479944619e90'],
  ])('keeps the ids already stored: %j', (parts, expected) => {
    expect(derivedId(...parts).toHexString()).toBe(expected);
  });

  it('is the first 12 bytes of the SHA-256 of the parts joined by NUL', () => {
    const parts = ['message', 'abc', String(Math.random())];
    const expected = createHash('sha256').update(parts.join('\u0000')).digest().subarray(0, 12).toString('hex');
    expect(derivedId(...parts).toHexString()).toBe(expected);
  });
});

describe('inIdOrder', () => {
  it("orders a bulk's items by their ids, whatever order they came in, and leaves the input as it was", () => {
    const [low, mid, high] = ['0000000000000000000000a1', '0000000000000000000000b2', '0000000000000000000000c3'].map((id) => new Types.ObjectId(id));
    const items = [{ id: high }, { id: low }, { id: mid }];
    expect(inIdOrder(items, (item) => item.id).map((item) => item.id)).toEqual([low, mid, high]);
    expect(items.map((item) => item.id)).toEqual([high, low, mid]);
  });
});
