import sharp from 'sharp';
import { describe, expect, test } from 'vitest';
import { detectFormat } from '../../../src/core/images/detect.js';
import { buildTiff, splitJpeg } from './raw-fixtures.js';

const ftyp = (major: string, ...compatible: string[]) => {
  const b = Buffer.alloc(16 + compatible.length * 4);
  b.writeUInt32BE(b.length, 0);
  b.write(`ftyp${major}`, 4, 'latin1');
  compatible.forEach((c, i) => b.write(c, 16 + i * 4, 'latin1'));
  return b;
};
const bytes = (...values: (number | string)[]) =>
  Buffer.concat(values.map((v) => (typeof v === 'string' ? Buffer.from(v, 'latin1') : Buffer.from([v]))));

describe('detectFormat: magic numbers, not extensions', () => {
  test.each<[string, Buffer, string]>([
    ['JPEG', bytes(0xff, 0xd8, 0xff, 0xe0), 'jpeg'],
    ['PNG', bytes(0x89, 'PNG\r\n', 0x1a, '\n'), 'png'],
    ['GIF87a', bytes('GIF87a'), 'gif'],
    ['GIF89a', bytes('GIF89a'), 'gif'],
    ['WebP', bytes('RIFF', 0, 0, 0, 0, 'WEBPVP8 '), 'webp'],
    ['AVIF', ftyp('avif', 'mif1', 'miaf'), 'avif'],
    ['AVIF listing heic too', ftyp('mif1', 'avif', 'heic'), 'avif'],
    ['iPhone HEIC', ftyp('heic', 'mif1', 'miaf', 'MiHB'), 'heic'],
    ['HEIF with mif1 major', ftyp('mif1', 'heic'), 'heic'],
    ['generic HEIF (mif1 only)', ftyp('mif1', 'mif1'), 'heic'],
    ['HEIF sequence', ftyp('msf1', 'hevc'), 'heic'],
    ['Canon CR3', ftyp('crx ', 'crx ', 'isom'), 'cr3'],
    ['MP4 video', ftyp('isom', 'iso2', 'mp41'), 'unknown'],
    ['Fujifilm RAF', bytes('FUJIFILMCCD-RAW 0201FF383501'), 'raf'],
    ['Olympus ORF (IIRO)', bytes('IIRO', 8, 0, 0, 0), 'raw-tiff'],
    ['Olympus ORF (IIRS)', bytes('IIRS', 8, 0, 0, 0), 'raw-tiff'],
    ['Olympus ORF (MMOR)', bytes('MMOR', 0, 0, 0, 8), 'raw-tiff'],
    ['Panasonic RW2', bytes('IIU', 0, 8, 0, 0, 0), 'raw-tiff'],
    ['Canon CR2 signature', bytes('II*', 0, 16, 0, 0, 0, 'CR', 2, 0, 0, 0, 0, 0), 'raw-tiff'],
    ['BMP (sharp rejects it itself)', bytes('BM', 0, 0, 0, 0), 'unknown'],
    ['text', bytes('hello, world'), 'unknown'],
    ['empty', Buffer.alloc(0), 'unknown'],
    ['two bytes of JPEG', bytes(0xff, 0xd8), 'unknown'],
  ])('%s → %s', (_name, head, want) => {
    expect(detectFormat(head)).toBe(want);
  });

  test('a JPEG is a JPEG whatever its name', async () => {
    const jpeg = await splitJpeg(40, 30);
    for (const name of ['DSC_0001.NEF', 'x.dng', 'a.cr3', 'b.heic', 'c.tif']) expect(detectFormat(jpeg, name)).toBe('jpeg');
  });
});

describe('detectFormat: a TIFF photo vs a TIFF-based RAW', () => {
  const tif = () => sharp({ create: { width: 20, height: 10, channels: 3, background: '#123456' } }).tiff().toBuffer();

  test('a TIFF photo stays a TIFF, even named .nef when it has no camera Make', async () => {
    const photo = await tif();
    expect(detectFormat(photo)).toBe('tiff');
    expect(detectFormat(photo, 'scan.tif')).toBe('tiff');
    expect(detectFormat(photo, 'misnamed.NEF')).toBe('tiff');
  });

  test('DNGVersion makes a RAW whatever the name', () => {
    const dng = buildTiff({ ifds: [[[0x0100, 3, 16], [0xc612, 1, [1, 4, 0, 0]]]] });
    expect(detectFormat(dng)).toBe('raw-tiff');
    expect(detectFormat(dng, 'x.tif')).toBe('raw-tiff');
  });

  test('a camera Make with SubIFDs is a RAW; a camera Make alone needs a RAW extension', () => {
    const withSub = buildTiff({ ifds: [[[0x010f, 2, 'NIKON CORPORATION'], [0x014a, 4, { subIfds: true }]]], subIfds: [[[0x0100, 3, 8]]] });
    expect(detectFormat(withSub, 'x.tif')).toBe('raw-tiff');
    const makeOnly = buildTiff({ ifds: [[[0x010f, 2, 'SONY'], [0x0100, 3, 8]]] });
    expect(detectFormat(makeOnly, 'DSC0001.ARW')).toBe('raw-tiff');
    expect(detectFormat(makeOnly, 'camera.tif')).toBe('tiff');
    expect(detectFormat(makeOnly)).toBe('tiff');
  });

  test('a vendor RAW compression makes a RAW', () => {
    const nef = buildTiff({ ifds: [[[0x0103, 3, 34713]]] });
    expect(detectFormat(nef, 'x.tif')).toBe('raw-tiff');
  });

  test('a first IFD beyond the bytes given: the extension decides', () => {
    const head = bytes('II*', 0, 0, 0, 1, 0); // IFD0 at 65536
    expect(detectFormat(head, 'a.nef')).toBe('raw-tiff');
    expect(detectFormat(head, 'a.tiff')).toBe('tiff');
    expect(detectFormat(head, '.dng')).toBe('raw-tiff');
  });
});

describe('detectFormat: camera evidence without SubIFDs', () => {
  test('a camera Make with a thumbnail first (NewSubfileType 1) or a JPEG preview pointer is a RAW', () => {
    const thumbFirst = buildTiff({ ifds: [[[0x00fe, 4, 1], [0x010f, 2, 'PENTAX']]] });
    const pointer = buildTiff({ ifds: [[[0x010f, 2, 'SONY'], [0x0201, 4, 100], [0x0202, 4, 10]]] });
    expect(detectFormat(thumbFirst)).toBe('raw-tiff');
    expect(detectFormat(pointer)).toBe('raw-tiff');
  });
});
