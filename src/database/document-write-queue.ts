/**
 * Runs writes to the same document one after another within this process.
 *
 * Why: FerretDB v1 (the development and test database) applies `updateOne` / `findOneAndUpdate`
 * as "read the document, change it in Go, write the whole document back" with no compare-and-set,
 * so two concurrent updates of one document lose one of them: concurrent `$inc`s hand out the
 * same `seq`, a read mark and a delivered mark moved together keep only one, a guarded `$set` can
 * bring back an older value. MongoDB applies each update atomically and needs none of this; there
 * the queue only orders writes of one document, which the design allows.
 * Different documents never wait for each other. Keys are released as soon as their last write ends.
 */
export class DocumentWriteQueue {
  private readonly tails = new Map<string, Promise<void>>();

  /** Runs `write` once every earlier write holding any of `keys` has finished. */
  async run<T>(keys: string | string[], write: () => Promise<T>): Promise<T> {
    const list = [...new Set(Array.isArray(keys) ? keys : [keys])];
    let release!: () => void;
    const done = new Promise<void>((resolve) => (release = resolve));
    // Registered synchronously on every key at once, so two multi-key writes can never wait on each other in a cycle.
    const previous = list.map((key) => this.tails.get(key)).filter((tail): tail is Promise<void> => tail !== undefined);
    for (const key of list) this.tails.set(key, done);
    try {
      await Promise.all(previous);
      return await write();
    } finally {
      release();
      for (const key of list) if (this.tails.get(key) === done) this.tails.delete(key);
    }
  }
}
