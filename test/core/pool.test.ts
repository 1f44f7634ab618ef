import { describe, expect, test } from 'vitest';
import { runPool } from '../../src/core/session/pool.js';
import { pullFrom } from '../../src/core/source/photo-source.js';
import { PhotoQueue } from '../../src/core/source/watch/photo-queue.js';

const refs = (n: number) => Array.from({ length: n }, (_, i) => ({ path: `/p/${i}.jpg`, file: `${i}.jpg` }));
/** Resolves after `turns` turns of the event loop: ordering without wall-clock time. */
const turns = async (n: number) => {
  for (let i = 0; i < n; i++) await new Promise((r) => setImmediate(r));
};

describe('runPool', () => {
  test('every photo once, never more than `workers` at a time', async () => {
    let active = 0;
    let most = 0;
    const done: string[] = [];
    await runPool(pullFrom(refs(25)), async (p) => {
      most = Math.max(most, ++active);
      await turns(1 + (Number(p.file.split('.')[0]) % 3));
      active--;
      done.push(p.file);
    }, { workers: 4, stopped: () => false });
    expect(done.sort()).toEqual(refs(25).map((r) => r.file).sort());
    expect(most).toBe(4);
  });

  test('a stop takes nothing more; photos already taken finish', async () => {
    let stop = false;
    const done: string[] = [];
    await runPool(pullFrom(refs(50)), async (p) => {
      if (p.file === '3.jpg') stop = true;
      await turns(2);
      done.push(p.file);
    }, { workers: 2, stopped: () => stop });
    expect(done.length).toBeLessThan(50);
    expect(done).toContain('3.jpg');
  });

  test('an endless source: the pool waits for photos and ends when the source ends', async () => {
    const q = new PhotoQueue();
    const done: string[] = [];
    const pool = runPool(pullFrom(q), async (p) => void done.push(p.file), { workers: 3, stopped: () => false });
    for (const r of refs(5)) {
      q.push(r);
      await turns(2);
    }
    expect(done).toHaveLength(5);
    q.end();
    await pool;
  });

  test('an unexpected error is rethrown only after the other workers finished their photos', async () => {
    const done: string[] = [];
    const run = runPool(pullFrom(refs(6)), async (p) => {
      if (p.file === '0.jpg') throw new Error('bug');
      await turns(3);
      done.push(p.file);
    }, { workers: 2, stopped: () => false });
    await expect(run).rejects.toThrow('bug');
    expect(done.length).toBe(5);
  });
});
