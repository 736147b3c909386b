import { DocumentWriteQueue } from './document-write-queue';

/** A write that records when it starts and ends, and finishes when the test says so. */
function controlledWrite(log: string[], name: string) {
  let finish!: (value: string) => void;
  let fail!: (error: Error) => void;
  const write = () => {
    log.push(`start ${name}`);
    return new Promise<string>((resolve, reject) => {
      finish = (value) => {
        log.push(`end ${name}`);
        resolve(value);
      };
      fail = (error) => {
        log.push(`fail ${name}`);
        reject(error);
      };
    });
  };
  return { write, finish: (value = name) => finish(value), fail: (error: Error) => fail(error) };
}

const tick = () => new Promise((resolve) => setImmediate(resolve));

describe('DocumentWriteQueue', () => {
  let sut: DocumentWriteQueue;
  beforeEach(() => {
    sut = new DocumentWriteQueue();
  });

  it('runs writes of one key one after another, in call order, and passes results through', async () => {
    const log: string[] = [];
    const first = controlledWrite(log, 'first');
    const second = controlledWrite(log, 'second');
    const one = sut.run('doc:1', first.write);
    const two = sut.run('doc:1', second.write);
    await tick();
    expect(log).toEqual(['start first']);
    first.finish('a');
    await tick();
    expect(log).toEqual(['start first', 'end first', 'start second']);
    second.finish('b');
    await expect(Promise.all([one, two])).resolves.toEqual(['a', 'b']);
  });

  it('lets writes of different keys run at the same time', async () => {
    const log: string[] = [];
    const first = controlledWrite(log, 'first');
    const second = controlledWrite(log, 'second');
    const one = sut.run('doc:1', first.write);
    const two = sut.run('doc:2', second.write);
    await tick();
    expect(log).toEqual(['start first', 'start second']);
    second.finish();
    first.finish();
    await Promise.all([one, two]);
  });

  it('a failed write passes its error on and does not block the next one', async () => {
    const log: string[] = [];
    const first = controlledWrite(log, 'first');
    const second = controlledWrite(log, 'second');
    const one = sut.run('doc:1', first.write);
    const two = sut.run('doc:1', second.write);
    await tick();
    first.fail(new Error('duplicate key'));
    await expect(one).rejects.toThrow('duplicate key');
    await tick();
    expect(log).toEqual(['start first', 'fail first', 'start second']);
    second.finish();
    await expect(two).resolves.toBe('second');
  });

  it('a write on several keys waits for each of them, and later writes on any of them wait for it', async () => {
    const log: string[] = [];
    const onA = controlledWrite(log, 'a');
    const onB = controlledWrite(log, 'b');
    const onBoth = controlledWrite(log, 'both');
    const afterOnB = controlledWrite(log, 'after');
    const runs = [sut.run('a', onA.write), sut.run('b', onB.write), sut.run(['a', 'b'], onBoth.write), sut.run('b', afterOnB.write)];
    await tick();
    expect(log).toEqual(['start a', 'start b']);
    onA.finish();
    await tick();
    expect(log).not.toContain('start both');
    onB.finish();
    await tick();
    expect(log.slice(-1)).toEqual(['start both']);
    onBoth.finish();
    await tick();
    expect(log.slice(-1)).toEqual(['start after']);
    afterOnB.finish();
    await Promise.all(runs);
  });

  it('many concurrent read-modify-write cycles on one key lose no update', async () => {
    let stored = 0;
    const increment = () =>
      sut.run('counter', async () => {
        const read = stored;
        await tick();
        stored = read + 1;
        return stored;
      });
    const results = await Promise.all(Array.from({ length: 50 }, increment));
    expect(stored).toBe(50);
    expect([...results].sort((x, y) => x - y)).toEqual(Array.from({ length: 50 }, (_, i) => i + 1));
  });
});
