import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import { preparePhoto } from '../../../src/core/images/prepare.js';
import { stripJpegMetadata } from '../../../src/core/images/jpeg-strip.js';

async function cameraJpeg(orientation?: number): Promise<Buffer> {
  const noise = Buffer.alloc(640 * 480 * 3);
  for (let i = 0; i < noise.length; i++) noise[i] = (i * 7919 + (i >> 8) * 31) & 0xff;
  let img = sharp(noise, { raw: { width: 640, height: 480, channels: 3 } }).blur(1.2).jpeg({ quality: 85 })
    .withExif({ IFD0: { Make: 'Canon', Model: 'EOS R6', Copyright: 'secret-owner' }, IFD3: { GPSLatitudeRef: 'N', GPSLatitude: '21/1 1/1 30/1' } });
  if (orientation) img = img.withMetadata({ orientation });
  return img.toBuffer();
}

describe('JPEGs that need nothing but their metadata dropped', () => {
  it('are sent with the same pixels, no EXIF/GPS, and no second encode', async () => {
    const original = await cameraJpeg();
    expect(original.includes(Buffer.from('secret-owner'))).toBe(true);
    const prepared = await preparePhoto(original, { maxEdge: 2048, quality: 80 });
    expect([prepared.width, prepared.height]).toEqual([640, 480]);
    expect(prepared.data.includes(Buffer.from('secret-owner'))).toBe(false);
    expect(prepared.data.includes(Buffer.from('Exif\0\0'))).toBe(false);
    const meta = await sharp(prepared.data).metadata();
    expect(meta.exif).toBeUndefined();
    expect(meta.orientation).toBeUndefined();
    // Lossless: the decoded pixels are identical to the original's.
    const [a, b] = await Promise.all([sharp(original).raw().toBuffer(), sharp(prepared.data).raw().toBuffer()]);
    expect(a.equals(b)).toBe(true);
  });

  it('the contact-sheet thumbnail comes from the same validating decode', async () => {
    const prepared = await preparePhoto(await cameraJpeg(), { maxEdge: 2048, quality: 80, thumbnailPx: 320 });
    const meta = await sharp(prepared.thumbnail!).metadata();
    expect([meta.format, meta.width, meta.height]).toEqual(['jpeg', 320, 240]);
  });

  it('a rotated one is still turned upright (re-encoded), with no EXIF left', async () => {
    const prepared = await preparePhoto(await cameraJpeg(6), { maxEdge: 2048, quality: 80 });
    expect([prepared.width, prepared.height]).toEqual([480, 640]);
    expect((await sharp(prepared.data).metadata()).exif).toBeUndefined();
  });

  it('a truncated or damaged one is still rejected', async () => {
    const original = await cameraJpeg();
    expect(stripJpegMetadata(original.subarray(0, original.length - 5000))).toBeUndefined();
    await expect(preparePhoto(original.subarray(0, original.length - 5000), { maxEdge: 2048, quality: 80 })).rejects.toThrow(/Damaged|truncated/i);
  });
});
