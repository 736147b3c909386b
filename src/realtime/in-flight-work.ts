import { Injectable } from '@nestjs/common';

/**
 * The socket work a graceful shutdown waits for: handler writes that were accepted and the
 * last-seen writes of closing connections. Once `close()` is called no new work is accepted.
 */
@Injectable()
export class InFlightWork {
  private readonly pending = new Set<Promise<void>>();
  private closed = false;

  get closing(): boolean {
    return this.closed;
  }

  close(): void {
    this.closed = true;
  }

  get size(): number {
    return this.pending.size;
  }

  /** Tracks `work` until it settles; returns it unchanged (its rejection is the caller's to handle). */
  track<T>(work: Promise<T>): Promise<T> {
    // Leaves the set as it settles (one reaction per tracked event: this runs for every socket event).
    const forget = (): void => {
      this.pending.delete(settled);
    };
    const settled = work.then(forget, forget);
    this.pending.add(settled);
    return work;
  }

  /** Waits until nothing is pending (work that starts meanwhile included), or `timeoutMs` passed. True if drained. */
  async drain(timeoutMs: number): Promise<boolean> {
    const deadline = Date.now() + timeoutMs;
    while (this.pending.size > 0) {
      const left = deadline - Date.now();
      if (left <= 0) return false;
      let timer: NodeJS.Timeout | undefined;
      const expired = new Promise<void>((resolve) => {
        timer = setTimeout(resolve, left);
      });
      await Promise.race([Promise.all([...this.pending]), expired]);
      clearTimeout(timer);
    }
    return true;
  }
}
