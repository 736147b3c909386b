import type { AuthUser } from '../common/decorators/current-user.decorator';
import { VerifiedTokenCache } from './verified-token-cache';

const EXP = 2_000_000_000; // seconds since the epoch
const user = (userId: string, exp = EXP): AuthUser => ({ userId, sessionId: 'session-of-' + userId, exp });

describe('VerifiedTokenCache', () => {
  let nowMs: number;
  const clock = () => nowMs;
  beforeEach(() => (nowMs = (EXP - 60) * 1000));

  it('answers the user kept for the exact same header, and nothing for any other', () => {
    const sut = new VerifiedTokenCache(10, clock);
    sut.set('Bearer a', user('u1'));
    expect(sut.get('Bearer a')).toEqual(user('u1'));
    expect(sut.get('bearer a')).toBeUndefined();
    expect(sut.get('Bearer b')).toBeUndefined();
  });

  it('keeps an entry until the second its token expires, as jsonwebtoken counts it, then forgets it', () => {
    const sut = new VerifiedTokenCache(10, clock);
    sut.set('Bearer a', user('u1'));
    nowMs = EXP * 1000 - 1;
    expect(sut.get('Bearer a')).toEqual(user('u1'));
    nowMs = EXP * 1000;
    expect(sut.get('Bearer a')).toBeUndefined();
    expect(sut.size).toBe(0);
  });

  it('never keeps a token that has already expired', () => {
    const sut = new VerifiedTokenCache(10, clock);
    nowMs = EXP * 1000;
    sut.set('Bearer a', user('u1'));
    expect(sut.size).toBe(0);
  });

  it('holds at most maxEntries, dropping the oldest first', () => {
    const sut = new VerifiedTokenCache(3, clock);
    for (const id of ['1', '2', '3']) sut.set(`Bearer ${id}`, user(id));
    sut.set('Bearer 1', user('1')); // set again: now the newest
    sut.set('Bearer 4', user('4'));
    expect(sut.size).toBe(3);
    expect(sut.get('Bearer 2')).toBeUndefined();
    expect(['1', '3', '4'].map((id) => sut.get(`Bearer ${id}`)?.userId)).toEqual(['1', '3', '4']);
  });

  it('hands out a frozen copy, so no request can change what the next one gets', () => {
    const sut = new VerifiedTokenCache(10, clock);
    const original = user('u1');
    const kept = sut.set('Bearer a', original);
    expect(kept).not.toBe(original);
    expect(Object.isFrozen(sut.get('Bearer a'))).toBe(true);
    original.userId = 'changed';
    expect(sut.get('Bearer a')?.userId).toBe('u1');
  });

  it('does not keep headers longer than any token it would accept', () => {
    const sut = new VerifiedTokenCache(10, clock);
    sut.set('Bearer ' + 'x'.repeat(VerifiedTokenCache.MAX_KEY_LENGTH), user('u1'));
    expect(sut.size).toBe(0);
  });
});
