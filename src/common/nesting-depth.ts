/**
 * How deeply a request body or socket payload may nest arrays and objects (`[]` and `{}` are one level).
 * The contract's deepest input is a few levels; validation (class-transformer, class-validator) walks a
 * value recursively, and a few thousand levels (a few kilobytes of brackets) overflowed its stack: a 500,
 * logged with a stack, for any client, signed in or not. Deeper input is refused before validation.
 * A constant rather than a setting: unlike the byte limits, no deployment needs another value.
 */
export const MAX_NESTING_DEPTH = 32;

/**
 * True when `value` nests arrays or objects more than `limit` levels deep. Iterative (a recursive walk
 * would overflow on the very input it guards against), and it descends no further than `limit + 1`
 * levels, so a value 100,000 levels deep costs as little as one 33 levels deep. Typed arrays and
 * Buffers (binary socket attachments) hold no nested values and are not walked.
 */
export function nestedDeeperThan(value: unknown, limit: number): boolean {
  if (!isContainer(value)) return false;
  if (limit < 1) return true;
  const pending: object[] = [value];
  const depths: number[] = [1];
  for (let node = pending.pop(); node !== undefined; node = pending.pop()) {
    const childDepth = (depths.pop() as number) + 1;
    for (const child of Array.isArray(node) ? (node as unknown[]) : Object.values(node)) {
      if (!isContainer(child)) continue;
      if (childDepth > limit) return true;
      pending.push(child);
      depths.push(childDepth);
    }
  }
  return false;
}

function isContainer(value: unknown): value is object {
  return typeof value === 'object' && value !== null && !ArrayBuffer.isView(value) && !(value instanceof ArrayBuffer);
}
