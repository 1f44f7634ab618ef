import { describe, expect, test } from 'vitest';
import { PhotoQueue } from '../../../src/core/source/watch/photo-queue.js';
import { pullFrom } from '../../../src/core/source/photo-source.js';
import { isPartialName } from '../../../src/core/source/watch/partial-names.js';

const ref = (name: string) => ({ path: `/hot/${name}`, file: name });

describe('PhotoQueue', () => {
  test('a worker waiting for a photo gets the next one pushed; photos pushed first wait in order', async () => {
    const q = new PhotoQueue();
    const it = q[Symbol.asyncIterator]();
    const pending = it.next();
    q.push(ref('a.jpg'));
    expect(await pending).toEqual({ value: ref('a.jpg'), done: false });
    q.push(ref('b.jpg'));
    q.push(ref('c.jpg'));
    expect(q.waiting).toBe(2);
    expect((await it.next()).value).toEqual(ref('b.jpg'));
    expect(q.taken).toBe(2);
  });

  test('end() releases waiting workers and drops what was not taken (the next run takes it)', async () => {
    const q = new PhotoQueue();
    const it = q[Symbol.asyncIterator]();
    const waiting = [it.next(), it.next()];
    q.end();
    expect(await Promise.all(waiting)).toEqual([{ value: undefined, done: true }, { value: undefined, done: true }]);
    q.push(ref('late.jpg'));
    expect(q.waiting).toBe(0);
    expect((await it.next()).done).toBe(true);
  });
});

describe('pullFrom', () => {
  test('a list: every photo once, its size known in advance', async () => {
    const p = pullFrom([ref('a'), ref('b')]);
    expect(p.known).toBe(2);
    expect([await p.next(), await p.next(), await p.next()]).toEqual([ref('a'), ref('b'), undefined]);
    expect(p.taken).toBe(2);
  });

  test('an async source pulled by several workers at once: each photo goes to exactly one', async () => {
    async function* slow() {
      for (let i = 0; i < 20; i++) {
        await new Promise((r) => setImmediate(r));
        yield ref(`p${i}`);
      }
    }
    const p = pullFrom(slow());
    expect(p.known).toBeUndefined();
    const got: string[] = [];
    await Promise.all(Array.from({ length: 5 }, async () => {
      for (let photo = await p.next(); photo; photo = await p.next()) got.push(photo.file);
    }));
    expect(got.sort()).toEqual(Array.from({ length: 20 }, (_, i) => `p${i}`).sort());
    expect(p.taken).toBe(20);
  });
});

describe('isPartialName', () => {
  test.each([
    ['IMG_0001.jpg', false], ['sub/IMG_0001.CR3', false], ['IMG_0001.jpg.part', true], ['IMG_0001.JPG.TMP', true],
    ['photo.jpg.download', true], ['photo.jpg.crdownload', true], ['~IMG_0001.jpg', true], ['.IMG_0001.jpg', true],
    ['dir/.sync/IMG.jpg', false], ['IMG_0001.partial', true],
  ])('%s → %s', (name, partial) => {
    expect(isPartialName(name)).toBe(partial);
  });
});
