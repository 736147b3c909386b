import { createHash } from 'node:crypto';
import { derivedId } from './query-helpers';

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
