import { currentLogContext, LogContext, runOutsideLogContext } from '../../common/logging/log-context';

/** The largest batch: bounds one write's size and the time one batch holds the others back. */
export const MAX_BATCH = 512;

/** An item waiting in the queue or in a batch, with the way to settle it (once: later calls are no-ops). */
export interface Queued<Item, Outcome> {
  readonly item: Item;
  /** The submitting request's or socket's log context: lines about this item carry its ids. */
  readonly origin: LogContext | undefined;
  resolve: (outcome: Outcome) => void;
  reject: (error: unknown) => void;
}

/** A batch's turn to announce: it comes after the batch before it was announced. */
export interface AnnounceTurn {
  /** Resolves (never rejects) once the batch before this one was announced. */
  readonly ready: Promise<void>;
  /** This batch is announced (or has nothing to announce): the next one may be. Calling it again changes nothing. */
  readonly done: () => void;
}

/** What a group commit does with its batches, and who hears how items settle. */
export interface GroupCommitSteps<Item, Outcome, Prepared> {
  /**
   * Items with one key are one: an item submitted while another of its key is in flight (queued or
   * in a batch) is not queued; it waits for that one and settles with it (`followerOutcome`, or the
   * same error). `null`: the item has no key.
   */
  keyOf(item: Item): string | null;
  /** What a follower gets when the item it waited for succeeded. */
  followerOutcome(outcome: Outcome): Outcome;
  /**
   * The first step of a batch: batches are prepared one at a time, in queue order, while the batch
   * before is being stored. A rejection fails every item of the batch with its error.
   */
  prepare(batch: Queued<Item, Outcome>[]): Promise<Prepared>;
  /**
   * The second step: settles the batch's items, and announces them once `turn.ready` resolved (then
   * calls `turn.done`), so batches are announced in queue order. At most two batches are stored at
   * once. Should never reject; if it does, its batch's items still unsettled fail with the error.
   * The turn passes to the next batch when this resolves, whether or not `done` was called.
   */
  store(prepared: Prepared, turn: AnnounceTurn): Promise<void>;
  /**
   * Work of a stored batch after its turn passed on that still counts as storing it (`settled` and
   * the pipeline wait for it). Should never reject; if it does, the batch's items still unsettled fail.
   */
  afterTurn?(prepared: Prepared): Promise<void>;
  /** A batch of `size` items was taken from the queue (before it is prepared). */
  batchTaken?(size: number): void;
  /** An item succeeded, `seconds` after it was submitted (told once per item, before its submitter). */
  resolved?(outcome: Outcome, seconds: number): void;
  /** An item failed, `seconds` after it was submitted (told once per item, before its submitter). */
  rejected?(error: unknown, seconds: number): void;
}

/**
 * Group commit, with nothing of what is committed: items submitted while a batch is being written
 * join the next batch, so a batch costs the same round trips whatever its size. Batches form a
 * pipeline: a batch is prepared while the one before it is stored, batches are prepared one at a
 * time in queue order and announced in that order, and at most two are being stored at once. Each
 * item settles once, however many times a failing batch tries to settle it.
 */
export class GroupCommit<Item, Outcome, Prepared> {
  private queue: Queued<Item, Outcome>[] = [];
  private writing = false;
  /** The last batch being stored (until its items are settled and its `afterTurn` is done); never rejects. */
  private storing: Promise<void> = Promise.resolve();
  /** Resolves once the last batch was announced: the next one is announced after it. */
  private announced: Promise<void> = Promise.resolve();
  private scheduled = false;
  /** The keyed items from the moment they are queued until they settle, by key (see `keyOf`). */
  private readonly inFlight = new Map<string, Queued<Item, Outcome>>();

  constructor(private readonly steps: GroupCommitSteps<Item, Outcome, Prepared>) {}

  /** Resolves once every batch taken so far is stored and announced, also batches taken while it waits. */
  async settled(): Promise<void> {
    let storing: Promise<void>;
    do {
      storing = this.storing;
      await storing;
    } while (storing !== this.storing);
  }

  /** Queues an item (or lets it follow its key's item in flight); settles with the item's outcome. */
  submit(item: Item): Promise<Outcome> {
    return new Promise<Outcome>((resolve, reject) => {
      const since = performance.now();
      const key = this.steps.keyOf(item);
      let settled = false;
      const settle = () => {
        if (settled) return false;
        settled = true;
        if (key !== null && this.inFlight.get(key) === queued) this.inFlight.delete(key);
        return true;
      };
      const queued: Queued<Item, Outcome> = {
        item,
        origin: currentLogContext(),
        resolve: (outcome) => {
          if (!settle()) return;
          this.steps.resolved?.(outcome, (performance.now() - since) / 1000);
          resolve(outcome);
        },
        reject: (error) => {
          if (!settle()) return;
          this.steps.rejected?.(error, (performance.now() - since) / 1000);
          reject(error);
        },
      };
      const first = key === null ? undefined : this.inFlight.get(key);
      if (first) return this.follow(first, queued);
      if (key !== null) this.inFlight.set(key, queued);
      this.queue.push(queued);
      this.schedule();
    });
  }

  /** `follower` (a second item of `first`'s key) settles with `first`: its outcome as a follower's, or its error. */
  private follow(first: Queued<Item, Outcome>, follower: Queued<Item, Outcome>): void {
    const { resolve, reject } = first;
    first.resolve = (outcome) => {
      resolve(outcome);
      follower.resolve(this.steps.followerOutcome(outcome));
    };
    first.reject = (error) => {
      reject(error);
      follower.reject(error);
    };
  }

  private schedule(): void {
    if (this.writing || this.scheduled) return;
    this.scheduled = true;
    // The rest of this tick's items (e.g. a burst off one socket frame) join the first batch. Outside
    // the first caller's log context: the batches serve every caller, and would carry its ids.
    runOutsideLogContext(() =>
      setImmediate(() => {
        this.scheduled = false;
        void this.drain();
      }),
    );
  }

  /**
   * Writes batches until the queue is empty, as a pipeline: a batch is prepared while the one before
   * it is being stored, so a batch takes the time of its slowest step rather than the sum of them.
   * Batches are prepared one at a time, in queue order, and announced in that order too. At most two
   * batches are being stored at once.
   */
  private async drain(): Promise<void> {
    if (this.writing) return;
    this.writing = true;
    try {
      while (this.queue.length > 0) {
        const batch = this.queue.splice(0, MAX_BATCH);
        this.steps.batchTaken?.(batch.length);
        const prepared = await this.steps.prepare(batch).then(
          (value) => ({ value }),
          (error: unknown) => {
            for (const queued of batch) queued.reject(error);
            return null;
          },
        );
        if (!prepared) continue;
        const ready = this.announced;
        let done!: () => void;
        this.announced = new Promise<void>((resolve) => (done = resolve));
        const previousStore = this.storing;
        this.storing = this.store(batch, prepared.value, { ready, done });
        await previousStore;
      }
    } finally {
      this.writing = false;
    }
  }

  /** Stores a prepared batch in its turn; passes the turn on, whatever happened, then runs `afterTurn`. Never rejects. */
  private async store(batch: Queued<Item, Outcome>[], prepared: Prepared, turn: AnnounceTurn): Promise<void> {
    try {
      await this.steps.store(prepared, turn);
    } catch (error) {
      for (const queued of batch) queued.reject(error);
    } finally {
      // The next batch may be announced now, also when this one failed (its `ready` resolved first).
      await turn.ready;
      turn.done();
    }
    if (!this.steps.afterTurn) return;
    try {
      await this.steps.afterTurn(prepared);
    } catch (error) {
      // Not expected (`afterTurn` should settle its own failures): no item of the batch stays unsettled.
      for (const queued of batch) queued.reject(error);
    }
  }
}
