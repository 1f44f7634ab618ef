import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import sharp from 'sharp';
import { afterAll, describe, expect, it } from 'vitest';
import { readTemplateVars, renderTemplate } from '../../src/core/prompt/template.js';
import { readExif } from '../../src/core/images/exif.js';

/** What the template reads of the one EXIF reader: date and camera. */
const parseExifBasics = (buf: Buffer) => {
  const { date, camera } = readExif(buf);
  return { ...(date ? { date } : {}), ...(camera ? { camera } : {}) };
};

const roots: string[] = [];
async function tempDir(): Promise<string> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'photobatch-template-'));
  roots.push(dir);
  return dir;
}
afterAll(() => Promise.all(roots.map((r) => rm(r, { recursive: true, force: true }))));

function canvas() {
  return sharp({ create: { width: 16, height: 12, channels: 3, background: { r: 200, g: 30, b: 30 } } });
}

const exif = {
  IFD0: { Make: 'Canon', Model: 'Canon EOS R5' },
  IFD2: { DateTimeOriginal: '2024:02:10 19:30:05' },
};

/**
 * A minimal TIFF, the layout CR2, NEF, ARW and DNG share: IFD0 with Make, Model and an
 * Exif IFD pointer, then DateTimeOriginal. (libvips does not write EXIF tags into TIFFs.)
 */
function craftTiff(order: 'II' | 'MM', make: string, model: string, date: string): Buffer {
  const strings = Buffer.from(`${make}\0${model}\0${date}\0`, 'latin1');
  const ifd0At = 8;
  const exifAt = ifd0At + 2 + 3 * 12 + 4;
  const dataAt = exifAt + 2 + 12 + 4;
  const buf = Buffer.alloc(dataAt + strings.length);
  const u16 = (v: number, at: number) => (order === 'II' ? buf.writeUInt16LE(v, at) : buf.writeUInt16BE(v, at));
  const u32 = (v: number, at: number) => (order === 'II' ? buf.writeUInt32LE(v, at) : buf.writeUInt32BE(v, at));
  buf.write(order, 0, 'latin1');
  u16(42, 2);
  u32(ifd0At, 4);
  const entry = (at: number, tag: number, type: number, count: number, value: number) => {
    u16(tag, at);
    u16(type, at + 2);
    u32(count, at + 4);
    u32(value, at + 8);
  };
  u16(3, ifd0At);
  entry(ifd0At + 2, 0x010f, 2, make.length + 1, dataAt);
  entry(ifd0At + 14, 0x0110, 2, model.length + 1, dataAt + make.length + 1);
  entry(ifd0At + 26, 0x8769, 4, 1, exifAt);
  u16(1, exifAt);
  entry(exifAt + 2, 0x9003, 2, date.length + 1, dataAt + make.length + model.length + 2);
  strings.copy(buf, dataAt);
  return buf;
}

describe('renderTemplate', () => {
  const vars = { filename: 'IMG_0001.CR2', folder: 'tet/booth', date: '2024-02-10 19:30:05', camera: 'Canon EOS R5', context: 'Smith family' };

  it('fills the known variables', () => {
    expect(renderTemplate('{filename} in {folder}, {date}, {camera}. {context}', vars)).toBe(
      'IMG_0001.CR2 in tet/booth, 2024-02-10 19:30:05, Canon EOS R5. Smith family',
    );
  });

  it('leaves unknown braces alone so JSON examples in prompt files survive', () => {
    expect(renderTemplate('Answer like {"caption": "..."} for {filename} {nope}', vars)).toBe(
      'Answer like {"caption": "..."} for IMG_0001.CR2 {nope}',
    );
  });

  it('says "unknown" for a missing date or camera and nothing for a missing context', () => {
    expect(renderTemplate('[{date}] [{camera}] [{context}]', { filename: 'a.jpg', folder: 'x' })).toBe('[unknown] [unknown] []');
  });
});

describe('the EXIF reader: date and camera', () => {
  it('reads Make, Model and DateTimeOriginal from a JPEG', async () => {
    const jpeg = await canvas().jpeg().withExif(exif).toBuffer();
    expect(parseExifBasics(jpeg)).toEqual({ date: '2024-02-10 19:30:05', camera: 'Canon EOS R5' });
  });

  it('reads a little-endian TIFF-based file, dropping the brand Model repeats', () => {
    const tiff = craftTiff('II', 'NIKON CORPORATION', 'NIKON Z 6', '2023:01:22 08:00:00');
    expect(parseExifBasics(tiff)).toEqual({ date: '2023-01-22 08:00:00', camera: 'NIKON Z 6' });
  });

  it('reads a big-endian TIFF and a bare EXIF block with its "Exif\\0\\0" prefix', () => {
    const tiff = craftTiff('MM', 'FUJIFILM', 'X-T5', '2025:01:29 09:15:00');
    const expected = { date: '2025-01-29 09:15:00', camera: 'FUJIFILM X-T5' };
    expect(parseExifBasics(tiff)).toEqual(expected);
    expect(parseExifBasics(Buffer.concat([Buffer.from('Exif\0\0', 'latin1'), tiff]))).toEqual(expected);
  });

  it('reads the orientation, date and camera of one block in one pass, as sharp and ExifTool see them', async () => {
    const jpeg = await canvas().jpeg().withMetadata({ orientation: 6 }).withExif(exif).toBuffer();
    expect((await sharp(jpeg).metadata()).orientation).toBe(6);
    expect(readExif(jpeg)).toEqual({ orientation: 6, date: '2024-02-10 19:30:05', camera: 'Canon EOS R5' });
  });

  it('ignores an unset camera clock and survives garbage and truncation', async () => {
    expect(parseExifBasics(craftTiff('MM', 'Sony', 'ILCE-7M4', '0000:00:00 00:00:00'))).toEqual({ camera: 'Sony ILCE-7M4' });
    expect(parseExifBasics(Buffer.from('not an image at all'))).toEqual({});
    const jpeg = await canvas().jpeg().withExif(exif).toBuffer();
    for (const cut of [3, 20, 60, 120]) expect(() => parseExifBasics(jpeg.subarray(0, cut))).not.toThrow();
  });
});

describe('readTemplateVars', () => {
  it('uses the relative folder and the file head', async () => {
    const dir = await tempDir();
    const file = path.join(dir, 'tet', 'booth', 'IMG_0001.jpg');
    await mkdir(path.dirname(file), { recursive: true });
    await writeFile(file, await canvas().jpeg().withExif(exif).toBuffer());
    const vars = await readTemplateVars({ path: file, file: 'tet/booth/IMG_0001.jpg' });
    expect(vars).toEqual({ filename: 'IMG_0001.jpg', folder: 'tet/booth', date: '2024-02-10 19:30:05', camera: 'Canon EOS R5' });
  });

  it('names the parent folder for a photo at the input root and prefers a given buffer', async () => {
    const dir = await tempDir();
    const file = path.join(dir, 'Wedding_Smith', 'a.jpg');
    await mkdir(path.dirname(file), { recursive: true });
    await writeFile(file, await canvas().jpeg().toBuffer());
    const withExif = await canvas().jpeg().withExif(exif).toBuffer();
    const vars = await readTemplateVars({ path: file, file: 'a.jpg' }, withExif);
    expect(vars).toMatchObject({ filename: 'a.jpg', folder: 'Wedding_Smith', camera: 'Canon EOS R5' });
  });

  it('falls back to libvips for containers it does not walk (PNG)', async () => {
    const png = await canvas().png().withExif(exif).toBuffer();
    const vars = await readTemplateVars({ path: '/nowhere/x.png', file: 'x.png' }, png);
    expect(vars).toMatchObject({ date: '2024-02-10 19:30:05', camera: 'Canon EOS R5' });
  });

  it('has no date or camera when the photo has no EXIF or cannot be read', async () => {
    const dir = await tempDir();
    const file = path.join(dir, 'plain.jpg');
    await writeFile(file, await canvas().jpeg().toBuffer());
    expect(await readTemplateVars({ path: file, file: 'plain.jpg' })).toEqual({ filename: 'plain.jpg', folder: path.basename(dir) });
    const missing = await readTemplateVars({ path: path.join(dir, 'gone.jpg'), file: 'gone.jpg' });
    expect(missing.date).toBeUndefined();
    expect(missing.camera).toBeUndefined();
  });
});
