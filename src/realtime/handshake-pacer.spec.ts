import { HandshakePacer } from './handshake-pacer';

describe('HandshakePacer', () => {
  let clock: number;
  const now = () => clock;
  beforeEach(() => {
    clock = 1_000_000;
  });

  it("admits a burst of one second's worth, then tells the rest to come back in successive slots", () => {
    const sut = new HandshakePacer(10, 0, () => 0, now);
    const answers = Array.from({ length: 13 }, () => sut.take());
    expect(answers.slice(0, 10)).toEqual(Array(10).fill(null));
    // 10 a second: one slot every 100 ms, each refused client gets the next one.
    expect(answers.slice(10)).toEqual([100, 200, 300]);
  });

  it('refills with time: after a quiet second the full burst is available again', () => {
    const sut = new HandshakePacer(4, 0, () => 0, now);
    for (let i = 0; i < 4; i += 1) expect(sut.take()).toBeNull();
    expect(sut.take()).not.toBeNull();
    clock += 250;
    expect(sut.take()).toBeNull();
    expect(sut.take()).not.toBeNull();
    clock += 5000;
    for (let i = 0; i < 4; i += 1) expect(sut.take()).toBeNull();
  });

  it('adds a random spread of at most spreadMs to every wait', () => {
    const rolls = [0, 0.5, 0.999];
    const sut = new HandshakePacer(1, 1000, () => rolls.shift() ?? 0, now);
    expect(sut.take()).toBeNull();
    expect([sut.take(), sut.take(), sut.take()]).toEqual([1000, 2500, 3999]);
  });

  it('never refuses when the rate is 0 (no limit)', () => {
    const sut = new HandshakePacer(0, 1000, Math.random, now);
    for (let i = 0; i < 1000; i += 1) expect(sut.take()).toBeNull();
  });
});
