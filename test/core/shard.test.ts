import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseShard, selectShard, shardOf } from '../../src/core/source/shard.js';
import { scanInputs } from '../../src/core/source/scan.js';
import { tempDir } from '../helpers/images.js';

const names = (n: number) => Array.from({ length: n }, (_, i) => ({ file: `2026/day-${i % 7}/IMG_${String(i).padStart(5, '0')}.jpg` }));

describe('--shard', () => {
  it('parses K/N (1-based) and auto/N from JOB_COMPLETION_INDEX or AWS_BATCH_JOB_ARRAY_INDEX (0-based)', () => {
    expect(parseShard('3/8', {})).toEqual({ index: 2, count: 8 });
    expect(parseShard('auto/4', { JOB_COMPLETION_INDEX: '0' })).toEqual({ index: 0, count: 4 });
    expect(parseShard('auto/4', { AWS_BATCH_JOB_ARRAY_INDEX: '3' })).toEqual({ index: 3, count: 4 });
    for (const bad of ['0/4', '5/4', '1/0', 'x/2', '2', '-1/3']) expect(() => parseShard(bad, {}), bad).toThrow(/--shard/);
    expect(() => parseShard('auto/4', {})).toThrow(/JOB_COMPLETION_INDEX or AWS_BATCH_JOB_ARRAY_INDEX/);
    expect(() => parseShard('auto/4', { JOB_COMPLETION_INDEX: '4' })).toThrow(/from 0 to 3/);
  });

  it('shares are disjoint, complete and balanced', () => {
    const photos = names(6_000);
    for (const n of [1, 2, 3, 8, 64]) {
      const shares = Array.from({ length: n }, (_, index) => selectShard(photos, { index, count: n }));
      expect(shares.reduce((a, s) => a + s.length, 0)).toBe(photos.length);
      expect(new Set(shares.flat().map((p) => p.file)).size).toBe(photos.length);
      const mean = photos.length / n;
      // Multinomial noise is about √mean; 5 standard deviations never trips by chance.
      for (const s of shares) expect(Math.abs(s.length - mean)).toBeLessThan(5 * Math.sqrt(mean) + 1);
    }
  });

  it('the same photo falls in the same share whatever the working folder, the absolute path and the order of inputs', async () => {
    const root = await tempDir('photobatch-shard-');
    const a = path.join(root, 'machine-a', 'event');
    const b = path.join(root, 'machine-b', 'mnt', 'event');
    for (const dir of [a, b]) {
      for (const sub of ['ceremony', 'party']) {
        await mkdir(path.join(dir, sub), { recursive: true });
        for (let i = 0; i < 40; i++) await writeFile(path.join(dir, sub, `IMG_${i}.jpg`), 'x');
      }
    }
    const fromA = await scanInputs(['event'], { cwd: path.join(root, 'machine-a') });
    const fromB = await scanInputs([b], { cwd: '/' });
    const assignment = (photos: { file: string }[]) => Object.fromEntries(photos.map((p) => [p.file, shardOf(p, 3)]));
    expect(fromA).toHaveLength(80);
    expect(assignment(fromB)).toEqual(assignment(fromA));
    const forward = await scanInputs([path.join(a, 'party'), path.join(a, 'ceremony')]);
    const backward = await scanInputs([path.join(a, 'ceremony'), path.join(a, 'party')]);
    for (let k = 0; k < 3; k++) {
      expect(selectShard(backward, { index: k, count: 3 })).toEqual(selectShard(forward, { index: k, count: 3 }));
    }
  });
});
