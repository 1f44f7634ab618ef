import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { ImageError } from '../../../src/core/errors.js';
import { bufferSource } from '../../../src/core/images/bytes.js';
import { detectFormat } from '../../../src/core/images/detect.js';
import { readImageHeader } from '../../../src/core/images/header.js';
import { withOrientation } from '../../../src/core/images/jpeg.js';
import { preparePhoto } from '../../../src/core/images/prepare.js';
import { findRawPreview, type RawKind } from '../../../src/core/images/raw-preview.js';
import { asLosslessSof, buildCr3, buildRaf, buildTiff, splitJpeg, type Entry } from './raw-fixtures.js';

const opts = { maxEdge: 2048, quality: 80 };
let dir: string;
let thumb: Buffer; // 160×120, like every EXIF thumbnail
let preview: Buffer; // 640×480: left half red, right half blue
let dng: Buffer;

beforeAll(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'photobatch-raw-'));
  thumb = await splitJpeg(160, 120);
  preview = await splitJpeg(640, 480);
  dng = await dngLike(6);
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

/** A DNG-like file: thumbnail in IFD0, lossless "sensor data" and the preview in SubIFDs. */
async function dngLike(orientation: number, previewJpeg?: Buffer): Promise<Buffer> {
  const strip = (name: string): Entry[] => [[0x0103, 3, 7], [0x0111, 4, { offsetOf: name }], [0x0117, 4, { lengthOf: name }]];
  return buildTiff({
    ifds: [[
      [0x00fe, 4, 1], [0x010f, 2, 'Canon'], [0x0112, 3, orientation], [0xc612, 1, [1, 4, 0, 0]],
      [0x0201, 4, { offsetOf: 'thumb' }], [0x0202, 4, { lengthOf: 'thumb' }], [0x014a, 4, { subIfds: true }],
    ]],
    subIfds: [[[0x00fe, 4, 0], ...strip('sensor')], [[0x00fe, 4, 1], [0x0106, 3, 6], ...strip('preview')]],
    blobs: { thumb, sensor: asLosslessSof(await splitJpeg(1200, 800)), preview: previewJpeg ?? preview },
  });
}

const find = (buf: Buffer, kind: RawKind, minEdge?: number) =>
  findRawPreview(bufferSource(buf), kind, minEdge === undefined ? {} : { minEdge });
const rejection = async (p: Promise<unknown>) => {
  const e = await p.then(() => undefined, (err: unknown) => err);
  expect(e).toBeInstanceOf(ImageError);
  return e as ImageError;
};
/** Mean RGB of the top and bottom quarter of a JPEG: [red-ish?, blue-ish?] per band. */
async function bands(jpeg: Buffer): Promise<{ top: number[]; bottom: number[] }> {
  const { data, info } = await sharp(jpeg).resize(8, 8, { fit: 'fill' }).raw().toBuffer({ resolveWithObject: true });
  const mean = (rows: number[]) => [0, 1, 2].map((c) => rows.flatMap((y) => Array.from({ length: 8 }, (_, x) => data[(y * 8 + x) * info.channels + c]!)).reduce((a, b) => a + b) / 16);
  return { top: mean([0, 1]), bottom: mean([6, 7]) };
}

describe('findRawPreview: TIFF-based RAW', () => {
  test('picks the largest decodable JPEG (not the thumbnail, not lossless sensor data) with IFD0 orientation', async () => {
    expect(detectFormat(dng)).toBe('raw-tiff');
    const p = await find(dng, 'raw-tiff');
    expect(p).toMatchObject({ width: 640, height: 480, orientation: 6 });
    expect(dng.subarray(p.offset, p.offset + p.length).equals(preview)).toBe(true);
  });

  test('preparePhoto sends the preview upright (orientation 6: the left half becomes the top)', async () => {
    const file = path.join(dir, 'IMG_0001.dng');
    await writeFile(file, dng);
    for (const input of [dng, file]) {
      const out = await preparePhoto(input, opts);
      expect([out.width, out.height, out.sourceWidth, out.sourceHeight, out.sourceFormat]).toEqual([480, 640, 480, 640, 'raw']);
      const { top, bottom } = await bands(out.data);
      expect(top[0]).toBeGreaterThan(200); // red on top
      expect(bottom[2]).toBeGreaterThan(200); // blue at the bottom
      expect((await sharp(out.data).metadata()).exif).toBeUndefined();
    }
    expect(await readImageHeader(file)).toEqual({ width: 480, height: 640, format: 'raw', orientation: 6 });
  });

  test('a truncated RAW fails clearly and fast, from a buffer and from a file', async () => {
    const offset = dng.indexOf(preview.subarray(0, 64));
    const cut = dng.subarray(0, offset + Math.floor(preview.length / 2));
    const file = path.join(dir, 'cut.ARW');
    await writeFile(file, cut);
    const t0 = Date.now();
    for (const input of [cut, file]) {
      const e = await rejection(preparePhoto(input, opts));
      expect(e.kind).toBe('unreadable');
      expect(e.message).toBe('No usable embedded JPEG preview in this RAW file (the preview is cut off: truncated file?); export a JPEG from your RAW editor');
      expect((await rejection(readImageHeader(input))).message).toBe(e.message);
    }
    expect(Date.now() - t0).toBeLessThan(5000);
  });

  test('a thumbnail alone is not a usable preview', async () => {
    const raw = buildTiff({ ifds: [[[0x010f, 2, 'SONY'], [0x0201, 4, { offsetOf: 't' }], [0x0202, 4, { lengthOf: 't' }]]], blobs: { t: thumb } });
    const e = await rejection(preparePhoto(raw, opts));
    expect(e.message).toBe('No usable embedded JPEG preview in this RAW file (the largest is 160×120 px, too small to describe); export a JPEG from your RAW editor');
    expect((await find(raw, 'raw-tiff', 1)).width).toBe(160); // found, just too small
  });

  test('no JPEG at all, garbage IFD offsets and IFD loops: a clear error, no hang', async () => {
    const looped = buildTiff({ ifds: [[[0x010f, 2, 'NIKON'], [0x0100, 3, 10]], [[0x0100, 3, 20]]] });
    looped.writeUInt32LE(8, 8 + 2 + 2 * 12); // IFD0 → IFD1 → … make IFD0's next point to itself
    const garbage = Buffer.from('II*\0not really a raw file');
    // Neither shows camera evidence in its content: the name makes them RAWs (a path, or `fileName`).
    await writeFile(path.join(dir, 'loop.nef'), looped);
    for (const input of [path.join(dir, 'loop.nef'), looped, garbage]) {
      const e = await rejection(preparePhoto(input, { ...opts, fileName: 'DSC_0001.NEF' }));
      expect(e.message).toBe('No usable embedded JPEG preview in this RAW file (none found); export a JPEG from your RAW editor');
    }
    // Without a name, a TIFF-looking buffer is left to sharp, which says what it thinks of it.
    expect((await rejection(preparePhoto(garbage, opts))).message).toMatch(/^Not an image sharp can read/);
  });

  test('CR2: the full-size JPEG in IFD0 strips; RW2: JpgFromRaw (0x2E); big-endian IFDs', async () => {
    const cr2 = buildTiff({
      signature: Buffer.from('CR\x02\0\0\0\0\0', 'latin1'),
      ifds: [[[0x0103, 3, 6], [0x0111, 4, { offsetOf: 'p' }], [0x0112, 3, 8], [0x0117, 4, { lengthOf: 'p' }]]],
      blobs: { p: preview },
    });
    expect(detectFormat(cr2)).toBe('raw-tiff');
    expect(await find(cr2, 'raw-tiff')).toMatchObject({ width: 640, height: 480, orientation: 8 });
    const rw2 = buildTiff({ magic: 0x55, ifds: [[[0x002e, 7, { blob: 'p' }], [0x0112, 3, 3]]], blobs: { p: preview } });
    expect(detectFormat(rw2)).toBe('raw-tiff');
    expect(await find(rw2, 'raw-tiff')).toMatchObject({ width: 640, height: 480, orientation: 3 });
    const nef = buildTiff({ littleEndian: false, ifds: [[[0x010f, 2, 'NIKON CORPORATION'], [0x014a, 4, { subIfds: true }]]],
      subIfds: [[[0x0201, 4, { offsetOf: 'p' }], [0x0202, 4, { lengthOf: 'p' }]]], blobs: { p: preview } });
    expect(await find(nef, 'raw-tiff')).toMatchObject({ width: 640, height: 480, orientation: 1 });
  });

  test('ORF-like: no pointer to the preview, found by scanning the file', async () => {
    const orf = buildTiff({ magic: 0x4f52, ifds: [[[0x010f, 2, 'OLYMPUS'], [0x0112, 3, 1]]], blobs: { makernote: Buffer.concat([Buffer.alloc(100, 7), preview, Buffer.alloc(50)]) } });
    expect(detectFormat(orf)).toBe('raw-tiff');
    expect(await find(orf, 'raw-tiff')).toMatchObject({ width: 640, height: 480, length: preview.length });
  });
});

describe('findRawPreview: RAF and CR3', () => {
  test('RAF: the header points at the JPEG; its own EXIF orientation applies', async () => {
    const raf = buildRaf(await splitJpeg(640, 480, { orientation: 8 }));
    expect(detectFormat(raf)).toBe('raf');
    expect(await find(raf, 'raf')).toMatchObject({ width: 640, height: 480, orientation: 8 });
    const out = await preparePhoto(raf, opts);
    expect([out.width, out.height]).toEqual([480, 640]);
    const { top, bottom } = await bands(out.data); // orientation 8: the right half (blue) becomes the top
    expect(top[2]).toBeGreaterThan(200);
    expect(bottom[0]).toBeGreaterThan(200);
  });

  test('CR3: PRVW over THMB, orientation from CMT1', async () => {
    const cmt1 = buildTiff({ ifds: [[[0x010f, 2, 'Canon'], [0x0112, 3, 6]]] });
    const cr3 = buildCr3({ thumb, preview, cmt1 });
    expect(detectFormat(cr3)).toBe('cr3');
    expect(await find(cr3, 'cr3')).toMatchObject({ width: 640, height: 480, orientation: 6, length: preview.length });
    expect(await readImageHeader(cr3)).toEqual({ width: 480, height: 640, format: 'raw', orientation: 6 });
  });
});

describe('content, not names', () => {
  test('a JPEG named .nef is prepared as the JPEG it is', async () => {
    const file = path.join(dir, 'DSC_0042.nef');
    await writeFile(file, await splitJpeg(300, 200, { orientation: 6 }));
    const out = await preparePhoto(file, opts);
    expect([out.sourceFormat, out.sourceWidth, out.sourceHeight]).toEqual(['jpeg', 200, 300]);
    expect(await readImageHeader(file)).toEqual({ width: 200, height: 300, format: 'jpeg', orientation: 6 });
  });

  test('a TIFF photo named .tif still goes to sharp', async () => {
    const file = path.join(dir, 'scan.tif');
    await sharp({ create: { width: 50, height: 40, channels: 3, background: '#808080' } }).tiff().toFile(file);
    expect((await preparePhoto(file, opts)).sourceFormat).toBe('tiff');
  });
});

describe('withOrientation', () => {
  test("replaces the JPEG's own EXIF with one that holds only the orientation given", async () => {
    const own = await sharp(await splitJpeg(60, 40)).jpeg().withMetadata({ orientation: 6 }).toBuffer();
    for (const o of [1, 3, 8]) {
      const out = withOrientation(own, o);
      const meta = await sharp(out).metadata();
      expect(meta.orientation).toBe(o);
      expect([meta.width, meta.height]).toEqual([60, 40]);
      expect(out.toString('latin1').split('Exif\0\0').length - 1).toBe(1);
    }
    expect((await sharp(withOrientation(await splitJpeg(60, 40), 5)).metadata()).orientation).toBe(5); // none before
  });
});
