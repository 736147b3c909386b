import { InFlightWork } from './in-flight-work';

const later = <T>(ms: number, value: T) => new Promise<T>((resolve) => setTimeout(() => resolve(value), ms));

describe('InFlightWork', () => {
  let sut: InFlightWork;

  beforeEach(() => {
    sut = new InFlightWork();
  });

  it('drains at once when nothing is pending', async () => {
    await expect(sut.drain(0)).resolves.toBe(true);
  });

  it('waits for tracked work, including failing work, and forgets it once settled', async () => {
    let done = false;
    void sut.track(later(30, 'ok')).then(() => (done = true));
    sut.track(later(10, 'x').then(() => Promise.reject(new Error('boom')))).catch(() => undefined);
    expect(sut.size).toBe(2);
    await expect(sut.drain(1000)).resolves.toBe(true);
    expect(done).toBe(true);
    expect(sut.size).toBe(0);
  });

  it('also waits for work that starts while draining', async () => {
    const order: string[] = [];
    void sut.track(
      later(10, 'a').then(() => {
        order.push('a');
        void sut.track(later(10, 'b').then(() => order.push('b')));
      }),
    );
    await sut.drain(1000);
    expect(order).toEqual(['a', 'b']);
  });

  it('gives up after the timeout', async () => {
    void sut.track(later(500, 'slow'));
    const started = Date.now();
    await expect(sut.drain(30)).resolves.toBe(false);
    expect(Date.now() - started).toBeLessThan(400);
  });

  it('returns the tracked promise unchanged', async () => {
    await expect(sut.track(Promise.resolve(42))).resolves.toBe(42);
    await expect(sut.track(Promise.reject(new Error('no')))).rejects.toThrow('no');
  });

  it('reports closing once closed', () => {
    expect(sut.closing).toBe(false);
    sut.close();
    expect(sut.closing).toBe(true);
  });
});
