import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { ImageError } from '../../../src/core/errors.js';
import { readImageHeader, toImageError } from '../../../src/core/images/header.js';

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'photobatch-header-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

const solid = (width: number, height: number) => sharp({ create: { width, height, channels: 3, background: '#446688' } });

describe('readImageHeader', () => {
  test('format and size from a file or a buffer', async () => {
    const file = path.join(dir, 'a.png');
    await solid(120, 80).png().toFile(file);
    expect(await readImageHeader(file)).toEqual({ width: 120, height: 80, format: 'png' });
    expect(await readImageHeader(await solid(30, 20).webp().toBuffer())).toEqual({ width: 30, height: 20, format: 'webp' });
  });

  test('a JPEG read by name: the same header from its head as whole, also when its frame header lies past the head', async () => {
    const jpeg = await solid(300, 200).jpeg().withMetadata({ orientation: 6 }).toBuffer();
    // 4 application segments of ~60 KiB after the EXIF push the frame header ~240 KiB in, past the bytes read first.
    const filler = Array.from({ length: 4 }, () => Buffer.concat([Buffer.from([0xff, 0xef, 0xea, 0x62]), Buffer.alloc(60_000, 7)]));
    const sof = jpeg.indexOf(Buffer.from([0xff, 0xdb])); // first quantisation table: after SOI, JFIF and EXIF
    const far = Buffer.concat([jpeg.subarray(0, sof), ...filler, jpeg.subarray(sof)]);
    const near = path.join(dir, 'near.jpg');
    const deep = path.join(dir, 'deep.jpg');
    await writeFile(near, jpeg);
    await writeFile(deep, far);
    const expected = { width: 200, height: 300, format: 'jpeg', orientation: 6 };
    expect(await readImageHeader(near)).toMatchObject(expected);
    expect(await readImageHeader(deep)).toMatchObject(expected);
    expect(await readImageHeader(jpeg)).toMatchObject(expected);
  });

  test.each([1, 2, 3, 4, 5, 6, 7, 8])('EXIF orientation %i: oriented size (5–8 swap)', async (orientation) => {
    const buf = await solid(80, 40).jpeg().withMetadata({ orientation }).toBuffer();
    const h = await readImageHeader(buf);
    expect(h.orientation).toBe(orientation);
    expect([h.width, h.height]).toEqual(orientation >= 5 ? [40, 80] : [80, 40]);
  });

  test('frame count of an animated GIF', async () => {
    const frame = (background: string) => sharp({ create: { width: 20, height: 10, channels: 3, background } }).png().toBuffer();
    const gif = await sharp(await Promise.all(['#f00', '#0f0', '#00f'].map(frame)), { join: { animated: true } }).gif().toBuffer();
    expect(await readImageHeader(gif)).toMatchObject({ format: 'gif', width: 20, height: 10, pages: 3 });
  });

  test('truncated pixel data is only found when decoding: the header still reads', async () => {
    const good = await solid(400, 300).jpeg().toBuffer();
    expect(await readImageHeader(good.subarray(0, Math.floor(good.length / 3)))).toMatchObject({ width: 400, height: 300 });
  });

  test.each<[string, () => Promise<Buffer | string>, string, RegExp]>([
    ['text file', async () => writeAndReturn('notes.jpg', 'not a photo'), 'unreadable', /^Not an image sharp can read/],
    ['zero-byte file', async () => writeAndReturn('empty.jpg', ''), 'unreadable', /^Empty file/],
    ['empty buffer', async () => Buffer.alloc(0), 'unreadable', /^Empty file/],
    ['missing file', async () => path.join(dir, 'missing.jpg'), 'unreadable', /^File not found/],
  ])('%s → ImageError %s', async (_name, make, kind, message) => {
    const err = await readImageHeader(await make()).then(() => undefined, (e: unknown) => e);
    expect(err).toBeInstanceOf(ImageError);
    expect((err as ImageError).kind).toBe(kind);
    expect((err as ImageError).message).toMatch(message);
  });

  test('over the pixel limit → too_large', async () => {
    const err = await readImageHeader(await solid(300, 300).jpeg().toBuffer(), { limitInputPixels: 300 * 299 }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ImageError);
    expect(err).toMatchObject({ kind: 'too_large', message: 'Image is 300×300 (0 MP), over the 0 MP pixel limit; downscale it first' });
  });
});

describe('toImageError', () => {
  const ctx = { input: '/photos/event/IMG_1.heic', limitInputPixels: 268_402_689, timeoutSeconds: 30 };
  test.each<[string, string, string, RegExp]>([
    ['timeout', 'timeout: 92% complete\nVipsImage: killed for image "temp-1648"', 'too_large', /^Processing took longer than the 30 s timeout/],
    [
      'HEVC without a decoder',
      '/photos/event/IMG_1.heic: bad seek to 721125\nheif: Error while loading plugin: Support for this compression format has not been built in: HEVC (a suitable decoder plugin is libde265) (11.6003)',
      'unreadable',
      /^HEIC \(HEVC\) photos are not supported by this sharp build; convert them to JPEG first$/,
    ],
    ['older HEVC wording', 'heif: Unsupported feature: Unsupported codec (4.3000)', 'unreadable', /^HEIC \(HEVC\)/],
    ['bad Huffman code', 'VipsJpeg: Corrupt JPEG data: bad Huffman code', 'unreadable', /^Damaged or truncated image data \(VipsJpeg: Corrupt JPEG data: bad Huffman code\)/],
    ['anything else', 'vips_something: out of order\nsecond line', 'unreadable', /^Could not decode the image \(vips_something: out of order\); check the file/],
  ])('%s', async (_name, message, kind, expected) => {
    const e = await toImageError(new Error(message), ctx);
    expect(e).toBeInstanceOf(ImageError);
    expect(e.kind).toBe(kind);
    expect(e.message).toMatch(expected);
    expect(e.message).not.toMatch(/[\r\n]|\/photos\//);
    expect((e.cause as Error).message).toBe(message);
  });

  test('an ImageError passes through', async () => {
    const original = new ImageError('Already mapped', 'too_large');
    expect(await toImageError(original, ctx)).toBe(original);
  });
});

async function writeAndReturn(name: string, content: string): Promise<string> {
  const file = path.join(dir, name);
  await writeFile(file, content);
  return file;
}
