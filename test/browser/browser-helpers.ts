/** Helpers shared by the browser specs. */

/** How long a browser step may take to show what a person waits for. */
export const WAIT_MS = 10_000;

/** Polls `read` until it returns `expected` (deep-equal via JSON) or the time is up. */
export async function eventually<T>(read: () => Promise<T>, expected: T, what: string, timeoutMs = WAIT_MS): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let last: T | undefined;
  for (;;) {
    try {
      last = await read();
      if (JSON.stringify(last) === JSON.stringify(expected)) return;
    } catch {
      // The element may be re-rendering or the page navigating; read again.
    }
    if (Date.now() > deadline) throw new Error(`${what}: expected ${JSON.stringify(expected)} within ${timeoutMs} ms, last saw ${JSON.stringify(last)}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}
