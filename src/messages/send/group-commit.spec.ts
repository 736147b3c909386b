import { currentLogContext, runInLogContext } from '../../common/logging/log-context';
import { AnnounceTurn, GroupCommit, GroupCommitSteps, MAX_BATCH, Queued } from './group-commit';

interface Item {
  key: string | null;
  value: string;
}
type Outcome = { value: string; follower: boolean };
type Entry = Queued<Item, Outcome>;

function item(value: string, key: string | null = null): Item {
  return { key, value };
}

async function ticks(count = 5): Promise<void> {
  for (let i = 0; i < count; i++) await new Promise((resolve) => setImmediate(resolve));
}

async function ticksUntil(condition: () => boolean): Promise<void> {
  while (!condition()) await new Promise((resolve) => setImmediate(resolve));
}

/** A store step whose every call waits until the test releases it. */
function heldStores() {
  const held: { batch: Entry[]; turn: AnnounceTurn; release: () => void }[] = [];
  let storing = 0;
  let mostStoring = 0;
  const store = async (batch: Entry[], turn: AnnounceTurn) => {
    storing += 1;
    mostStoring = Math.max(mostStoring, storing);
    await new Promise<void>((resolve) => held.push({ batch, turn, release: resolve }));
    storing -= 1;
  };
  return { held, store, mostStoring: () => mostStoring };
}

describe('GroupCommit', () => {
  let steps: GroupCommitSteps<Item, Outcome, Entry[]>;
  let sut: GroupCommit<Item, Outcome, Entry[]>;
  let prepared: string[][];
  let announced: string[];
  let settledCalls: { outcome?: Outcome; error?: unknown }[];

  /** Default store: announces in its turn, then answers every item with its value. */
  async function storeAndAnswer(batch: Entry[], turn: AnnounceTurn): Promise<void> {
    await turn.ready;
    announced.push(...batch.map(({ item: { value } }) => value));
    turn.done();
    for (const entry of batch) entry.resolve({ value: entry.item.value, follower: false });
  }

  /** Holds every store until released (then it answers as usual); submits `first`, then `second`, and waits until both batches are being stored. */
  async function firstTwoBatchesHeld() {
    const holding = heldStores();
    (steps.store as jest.Mock).mockImplementation(async (batch: Entry[], turn: AnnounceTurn) => {
      await holding.store(batch, turn);
      await storeAndAnswer(batch, turn);
    });
    const outcomes = [sut.submit(item('first'))];
    await ticksUntil(() => holding.held.length === 1);
    outcomes.push(sut.submit(item('second')));
    await ticksUntil(() => holding.held.length === 2);
    return { ...holding, outcomes };
  }

  beforeEach(() => {
    prepared = [];
    announced = [];
    settledCalls = [];
    steps = {
      keyOf: (queued) => queued.key,
      followerOutcome: (outcome) => ({ ...outcome, follower: true }),
      prepare: jest.fn(async (batch: Entry[]) => {
        prepared.push(batch.map(({ item: { value } }) => value));
        return batch;
      }),
      store: jest.fn(storeAndAnswer),
      batchTaken: jest.fn(),
      resolved: (outcome) => settledCalls.push({ outcome }),
      rejected: (error) => settledCalls.push({ error }),
    };
    sut = new GroupCommit(steps);
  });
  afterEach(() => sut.settled());

  it('takes the items of one tick as one batch, in submission order, and settles each with its outcome', async () => {
    const outcomes = await Promise.all(['a', 'b', 'c'].map((value) => sut.submit(item(value))));
    expect(prepared).toEqual([['a', 'b', 'c']]);
    expect(steps.batchTaken).toHaveBeenCalledWith(3);
    expect(outcomes.map(({ value }) => value)).toEqual(['a', 'b', 'c']);
    expect(settledCalls).toHaveLength(3);
  });

  it('never takes more than MAX_BATCH items into one batch', async () => {
    const values = Array.from({ length: MAX_BATCH + 3 }, (_, index) => String(index));
    await Promise.all(values.map((value) => sut.submit(item(value))));
    expect(prepared.map((batch) => batch.length)).toEqual([MAX_BATCH, 3]);
    expect(announced).toEqual(values);
  });

  it("schedules the batch outside the submitter's log context, and keeps that context on each item", async () => {
    let origin: unknown;
    let preparedIn: unknown = 'not called';
    (steps.prepare as jest.Mock).mockImplementationOnce(async (batch: Entry[]) => {
      origin = batch[0].origin;
      preparedIn = currentLogContext();
      return batch;
    });
    const context = { req: { id: 'req-1' } } as never;
    await runInLogContext(context, () => sut.submit(item('a')));
    expect(origin).toBe(context);
    expect(preparedIn).toBeUndefined();
  });

  it('prepares the next batch while the one before is stored, and stores at most two batches at once', async () => {
    const { held, mostStoring, outcomes } = await firstTwoBatchesHeld();
    // Prepared (and being stored) while the first batch is still being stored.
    expect(prepared).toEqual([['first'], ['second']]);
    outcomes.push(sut.submit(item('third')));
    await ticks(10);
    // The third waits: two batches are being stored.
    expect(prepared).toEqual([['first'], ['second']]);
    held[0].release();
    await ticksUntil(() => held.length === 3);
    expect(prepared).toEqual([['first'], ['second'], ['third']]);
    held[1].release();
    held[2].release();
    expect((await Promise.all(outcomes)).map(({ value }) => value)).toEqual(['first', 'second', 'third']);
    expect(mostStoring()).toBe(2);
  });

  it('announces batches in queue order, even when a later batch is stored first', async () => {
    const { held, outcomes } = await firstTwoBatchesHeld();
    held[1].release();
    await ticks(10);
    expect(announced).toEqual([]);
    held[0].release();
    await Promise.all(outcomes);
    await sut.settled();
    expect(announced).toEqual(['first', 'second']);
  });

  it("passes the turn on when a store fails or never calls done, and fails that batch's unsettled items with the error", async () => {
    (steps.store as jest.Mock).mockImplementationOnce(async (batch: Entry[]) => {
      batch[0].resolve({ value: 'answered', follower: false });
      throw new Error('unexpected');
    });
    const results = await Promise.allSettled([sut.submit(item('a')), sut.submit(item('b'))]);
    expect(results).toEqual([
      { status: 'fulfilled', value: { value: 'answered', follower: false } },
      { status: 'rejected', reason: new Error('unexpected') },
    ]);
    (steps.store as jest.Mock).mockImplementationOnce(async (batch: Entry[]) => {
      for (const entry of batch) entry.resolve({ value: 'quiet', follower: false });
    });
    await sut.submit(item('c'));
    await expect(sut.submit(item('d'))).resolves.toEqual({ value: 'd', follower: false });
    expect(announced).toEqual(['d']);
  });

  it('a batch whose prepare fails fails every item of it; the next batch works', async () => {
    (steps.prepare as jest.Mock).mockRejectedValueOnce(new Error('connection refused'));
    const results = await Promise.allSettled([sut.submit(item('a')), sut.submit(item('b'))]);
    expect(results.map((result) => result.status === 'rejected' && (result.reason as Error).message)).toEqual(['connection refused', 'connection refused']);
    expect(steps.store).not.toHaveBeenCalled();
    await expect(sut.submit(item('later'))).resolves.toEqual({ value: 'later', follower: false });
  });

  it('settles each item once: later answers are ignored, and each item is counted once', async () => {
    (steps.store as jest.Mock).mockImplementationOnce(async (batch: Entry[]) => {
      batch[0].reject(new Error('first answer'));
      batch[0].resolve({ value: 'second answer', follower: false });
      batch[0].reject(new Error('third answer'));
    });
    await expect(sut.submit(item('once'))).rejects.toThrow('first answer');
    await sut.settled();
    expect(settledCalls).toEqual([{ error: new Error('first answer') }]);
  });

  it('an item whose key is in flight is not queued: it follows the first and gets its outcome as a follower', async () => {
    const { held, store } = heldStores();
    (steps.store as jest.Mock).mockImplementation(async (batch: Entry[], turn: AnnounceTurn) => {
      await store(batch, turn);
      await storeAndAnswer(batch, turn);
    });
    const first = sut.submit(item('original', 'k'));
    const twinInBatch = sut.submit(item('same tick', 'k'));
    await ticksUntil(() => held.length === 1);
    const twinWhileStoring = sut.submit(item('while storing', 'k'));
    const other = sut.submit(item('other', 'j'));
    await ticksUntil(() => held.length === 2);
    held.forEach(({ release }) => release());
    expect(await Promise.all([first, twinInBatch, twinWhileStoring, other])).toEqual([
      { value: 'original', follower: false },
      { value: 'original', follower: true },
      { value: 'original', follower: true },
      { value: 'other', follower: false },
    ]);
    expect(prepared).toEqual([['original'], ['other']]);
    expect(settledCalls).toHaveLength(4);
  });

  it("a follower gets its first's error, and once the first settled, its key is queued afresh", async () => {
    (steps.store as jest.Mock).mockImplementationOnce(async (batch: Entry[]) => {
      for (const entry of batch) entry.reject(new Error('connection reset'));
    });
    const results = await Promise.allSettled([sut.submit(item('a', 'k')), sut.submit(item('a again', 'k'))]);
    expect(results.map((result) => result.status === 'rejected' && (result.reason as Error).message)).toEqual(['connection reset', 'connection reset']);
    await expect(sut.submit(item('a later', 'k'))).resolves.toEqual({ value: 'a later', follower: false });
    expect(prepared).toEqual([['a'], ['a later']]);
  });

  it('settled() waits for every batch taken, its afterTurn work included, also a batch taken while it waited', async () => {
    const releases: (() => void)[] = [];
    steps.afterTurn = jest.fn(() => new Promise<void>((resolve) => releases.push(resolve)));
    sut = new GroupCommit(steps);
    await sut.submit(item('first'));
    let done = false;
    const settling = sut.settled().then(() => (done = true));
    // Answered and announced: the turn passed on before the first batch's afterTurn ended.
    await sut.submit(item('second'));
    await ticksUntil(() => releases.length === 2);
    releases[0]();
    await ticks(10);
    expect(done).toBe(false);
    releases[1]();
    await settling;
    expect(announced).toEqual(['first', 'second']);
  });

  it("a third batch is prepared only once the first one's afterTurn work is done (it still counts as storing)", async () => {
    const releases: (() => void)[] = [];
    steps.afterTurn = jest.fn(() => new Promise<void>((resolve) => releases.push(resolve)));
    sut = new GroupCommit(steps);
    await sut.submit(item('first'));
    await sut.submit(item('second'));
    const third = sut.submit(item('third'));
    await ticks(10);
    expect(prepared).toEqual([['first'], ['second']]);
    releases[0]();
    await third;
    expect(prepared).toEqual([['first'], ['second'], ['third']]);
    releases[1]();
    await ticksUntil(() => releases.length === 3);
    releases[2]();
  });
});
