import { SocketExpiry } from './socket-expiry';

/** A socket that records when it was closed (on the fake clock). */
class FakeSocket {
  closedAt: number[] = [];
  constructor(
    readonly name: string,
    private readonly onClose: (socket: FakeSocket) => void = () => undefined,
  ) {}
  disconnect(close: boolean): void {
    expect(close).toBe(true);
    this.closedAt.push(Date.now());
    this.onClose(this);
  }
}

const START = Date.UTC(2026, 11, 2, 8, 0, 0);

describe('SocketExpiry', () => {
  let sut: SocketExpiry<FakeSocket>;

  beforeEach(() => {
    jest.useFakeTimers({ now: START });
    sut = new SocketExpiry<FakeSocket>();
  });

  afterEach(() => {
    jest.useRealTimers();
  });

  it('closes each socket at its own expiry, whatever the order they were added in', () => {
    const late = new FakeSocket('late');
    const early = new FakeSocket('early');
    const sameSecond = new FakeSocket('same second as late');
    sut.add(late, START + 30_000);
    sut.add(early, START + 10_000);
    sut.add(sameSecond, START + 30_000);

    jest.advanceTimersByTime(9_999);
    expect(early.closedAt).toEqual([]);
    jest.advanceTimersByTime(1);
    expect(early.closedAt).toEqual([START + 10_000]);
    expect(late.closedAt).toEqual([]);

    jest.advanceTimersByTime(20_000);
    expect(late.closedAt).toEqual([START + 30_000]);
    expect(sameSecond.closedAt).toEqual([START + 30_000]);
    expect(sut.size).toBe(0);
    expect(jest.getTimerCount()).toBe(0);
  });

  it('uses one timer for every socket', () => {
    for (let i = 0; i < 100; i++) sut.add(new FakeSocket(`s${i}`), START + 1000 * (1 + (i % 7)));
    expect(jest.getTimerCount()).toBe(1);
    expect(sut.size).toBe(100);
  });

  it('never closes a socket removed before its expiry, and still closes the others of that second', () => {
    const gone = new FakeSocket('gone');
    const stays = new FakeSocket('stays');
    sut.add(gone, START + 5_000);
    sut.add(stays, START + 5_000);
    sut.remove(gone, START + 5_000);

    jest.advanceTimersByTime(5_000);
    expect(gone.closedAt).toEqual([]);
    expect(stays.closedAt).toEqual([START + 5_000]);
  });

  it('fires nothing for a time whose sockets all left, and moves on to the next one', () => {
    const gone = new FakeSocket('gone');
    const next = new FakeSocket('next');
    sut.add(gone, START + 1_000);
    sut.add(next, START + 2_000);
    sut.remove(gone, START + 1_000);

    jest.advanceTimersByTime(1_000);
    expect(gone.closedAt).toEqual([]);
    jest.advanceTimersByTime(1_000);
    expect(next.closedAt).toEqual([START + 2_000]);
  });

  it('closes a socket whose token had already expired on the next timer turn', () => {
    const expired = new FakeSocket('expired');
    sut.add(expired, START - 60_000);
    expect(expired.closedAt).toEqual([]);
    jest.advanceTimersByTime(0);
    expect(expired.closedAt).toEqual([START]);
  });

  it('re-arms for an earlier expiry added after a later one', () => {
    const later = new FakeSocket('later');
    const sooner = new FakeSocket('sooner');
    sut.add(later, START + 60_000);
    sut.add(sooner, START + 1_000);
    expect(jest.getTimerCount()).toBe(1);
    jest.advanceTimersByTime(1_000);
    expect(sooner.closedAt).toEqual([START + 1_000]);
    expect(later.closedAt).toEqual([]);
  });

  it('closes a socket once even when its close removes it (the disconnect hook) while its second is being closed', () => {
    const other = new FakeSocket('other');
    const socket = new FakeSocket('self-removing', (closed) => sut.remove(closed, START + 3_000));
    sut.add(socket, START + 3_000);
    sut.add(other, START + 3_000);
    jest.advanceTimersByTime(3_000);
    expect(socket.closedAt).toEqual([START + 3_000]);
    expect(other.closedAt).toEqual([START + 3_000]);
    jest.advanceTimersByTime(60_000);
    expect(socket.closedAt).toHaveLength(1);
  });

  it('waits past the longest delay a timer takes (a token valid for months) instead of firing at once', () => {
    const months = new FakeSocket('months');
    const ninetyDays = 90 * 24 * 3600 * 1000;
    sut.add(months, START + ninetyDays);
    jest.advanceTimersByTime(2 ** 31);
    expect(months.closedAt).toEqual([]);
    jest.advanceTimersByTime(ninetyDays - 2 ** 31);
    expect(months.closedAt).toEqual([START + ninetyDays]);
  });

  it('keeps expiries in order through many adds and fires (the heap)', () => {
    const order: string[] = [];
    const delays = [7, 3, 9, 1, 4, 8, 2, 6, 5, 10, 3, 7];
    delays.forEach((seconds, i) => sut.add(new FakeSocket(`${seconds}:${i}`, (s) => order.push(s.name)), START + seconds * 1000));
    jest.advanceTimersByTime(10_000);
    const fired = order.map((name) => Number(name.split(':')[0]));
    expect(fired).toEqual([...delays].sort((a, b) => a - b));
  });
});
