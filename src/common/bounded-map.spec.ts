import { BoundedMap } from './bounded-map';

describe('BoundedMap', () => {
  it('holds at most its capacity of entries, the oldest set going first; setting again makes an entry the newest', () => {
    const sut = new BoundedMap<string, number>(3);
    for (const key of ['a', 'b', 'c']) sut.set(key, 1);
    sut.set('a', 2);
    sut.set('d', 1);
    expect(sut.size).toBe(3);
    expect(['a', 'b', 'c', 'd'].map((key) => sut.get(key))).toEqual([2, undefined, 1, 1]);
  });

  it('counts each entry by its weight, and gives the weight of a deleted or replaced entry back', () => {
    const sut = new BoundedMap<string, string[]>(4, (value) => value.length);
    sut.set('two', ['x', 'y']);
    sut.set('one', ['x']);
    sut.set('two', ['x']);
    sut.set('other', ['x', 'y']);
    expect(sut.size).toBe(3);
    sut.delete('one');
    sut.set('three', ['x', 'y', 'z']);
    // 1 + 2 + 3 is over 4: the oldest set ('two', then 'other') went.
    expect([sut.get('two'), sut.get('other'), sut.get('three')]).toEqual([undefined, undefined, ['x', 'y', 'z']]);
    expect(sut.size).toBe(1);
  });
});
