import { MAX_NESTING_DEPTH, nestedDeeperThan } from './nesting-depth';

/** An array `depth` levels deep (`[]` is 1), built without recursion. */
function nested(depth: number): unknown[] {
  let value: unknown[] = [];
  for (let level = 1; level < depth; level += 1) value = [value];
  return value;
}

describe('nestedDeeperThan', () => {
  it('counts arrays and objects as one level each, and scalars as none', () => {
    for (const scalar of [undefined, null, 0, 'text', true]) expect(nestedDeeperThan(scalar, 0)).toBe(false);
    expect(nestedDeeperThan({}, 1)).toBe(false);
    expect(nestedDeeperThan({}, 0)).toBe(true);
    expect(nestedDeeperThan({ a: [{ b: 1 }] }, 3)).toBe(false);
    expect(nestedDeeperThan({ a: [{ b: {} }] }, 3)).toBe(true);
  });

  it('accepts exactly the limit and refuses one level more, down any branch', () => {
    expect(nestedDeeperThan(nested(MAX_NESTING_DEPTH), MAX_NESTING_DEPTH)).toBe(false);
    expect(nestedDeeperThan(nested(MAX_NESTING_DEPTH + 1), MAX_NESTING_DEPTH)).toBe(true);
    expect(nestedDeeperThan({ first: 1, wide: [1, 2, { x: 'y' }], last: [0, nested(MAX_NESTING_DEPTH)] }, MAX_NESTING_DEPTH)).toBe(true);
  });

  it('walks a value far deeper than the call stack allows without overflowing', () => {
    expect(nestedDeeperThan(nested(1_000_000), MAX_NESTING_DEPTH)).toBe(true);
  });

  it('does not walk binary attachments', () => {
    expect(nestedDeeperThan({ file: Buffer.alloc(16), raw: new ArrayBuffer(8) }, 1)).toBe(false);
  });
});
