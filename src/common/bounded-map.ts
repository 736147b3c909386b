/**
 * A Map that holds at most `capacity`, where each entry counts `weight(value)` (1 by default): setting
 * an entry makes it the newest, and the oldest-set entries go first while the total is over capacity.
 */
export class BoundedMap<K, V> {
  private readonly entries = new Map<K, V>();
  private held = 0;

  constructor(
    private readonly capacity: number,
    private readonly weight: (value: V) => number = () => 1,
  ) {}

  get size(): number {
    return this.entries.size;
  }

  get(key: K): V | undefined {
    return this.entries.get(key);
  }

  set(key: K, value: V): void {
    this.delete(key);
    this.entries.set(key, value);
    this.held += this.weight(value);
    // A Map iterates in insertion order: the first entries are the oldest set.
    for (const [oldest, entry] of this.entries) {
      if (this.held <= this.capacity) break;
      this.entries.delete(oldest);
      this.held -= this.weight(entry);
    }
  }

  delete(key: K): void {
    if (!this.entries.has(key)) return;
    this.held -= this.weight(this.entries.get(key) as V);
    this.entries.delete(key);
  }
}
