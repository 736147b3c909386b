import { LocalPresence } from './presence.service';

describe('LocalPresence', () => {
  let sut: LocalPresence;
  beforeEach(() => {
    sut = new LocalPresence();
  });

  it('comes online with the first connection and goes offline only with the last', async () => {
    await expect(sut.connected('a')).resolves.toBe(true);
    await expect(sut.connected('a')).resolves.toBe(false);
    await expect(sut.isOnline('a')).resolves.toBe(true);
    await expect(sut.disconnected('a')).resolves.toBe(false);
    await expect(sut.isOnline('a')).resolves.toBe(true);
    await expect(sut.disconnected('a')).resolves.toBe(true);
    await expect(sut.isOnline('a')).resolves.toBe(false);
  });

  it('reports who is online among several users', async () => {
    await sut.connected('a');
    await sut.connected('c');
    await expect(sut.onlineAmong(['a', 'b', 'c'])).resolves.toEqual(new Set(['a', 'c']));
  });

  it('a stray disconnect never makes a user negative or online', async () => {
    await expect(sut.disconnected('ghost')).resolves.toBe(true);
    await sut.connected('ghost');
    await expect(sut.isOnline('ghost')).resolves.toBe(true);
  });
});
