import { EndedSessions } from './ended-sessions';

const TTL_MS = 900_000;
const A = '64b7f0c2a1b2c3d4e5f60719';
const B = '64b7f0c2a1b2c3d4e5f6071a';

describe('EndedSessions', () => {
  let now: number;
  const clock = () => now;

  beforeEach(() => {
    now = 1_700_000_000_000;
  });

  it('knows a session from its ending until every access token it issued has expired, then forgets it', () => {
    const sut = new EndedSessions(TTL_MS, 10, clock);
    expect(sut.has(A)).toBe(false);
    sut.add(A);
    expect(sut.has(A)).toBe(true);
    expect(sut.has(B)).toBe(false);
    now += TTL_MS - 1;
    expect(sut.has(A)).toBe(true);
    now += 1;
    expect(sut.has(A)).toBe(false);
    expect(sut.size).toBe(0);
  });

  it('counts from when the session ended (a load from the database), and ignores endings whose tokens have all expired', () => {
    const sut = new EndedSessions(TTL_MS, 10, clock);
    sut.add(A, now - TTL_MS + 1000);
    sut.add(B, now - TTL_MS);
    expect(sut.has(A)).toBe(true);
    expect(sut.has(B)).toBe(false);
    expect(sut.size).toBe(1);
    now += 1000;
    expect(sut.has(A)).toBe(false);
  });

  it('an older report of an ending never shortens a later one', () => {
    const sut = new EndedSessions(TTL_MS, 10, clock);
    sut.add(A);
    sut.add(A, now - TTL_MS / 2);
    now += TTL_MS - 1;
    expect(sut.has(A)).toBe(true);
  });

  it('is bounded: past `maxEntries` the entry added longest ago goes', () => {
    const sut = new EndedSessions(TTL_MS, 2, clock);
    sut.add(A);
    sut.add(B);
    sut.has(A);
    sut.add('64b7f0c2a1b2c3d4e5f6071b');
    expect(sut.size).toBe(2);
    expect(sut.has(A)).toBe(false);
    expect(sut.has(B)).toBe(true);
  });
});
