import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { ExifTool } from 'exiftool-vendored';
import sharp from 'sharp';
import { afterAll, describe, expect, it } from 'vitest';
import { preparePhoto } from '../../../src/core/images/prepare.js';
import { newJpegFacts, stripJpegMetadata, type JpegFacts } from '../../../src/core/images/jpeg-strip.js';
import { CORPUS, HAVE_CORPUS } from '../../helpers/corpus.js';
import { jpegScanData } from '../../helpers/metadata-readers.js';

const exiftool = new ExifTool({ maxProcs: 1 });
const tmp = mkdtemp(path.join(os.tmpdir(), 'pb-strip-'));
afterAll(async () => {
  await exiftool.end();
  await rm(await tmp, { recursive: true, force: true });
});

async function cameraJpeg(orientation?: number, width = 640, height = 480): Promise<Buffer> {
  const noise = Buffer.alloc(width * height * 3);
  for (let i = 0; i < noise.length; i++) noise[i] = (i * 7919 + (i >> 8) * 31) & 0xff;
  let img = sharp(noise, { raw: { width, height, channels: 3 } }).blur(1.2).jpeg({ quality: 85 })
    .withExif({ IFD0: { Make: 'Canon', Model: 'EOS R6', Copyright: 'secret-owner' }, IFD3: { GPSLatitudeRef: 'N', GPSLatitude: '21/1 1/1 30/1' } });
  if (orientation) img = img.withMetadata({ orientation });
  return img.toBuffer();
}

/** Every tag ExifTool finds, by group ("EXIF:Make", "XMP:Creator", "IPTC:By-line", ...). */
async function exiftoolGroups(jpeg: Buffer): Promise<Set<string>> {
  const file = path.join(await tmp, `read-${Math.random().toString(36).slice(2)}.jpg`);
  await writeFile(file, jpeg);
  const tags = await exiftool.readRaw(file, ['-G0', '-a']);
  return new Set(Object.keys(tags).map((k) => k.split(':')[0]!));
}

/** The JPEG with its APP2 ICC_PROFILE segments cut out (everything else byte for byte). */
function withoutIcc(jpeg: Buffer): Buffer {
  const keep: Buffer[] = [jpeg.subarray(0, 2)];
  let pos = 2;
  while (jpeg[pos] === 0xff && jpeg[pos + 1] !== 0xda) {
    const end = pos + 2 + jpeg.readUInt16BE(pos + 2);
    if (!(jpeg[pos + 1] === 0xe2 && jpeg.toString('latin1', pos + 4, pos + 16) === 'ICC_PROFILE\0')) keep.push(jpeg.subarray(pos, end));
    pos = end;
  }
  return Buffer.concat([...keep, jpeg.subarray(pos)]);
}

/** Sent as the camera encoded it: the entropy-coded data is the original's, byte for byte. */
function sentAsIs(original: Buffer, sent: Buffer): boolean {
  return jpegScanData(sent).equals(jpegScanData(original).subarray(0, jpegScanData(sent).length));
}

const opts = { maxEdge: 2048, quality: 80 };

describe('JPEGs that need nothing but their metadata dropped', () => {
  it('are sent with the same pixels and size, no EXIF/GPS, and no second encode', async () => {
    const original = await cameraJpeg();
    expect(original.includes(Buffer.from('secret-owner'))).toBe(true);
    const prepared = await preparePhoto(original, opts);
    expect([prepared.width, prepared.height]).toEqual([640, 480]);
    expect(sentAsIs(original, prepared.data)).toBe(true);
    expect(prepared.data.includes(Buffer.from('secret-owner'))).toBe(false);
    const meta = await sharp(prepared.data).metadata();
    expect([meta.width, meta.height, meta.exif, meta.orientation]).toEqual([640, 480, undefined, undefined]);
    const [a, b] = await Promise.all([sharp(original).raw().toBuffer(), sharp(prepared.data).raw().toBuffer()]);
    expect(a.equals(b)).toBe(true);
  });

  it('ExifTool finds no EXIF, GPS, XMP, IPTC, ICC or maker notes in what is sent (written by ExifTool itself)', async () => {
    const file = path.join(await tmp, 'tagged.jpg');
    await writeFile(file, await cameraJpeg());
    await exiftool.write(file, {
      'IPTC:By-line': 'secret-photographer', 'XMP:Creator': 'secret-creator', 'XMP:Description': 'secret-caption',
      'GPS:GPSLatitude': 21.5, 'GPS:GPSLatitudeRef': 'N', 'EXIF:Artist': 'secret-artist', 'File:Comment': 'secret-comment',
    } as never, { writeArgs: ['-overwrite_original'] });
    const original = await readFile(file);
    const before = await exiftoolGroups(original);
    for (const g of ['EXIF', 'XMP', 'IPTC']) expect(before).toContain(g);
    const prepared = await preparePhoto(original, opts);
    expect(sentAsIs(original, prepared.data)).toBe(true);
    const after = await exiftoolGroups(prepared.data);
    for (const g of ['EXIF', 'XMP', 'IPTC', 'ICC_Profile', 'MakerNotes', 'Photoshop', 'JFIF']) expect(after).not.toContain(g);
    expect(prepared.data.toString('latin1')).not.toMatch(/secret/);
  });

  it.skipIf(!HAVE_CORPUS)('a real camera photo with GPS (DSCN0010, 640×480) leaves without its GPS', async () => {
    const original = await readFile(path.join(CORPUS, 'real/DSCN0010.jpg'));
    expect(await exiftoolGroups(original)).toContain('EXIF');
    const prepared = await preparePhoto(original, opts);
    expect(sentAsIs(original, prepared.data)).toBe(true);
    expect([prepared.width, prepared.height]).toEqual([640, 480]);
    const after = await exiftoolGroups(prepared.data);
    for (const g of ['EXIF', 'XMP', 'IPTC', 'MakerNotes']) expect(after).not.toContain(g);
  });

  it('notes the frame, EXIF and ICC before the first scan, where the caller may stop the walk', async () => {
    const original = await cameraJpeg(6);
    const seen: JpegFacts[] = [];
    const facts = newJpegFacts();
    expect(stripJpegMetadata(original, facts, (f) => (seen.push({ ...f }), false))).toBeUndefined();
    expect(seen).toHaveLength(1);
    expect(seen[0]).toMatchObject({ width: 640, height: 480, components: 3, icc: true });
    expect(seen[0]!.exif).toHaveLength(1);
    // Let through, the walk gives the same bytes as without a caller.
    expect(stripJpegMetadata(original, newJpegFacts(), () => true)!.equals(stripJpegMetadata(original)!)).toBe(true);
  });

  it('cuts what follows the image (an MPF second image, a phone trailer) with its metadata', async () => {
    const original = Buffer.concat([await cameraJpeg(), Buffer.from('\xff\xd8\xff\xe1secret-trailer-exif\xff\xd9', 'latin1')]);
    const prepared = await preparePhoto(original, opts);
    expect(prepared.data.includes(Buffer.from('secret-trailer'))).toBe(false);
    expect(prepared.data.subarray(-2)).toEqual(Buffer.from([0xff, 0xd9]));
  });

  it('the contact-sheet thumbnail: the sent bytes up to twice its size, one shrink-on-load decode beyond', async () => {
    const small = await preparePhoto(await cameraJpeg(), { ...opts, thumbnailPx: 320 });
    expect(small.thumbnail).toBe(small.data);
    const larger = await preparePhoto(await cameraJpeg(undefined, 800, 600), { ...opts, thumbnailPx: 320 });
    expect(sentAsIs(await cameraJpeg(undefined, 800, 600), larger.data)).toBe(true);
    const meta = await sharp(larger.thumbnail!).metadata();
    expect([meta.format, meta.width, meta.height, meta.exif]).toEqual(['jpeg', 320, 240, undefined]);
  });
});

describe('JPEGs that need more still go through sharp', () => {
  it('a rotated one is turned upright (re-encoded), with no EXIF left', async () => {
    const original = await cameraJpeg(6);
    const prepared = await preparePhoto(original, opts);
    expect([prepared.width, prepared.height]).toEqual([480, 640]);
    expect(sentAsIs(original, prepared.data)).toBe(false);
    expect((await sharp(prepared.data).metadata()).exif).toBeUndefined();
  });

  it('every EXIF turn (2–8) is applied by sharp, none sent as it is; orientation 1 is', async () => {
    for (let o = 1; o <= 8; o++) {
      // Without the sRGB profile sharp adds with the orientation: only the turn can keep it from being sent as it is.
      const original = withoutIcc(await cameraJpeg(o));
      expect((await sharp(original).metadata()).icc).toBeUndefined();
      const prepared = await preparePhoto(original, opts);
      expect(sentAsIs(original, prepared.data), `orientation ${o}`).toBe(o === 1);
      expect([prepared.width, prepared.height], `orientation ${o}`).toEqual(o >= 5 ? [480, 640] : [640, 480]);
    }
  });

  it('one whose EXIF block photobatch cannot read is left to libvips (re-encoded), not sent as it is', async () => {
    const original = Buffer.from(await cameraJpeg(6));
    const exif = original.indexOf('Exif\0\0', 0, 'latin1');
    original.write('QQ', exif + 6, 'latin1'); // the TIFF byte order mark: neither II nor MM
    const prepared = await preparePhoto(original, opts);
    expect(sentAsIs(original, prepared.data)).toBe(false);
  });

  it('one with a non-sRGB ICC profile (Display P3) is converted to sRGB', async () => {
    const original = await sharp(await cameraJpeg()).withIccProfile('p3').jpeg({ quality: 85 }).toBuffer();
    expect((await sharp(original).metadata()).icc).toBeDefined();
    const prepared = await preparePhoto(original, opts);
    expect(sentAsIs(original, prepared.data)).toBe(false);
    expect((await sharp(prepared.data).metadata()).icc).toBeUndefined();
  });

  it('one larger than the model needs is resized', async () => {
    const original = await cameraJpeg();
    const prepared = await preparePhoto(original, { maxEdge: 320, quality: 80 });
    expect([prepared.width, prepared.height]).toEqual([320, 240]);
    expect(sentAsIs(original, prepared.data)).toBe(false);
  });

  it.skipIf(!HAVE_CORPUS)('a CMYK one is converted to 3-channel sRGB', async () => {
    const original = await readFile(path.join(CORPUS, 'formats/Channel_digital_image_CMYK_color.jpg'));
    expect(stripJpegMetadata(original)).toBeUndefined();
    const prepared = await preparePhoto(original, { maxEdge: 4096, quality: 80 });
    const meta = await sharp(prepared.data).metadata();
    expect([meta.space, meta.channels]).toEqual(['srgb', 3]);
  });

  it.skipIf(!HAVE_CORPUS)('a restart marker out of sequence is not sent unread', async () => {
    // nikon-e950.jpg: a real camera file with a restart interval (DRI 100, 74 restart markers).
    const original = await readFile(path.join(CORPUS, 'real/nikon-e950.jpg'));
    expect(stripJpegMetadata(original)).toBeDefined();
    const damaged = Buffer.from(original);
    const scan = damaged.length - jpegScanData(damaged).length;
    const rst = damaged.indexOf(Buffer.from([0xff, 0xd3]), scan);
    damaged[rst + 1] = 0xd5;
    expect(stripJpegMetadata(damaged)).toBeUndefined();
    const lastRst = damaged.lastIndexOf(Buffer.from([0xff, 0xd1]));
    const missing = Buffer.concat([original.subarray(0, lastRst), original.subarray(lastRst + 2)]);
    expect(stripJpegMetadata(missing)).toBeUndefined();
  });

  it('a truncated one is rejected with the one-line error of the full decode', async () => {
    const original = await cameraJpeg();
    const cut = original.subarray(0, original.length - 5000);
    expect(stripJpegMetadata(cut)).toBeUndefined();
    await expect(preparePhoto(cut, opts)).rejects.toThrow(/^Damaged or truncated image data \(.*\); copy the file again or re-export it$/);
  });

  it.skipIf(!HAVE_CORPUS)('the broken files of the corpus fail exactly as they do when resized', async () => {
    for (const name of ['corrupted.jpg', 'truncated.jpg', 'corrupt-header.jpg']) {
      const original = await readFile(path.join(CORPUS, 'broken', name));
      const reason = async (maxEdge: number) => preparePhoto(original, { maxEdge, quality: 80, thumbnailPx: 320 }).then(() => 'sent', (e: Error) => e.message);
      const asIs = await reason(8192); // big enough to be sent as it is, if it were whole
      expect(asIs, name).toMatch(/^Damaged/);
      expect(asIs, name).toBe(await reason(256));
    }
  });

  it.skipIf(!HAVE_CORPUS)('every whole real JPEG the check accepts decodes to the same pixels after stripping', async () => {
    for (const name of ['real/DSCN0010.jpg', 'real/nikon-e950.jpg', 'real/canon_hdr_NO.jpg', 'real/Landscape_9.jpg', 'real/flowers.jpeg']) {
      const original = await readFile(path.join(CORPUS, name));
      const stripped = stripJpegMetadata(original);
      expect(stripped, name).toBeDefined();
      const [a, b] = await Promise.all([sharp(original, { autoOrient: false }).raw().toBuffer(), sharp(stripped!, { autoOrient: false }).raw().toBuffer()]);
      expect(a.equals(b), name).toBe(true);
    }
  });
});
