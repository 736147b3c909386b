import { runOutsideLogContext } from '../common/logging/log-context';

/** The longest delay a Node.js timer takes (a longer one fires at once); a later expiry is re-armed from there. */
const MAX_TIMER_DELAY_MS = 2 ** 31 - 1;

/** What closing a socket at its expiry needs of it. */
export interface ExpiringSocket {
  disconnect(close: boolean): unknown;
}

/**
 * Closes each socket when its access token expires, with one timer for every socket of the instance:
 * a socket costs one entry in the set of its expiry time, instead of a timer, a closure and a
 * `disconnect` listener of its own (docs/BENCHMARKS.md, finding 12). Access tokens expire on whole
 * seconds, so the sockets of one second share a set. `remove` must be called when a socket closes
 * before its expiry (the gateway's disconnect hook does); a socket is closed at most once by this.
 */
export class SocketExpiry<S extends ExpiringSocket> {
  /** Sockets by the time they expire (milliseconds since the epoch). */
  private readonly due = new Map<number, Set<S>>();
  /** The times in `due`, earliest first (a binary min-heap); a time whose sockets all left stays until it comes round. */
  private readonly times: number[] = [];
  private timer: NodeJS.Timeout | undefined;
  /** When the timer fires; Infinity when none is set. */
  private armedFor = Infinity;

  /** Closes `socket` at `expiresAtMs` (at once, on the next timer turn, when that has passed). */
  add(socket: S, expiresAtMs: number): void {
    let sockets = this.due.get(expiresAtMs);
    if (!sockets) {
      sockets = new Set();
      this.due.set(expiresAtMs, sockets);
      pushHeap(this.times, expiresAtMs);
    }
    sockets.add(socket);
    if (expiresAtMs < this.armedFor) this.arm(expiresAtMs);
  }

  /** `socket` closed before its expiry: forget it. */
  remove(socket: S, expiresAtMs: number): void {
    const sockets = this.due.get(expiresAtMs);
    if (sockets?.delete(socket) && sockets.size === 0) this.due.delete(expiresAtMs);
  }

  /** Sockets still waiting for their expiry. */
  get size(): number {
    let count = 0;
    for (const sockets of this.due.values()) count += sockets.size;
    return count;
  }

  private fire(): void {
    this.timer = undefined;
    this.armedFor = Infinity;
    const now = Date.now();
    while (this.times.length > 0 && this.times[0] <= now) {
      const at = popHeap(this.times);
      const sockets = this.due.get(at);
      if (!sockets) continue;
      // Taken out first: each close runs the disconnect hook, whose `remove` then finds nothing to change.
      this.due.delete(at);
      for (const socket of sockets) socket.disconnect(true);
    }
    if (this.times.length > 0) this.arm(this.times[0]);
  }

  private arm(at: number): void {
    if (this.timer) clearTimeout(this.timer);
    this.armedFor = at;
    const delay = Math.min(MAX_TIMER_DELAY_MS, Math.max(0, at - Date.now()));
    // Outside any connection's log context: a timer keeps the async context it was made in alive.
    this.timer = runOutsideLogContext(() => setTimeout(() => this.fire(), delay));
    // Expiry alone never keeps the process running (shutdown closes the sockets anyway).
    this.timer.unref();
  }
}

function pushHeap(heap: number[], value: number): void {
  heap.push(value);
  let child = heap.length - 1;
  while (child > 0) {
    const parent = (child - 1) >> 1;
    if (heap[parent] <= value) break;
    heap[child] = heap[parent];
    child = parent;
  }
  heap[child] = value;
}

function popHeap(heap: number[]): number {
  const top = heap[0];
  const last = heap.pop() as number;
  if (heap.length > 0) {
    let parent = 0;
    for (;;) {
      const left = 2 * parent + 1;
      if (left >= heap.length) break;
      const right = left + 1;
      const child = right < heap.length && heap[right] < heap[left] ? right : left;
      if (heap[child] >= last) break;
      heap[parent] = heap[child];
      parent = child;
    }
    heap[parent] = last;
  }
  return top;
}
