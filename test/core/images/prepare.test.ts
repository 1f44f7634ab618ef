import { createHash } from 'node:crypto';
import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, test, vi } from 'vitest';
import { ImageError } from '../../../src/core/errors.js';
import { preparePhoto, type PrepareOptions } from '../../../src/core/images/prepare.js';

const opts: PrepareOptions = { maxEdge: 2048, quality: 80 };
let dir: string;

beforeAll(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'photobatch-prepare-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

const solid = (width: number, height: number, background: string, channels: 3 | 4 = 3) =>
  sharp({ create: { width, height, channels, background } });

/** RGB of one pixel of a decoded image. */
async function pixel(img: Buffer, x: number, y: number): Promise<[number, number, number]> {
  const { data, info } = await sharp(img).removeAlpha().raw().toBuffer({ resolveWithObject: true });
  const i = (y * info.width + x) * info.channels;
  return [data[i]!, data[i + 1]!, data[i + 2]!];
}

async function expectCleanJpeg(out: Buffer, box: { width: number; height: number }) {
  const m = await sharp(out).metadata();
  expect(m.format).toBe('jpeg');
  expect(m.space).toBe('srgb');
  expect(m.channels).toBe(3);
  expect(m.hasAlpha).toBe(false);
  expect(m.exif).toBeUndefined();
  expect(m.icc).toBeUndefined();
  expect(m.xmp).toBeUndefined();
  expect(m.iptc).toBeUndefined();
  expect(m.orientation).toBeUndefined();
  expect(m.width).toBeLessThanOrEqual(box.width);
  expect(m.height).toBeLessThanOrEqual(box.height);
  return m;
}

async function rejection(p: Promise<unknown>): Promise<ImageError> {
  const err = await p.then(() => undefined, (e: unknown) => e);
  expect(err).toBeInstanceOf(ImageError);
  const e = err as ImageError;
  expect(e.message).not.toMatch(/[\r\n]/);
  expect(e.message.length).toBeLessThan(200);
  expect(e.message).toMatch(/^[A-Z]/);
  expect(e.message).not.toContain(dir);
  return e;
}

describe('preparePhoto', () => {
  test('fits inside maxEdge, keeps the aspect ratio, reports sizes', async () => {
    const file = path.join(dir, 'big.jpg');
    await solid(4000, 3000, '#3366cc').jpeg().toFile(file);
    const out = await preparePhoto(file, { ...opts, maxEdge: 1000 });
    expect(out).toMatchObject({ width: 1000, height: 750, sourceWidth: 4000, sourceHeight: 3000, format: 'jpeg', sourceFormat: 'jpeg' });
    expect(out.bytes).toBe(out.data.length);
    const m = await expectCleanJpeg(out.data, { width: 1000, height: 1000 });
    expect([m.width, m.height]).toEqual([1000, 750]);
  });

  test('never enlarges', async () => {
    const out = await preparePhoto(await solid(300, 200, '#808080').png().toBuffer(), opts);
    expect([out.width, out.height]).toEqual([300, 200]);
    expect(out.sourceFormat).toBe('png');
  });

  test('the target box gets the ORIENTED size and is capped by maxEdge', async () => {
    // Stored 80×40 (landscape), EXIF orientation 6: seen as 40×80 (portrait).
    const buf = await solid(80, 40, '#00ff00').jpeg().withMetadata({ orientation: 6 }).toBuffer();
    const target = vi.fn(() => ({ width: 30, height: 30 }));
    const out = await preparePhoto(buf, { ...opts, target });
    expect(target).toHaveBeenCalledWith(40, 80);
    expect([out.width, out.height]).toEqual([15, 30]);
    expect([out.sourceWidth, out.sourceHeight]).toEqual([40, 80]);

    const capped = await preparePhoto(await solid(4000, 2000, '#000').jpeg().toBuffer(), {
      ...opts, maxEdge: 500, target: () => ({ width: 3000, height: 3000 }),
    });
    expect([capped.width, capped.height]).toEqual([500, 250]);
  });

  test('EXIF orientation 6 comes out upright (pixels turned, tag gone)', async () => {
    // Stored landscape 80×40 with a red top-left corner; orientation 6 = turn 90° clockwise to view,
    // so the viewer sees a 40×80 portrait with the red corner at the top RIGHT.
    const base = await solid(80, 40, '#0000ff').png().toBuffer();
    const red = await solid(20, 10, '#ff0000').png().toBuffer();
    const buf = await sharp(base).composite([{ input: red, left: 0, top: 0 }]).jpeg({ quality: 95 }).withMetadata({ orientation: 6 }).toBuffer();
    expect((await sharp(buf).metadata()).orientation).toBe(6);

    const out = await preparePhoto(buf, opts);
    expect([out.width, out.height]).toEqual([40, 80]);
    await expectCleanJpeg(out.data, { width: 40, height: 80 });
    const [r1, , b1] = await pixel(out.data, 36, 3);
    expect(r1).toBeGreaterThan(200);
    expect(b1).toBeLessThan(60);
    const [r2, , b2] = await pixel(out.data, 3, 3);
    expect(r2).toBeLessThan(60);
    expect(b2).toBeGreaterThan(200);
  });

  test('transparent PNG areas become white, not black', async () => {
    const png = await solid(40, 40, 'rgba(255, 0, 0, 0)', 4).png().toBuffer();
    const out = await preparePhoto(png, opts);
    await expectCleanJpeg(out.data, { width: 40, height: 40 });
    for (const c of await pixel(out.data, 20, 20)) expect(c).toBeGreaterThan(245);
  });

  test('CMYK JPEG is converted to sRGB without a profile', async () => {
    const cmyk = await solid(40, 30, '#0ac81e').toColourspace('cmyk').jpeg().toBuffer();
    expect((await sharp(cmyk).metadata()).space).toBe('cmyk');
    const out = await preparePhoto(cmyk, opts);
    await expectCleanJpeg(out.data, { width: 40, height: 30 });
    const [r, g, b] = await pixel(out.data, 20, 15);
    // Through the built-in CMYK profile the green stays clearly green (≈ 112,177,13), not channel soup.
    expect(g).toBeGreaterThan(r + 40);
    expect(g).toBeGreaterThan(b + 100);
  });

  test('EXIF (camera, GPS) and ICC profiles are stripped', async () => {
    const buf = await solid(60, 40, '#00ff00')
      .withIccProfile('p3')
      .jpeg()
      .withExifMerge({ IFD0: { Make: 'PhotobatchTestCam' }, IFD3: { GPSLatitudeRef: 'N', GPSLatitude: '51/1 30/1 0/1' } })
      .toBuffer();
    const input = await sharp(buf).metadata();
    expect(input.exif?.includes('PhotobatchTestCam')).toBe(true);
    expect(input.icc).toBeDefined();
    const out = await preparePhoto(buf, opts);
    await expectCleanJpeg(out.data, { width: 60, height: 40 });
    expect(out.data.includes('PhotobatchTestCam')).toBe(false);
  });

  test('animated GIF: first frame only', async () => {
    const f1 = await solid(60, 40, '#ff0000').png().toBuffer();
    const f2 = await solid(60, 40, '#0000ff').png().toBuffer();
    const gif = await sharp([f1, f2], { join: { animated: true } }).gif().toBuffer();
    expect((await sharp(gif).metadata()).pages).toBe(2);
    const out = await preparePhoto(gif, opts);
    expect([out.width, out.height]).toEqual([60, 40]);
    const [r, , b] = await pixel(out.data, 30, 20);
    expect(r).toBeGreaterThan(200);
    expect(b).toBeLessThan(60);
  });

  test('quality is passed to the JPEG encoder', async () => {
    const noisy = await sharp(Buffer.from(Array.from({ length: 200 * 200 * 3 }, (_, i) => (i * 7919) % 251)), {
      raw: { width: 200, height: 200, channels: 3 },
    }).png().toBuffer();
    const low = await preparePhoto(noisy, { ...opts, quality: 20 });
    const high = await preparePhoto(noisy, { ...opts, quality: 95 });
    expect(low.bytes).toBeLessThan(high.bytes);
  });

  test('reads the original only: same bytes, nothing written beside it', async () => {
    const sub = await mkdtemp(path.join(dir, 'ro-'));
    const file = path.join(sub, 'IMG_0001.jpg');
    await solid(500, 400, '#abcdef').jpeg().withMetadata({ orientation: 3 }).toFile(file);
    const before = createHash('sha256').update(await readFile(file)).digest('hex');
    await preparePhoto(file, { ...opts, maxEdge: 100 });
    expect(createHash('sha256').update(await readFile(file)).digest('hex')).toBe(before);
    expect(await readdir(sub)).toEqual(['IMG_0001.jpg']);
  });

  // failOn 'error' (not sharp's default 'warning'): stray bytes before a marker are only a libjpeg
  // warning and the photo decodes fine; truncation is an error and is still rejected.
  test('a JPEG with a harmless libjpeg warning is accepted', async () => {
    const good = await solid(400, 300, '#0a64c8').jpeg().toBuffer();
    const sos = good.indexOf(Buffer.from([0xff, 0xda]));
    const quirky = Buffer.concat([good.subarray(0, sos), Buffer.from([1, 2, 3, 4, 5]), good.subarray(sos)]);
    await expect(sharp(quirky, { failOn: 'warning' }).toBuffer()).rejects.toThrow(/extraneous bytes/);
    const out = await preparePhoto(quirky, opts);
    expect([out.width, out.height]).toEqual([400, 300]);
  });

  describe('errors: ImageError with a kind and a one-line message', () => {
    test('truncated JPEG → unreadable, with a message that says damaged', async () => {
      const file = path.join(dir, 'truncated.jpg');
      const good = await solid(400, 300, '#010203').jpeg().toBuffer();
      await writeFile(file, good.subarray(0, Math.floor(good.length / 3)));
      const e = await rejection(preparePhoto(file, opts));
      expect(e.kind).toBe('unreadable');
      expect(e.message).toMatch(/^Damaged or truncated image data \(VipsJpeg: premature end of JPEG image\)/);
      expect(e.cause).toBeInstanceOf(Error);
    });

    test('a text file named .jpg → unreadable', async () => {
      const file = path.join(dir, 'notes.jpg');
      await writeFile(file, 'this is not a photo\n');
      const e = await rejection(preparePhoto(file, opts));
      expect(e.kind).toBe('unreadable');
      expect(e.message).toBe('Not an image sharp can read (unsupported image format); check the file');
    });

    test('a zero-byte file or buffer → unreadable', async () => {
      const file = path.join(dir, 'empty.jpg');
      await writeFile(file, Buffer.alloc(0));
      for (const input of [file, Buffer.alloc(0)]) {
        const e = await rejection(preparePhoto(input, opts));
        expect(e.kind).toBe('unreadable');
        expect(e.message).toMatch(/^Empty file \(0 bytes\)/);
      }
    });

    test('a missing file → unreadable', async () => {
      const e = await rejection(preparePhoto(path.join(dir, 'nope.jpg'), opts));
      expect(e.kind).toBe('unreadable');
      expect(e.message).toBe('File not found; check the path');
    });

    test('a camera RAW without a usable preview gets a RAW-specific hint', async () => {
      const file = path.join(dir, 'DSC_0001.NEF');
      await writeFile(file, Buffer.from('II*\0not really a raw file'));
      const e = await rejection(preparePhoto(file, opts));
      expect(e.kind).toBe('unreadable');
      expect(e.message).toBe('No usable embedded JPEG preview in this RAW file (none found); export a JPEG from your RAW editor');
    });

    test('a RAW format we do not parse (here CRW) gets a RAW-specific hint', async () => {
      const file = path.join(dir, 'CRW_0001.CRW');
      await writeFile(file, Buffer.from('II\x1a\0\0\0HEAPCCDR', 'latin1'));
      const e = await rejection(preparePhoto(file, opts));
      expect(e.kind).toBe('unreadable');
      expect(e.message).toMatch(/^This camera RAW format is not supported \(unsupported image format\); export a JPEG/);
    });

    test('over the pixel limit → too_large, before decoding', async () => {
      const buf = await solid(200, 100, '#fff').jpeg().toBuffer();
      const e = await rejection(preparePhoto(buf, { ...opts, limitInputPixels: 10_000 }));
      expect(e.kind).toBe('too_large');
      expect(e.message).toBe('Image is 200×100 (0 MP), over the 0 MP pixel limit; downscale it first');
    });

    test('bad options are programmer errors', async () => {
      const buf = await solid(10, 10, '#fff').png().toBuffer();
      await expect(preparePhoto(buf, { ...opts, quality: 0 })).rejects.toThrow(TypeError);
      await expect(preparePhoto(buf, { ...opts, quality: 101 })).rejects.toThrow(TypeError);
      await expect(preparePhoto(buf, { ...opts, maxEdge: 0 })).rejects.toThrow(TypeError);
    });
  });
});
