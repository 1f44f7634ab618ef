import { describe, expect, it } from 'vitest';
import { OffsetIndex } from '../../src/core/record/offset-index.js';

describe('OffsetIndex (the journal index of byte offsets)', () => {
  it('finds what was added, newest first, through growth of the table', () => {
    const index = new OffsetIndex();
    for (let i = 0; i < 5000; i++) index.add(`key-${i}`, i * 1000);
    index.add('key-7', 9_000_000_000); // an offset past 4 GB is kept exactly
    expect(index.size).toBe(5001);
    expect(index.candidates('key-4999')).toEqual([4_999_000]);
    expect(index.candidates('key-7')).toEqual([9_000_000_000, 7000]);
    expect(index.candidates('key-5000')).toEqual([]);
  });

  it('returns every offset of keys that share a 32-bit tag, so the caller can check each', () => {
    // key-35541 and key-70714 share the first 32 bits of their SHA-1 (found by search, checked here through the index).
    const index = new OffsetIndex();
    index.add('key-35541', 10);
    index.add('key-70714', 20);
    expect(index.candidates('key-35541')).toEqual([20, 10]);
    expect(index.candidates('key-70714')).toEqual([20, 10]);
  });

  it('forgets everything on clear', () => {
    const index = new OffsetIndex();
    index.add('a', 1);
    index.clear();
    expect(index.candidates('a')).toEqual([]);
    index.add('a', 2);
    expect(index.candidates('a')).toEqual([2]);
  });
});
