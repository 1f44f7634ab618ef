import { describe, expect, it } from 'vitest';
import { PhotoList } from '../../src/core/source/photo-list.js';
import { OutputManifest } from '../../src/core/safety/output-manifest.js';
import { selectShard } from '../../src/core/source/shard.js';

const photos = [
  { path: '/cards/a/IMG_0001.jpg', file: 'IMG_0001.jpg' },
  { path: '/cards/a/sub/Été à Paris 😀.heic', file: 'sub/Été à Paris 😀.heic' },
  { path: '/cards/b/IMG_0001.jpg', file: 'b/IMG_0001.jpg~2' },
  { path: '/cards/b/x.png', file: 'x.png' },
  { path: '/cards/c/broken\uD800.jpg', file: 'broken\uD800.jpg' },
];

describe('PhotoList (the scan packed outside the JS heap)', () => {
  it('gives back every photo as it was pushed, in order, whatever its characters', () => {
    const list = PhotoList.from(photos);
    expect(list.length).toBe(photos.length);
    expect([...list]).toEqual(photos);
    expect(photos.map((_, i) => list.at(i))).toEqual(photos);
    expect(list.at(-1)).toBeUndefined();
    expect(list.at(photos.length)).toBeUndefined();
  });

  it('holds many photos across its 1 MB chunks', () => {
    const many = Array.from({ length: 30_000 }, (_, i) => ({ path: `/photos/${'deep/'.repeat(10)}P_${String(i).padStart(6, '0')}.jpg`, file: `P_${String(i).padStart(6, '0')}.jpg` }));
    const list = PhotoList.from(many);
    expect(list.length).toBe(many.length);
    expect(list.at(0)).toEqual(many[0]);
    expect(list.at(17_777)).toEqual(many[17_777]);
    expect(list.at(29_999)).toEqual(many[29_999]);
    expect(list.hasPath(many[12_345]!.path)).toBe(true);
    expect(list.hasPath('/photos/P_000001.jpg')).toBe(false);
  });

  it('finds its paths (sorted or not), filters into a list, and protects them as inputs in the manifest', () => {
    const list = PhotoList.from(photos);
    for (const p of photos) expect(list.hasPath(p.path)).toBe(true);
    expect(list.hasPath('/cards/a/IMG_0002.jpg')).toBe(false);
    const unsorted = PhotoList.from([...photos].reverse());
    for (const p of photos) expect(unsorted.hasPath(p.path)).toBe(true);
    expect(unsorted.hasPath('/nowhere.jpg')).toBe(false);

    const pngs = list.filter((p) => p.path.endsWith('.png'));
    expect(pngs).toBeInstanceOf(PhotoList);
    expect([...pngs]).toEqual([photos[3]]);

    const manifest = new OutputManifest('/out', list);
    expect(manifest.isInput('/cards/b/x.png')).toBe(true);
    expect(manifest.isInput('/cards/b/x.png.xmp')).toBe(false);
  });

  it('takes the same shard as the array it was made from', () => {
    const many = Array.from({ length: 500 }, (_, i) => ({ path: `/p/${i}.jpg`, file: `${i}.jpg` }));
    for (const index of [0, 1, 2]) {
      expect([...selectShard(PhotoList.from(many), { index, count: 3 })]).toEqual(selectShard(many, { index, count: 3 }));
    }
  });
});
