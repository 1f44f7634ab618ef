/**
 * HEIC without real HEVC data: synthetic containers for the orientation rules (irot/imir vs EXIF),
 * sizes, limits and errors, and the TIFF hand-off to sharp. Decoding real photos is in heic-raw-corpus.
 */
import sharp from 'sharp';
import { describe, expect, onTestFinished, test } from 'vitest';
import { chooseHeicDecoder, configureHeicDecoder } from '../../../src/core/images/heic-native.js';

const HAVE_NATIVE = (await chooseHeicDecoder({ PATH: process.env.PATH })).kind === 'native';
import { ImageError } from '../../../src/core/errors.js';
import { bufferSource } from '../../../src/core/images/bytes.js';
import { detectFormat } from '../../../src/core/images/detect.js';
import { planHeic } from '../../../src/core/images/heic.js';
import { isHeicDecoderLoaded } from '../../../src/core/images/heic-decoder.js';
import { readImageHeader } from '../../../src/core/images/header.js';
import { preparePhoto } from '../../../src/core/images/prepare.js';
import { tiffHeaderBytes, writeTiffHeader } from '../../../src/core/images/tiff-write.js';
import { box, buildTiff, splitJpeg } from './raw-fixtures.js';

const full = (type: string, version: number, ...parts: Buffer[]) => box(type, Buffer.from([version, 0, 0, 0]), ...parts);
const u16 = (...v: number[]) => Buffer.concat(v.map((x) => Buffer.from([x >> 8, x & 255])));
const u32 = (...v: number[]) => Buffer.concat(v.map((x) => { const b = Buffer.alloc(4); b.writeUInt32BE(x); return b; }));
const text = (s: string) => Buffer.from(s, 'latin1');

interface Spec { width?: number; height?: number; irot?: number; imir?: boolean; exif?: number; itemType?: string; icc?: Buffer }

/** ftyp + meta (hdlr, pitm, iinf, iref, iprp, iloc) + mdat holding the Exif item and a stand-in for HEVC data. */
function heif(spec: Spec = {}): Buffer {
  const exifTiff = spec.exif === undefined ? undefined : buildTiff({ littleEndian: false, ifds: [[[0x0112, 3, spec.exif]]] });
  const exifItem = exifTiff ? Buffer.concat([u32(6), text('Exif\0\0'), exifTiff]) : Buffer.alloc(0);
  const hevc = Buffer.alloc(32, 0x42);
  const props = [full('ispe', 0, u32(spec.width ?? 4000, spec.height ?? 3000))];
  if (spec.icc) props.push(box('colr', text('prof'), spec.icc));
  if (spec.irot !== undefined) props.push(box('irot', Buffer.from([spec.irot])));
  if (spec.imir) props.push(box('imir', Buffer.from([0])));
  const build = (mdatAt: number) => {
    const infe = (id: number, type: string) => full('infe', 2, u16(id, 0), text(type), text('\0'));
    const items = [infe(1, spec.itemType ?? 'hvc1'), ...(exifTiff ? [infe(2, 'Exif')] : [])];
    const locs = [[1, mdatAt + exifItem.length, hevc.length], ...(exifTiff ? [[2, mdatAt, exifItem.length]] : [])];
    return full('meta', 0,
      full('hdlr', 0, u32(0), text('pict'), u32(0, 0, 0), text('\0')),
      full('pitm', 0, u16(1)),
      full('iinf', 0, u16(items.length), ...items),
      ...(exifTiff ? [full('iref', 0, box('cdsc', u16(2, 1, 1)))] : []),
      box('iprp', box('ipco', ...props), full('ipma', 0, u32(1), u16(1), Buffer.from([props.length, ...props.map((_, i) => 0x80 | (i + 1))]))),
      full('iloc', 0, Buffer.from([0x44, 0x00]), u16(locs.length), ...locs.map(([id, off, len]) => Buffer.concat([u16(id!, 0, 1), u32(off!, len!)]))),
    );
  };
  const ftyp = box('ftyp', text('heic'), u32(0), text('mif1heic'));
  const mdatAt = ftyp.length + build(0).length + 8;
  return Buffer.concat([ftyp, build(mdatAt), box('mdat', exifItem, hevc)]);
}

const rejection = async (p: Promise<unknown>) => {
  const e = await p.then(() => undefined, (err: unknown) => err);
  expect(e).toBeInstanceOf(ImageError);
  return e as ImageError;
};

describe('HEIC: the decoder is loaded only when a HEIC has to be decoded', () => {
  test('JPEGs, headers and pixel-limit rejections never load it', async () => {
    await preparePhoto(await splitJpeg(64, 48), { maxEdge: 64, quality: 80 });
    await readImageHeader(heif({ exif: 6 }));
    const huge = heif({ width: 20000, height: 14000 });
    const e = await rejection(preparePhoto(huge, { maxEdge: 512, quality: 80 }));
    expect([e.kind, e.message]).toEqual(['too_large', 'Image is 20000×14000 (280 MP), over the 268 MP pixel limit; downscale it first']);
    expect((await rejection(readImageHeader(huge))).message).toBe(e.message);
    expect(isHeicDecoderLoaded()).toBe(false);
  });

  test.each(['wasm', 'native'])('damaged HEVC data (%s decoder): a one-line unreadable error, and the decoder keeps working', async (decoder) => {
    if (decoder === 'native' && !HAVE_NATIVE) return;
    configureHeicDecoder({ PATH: process.env.PATH, PHOTOBATCH_HEIC_DECODER: decoder });
    onTestFinished(() => configureHeicDecoder(undefined));
    for (let i = 0; i < 2; i++) {
      const e = await rejection(preparePhoto(heif({ exif: 6 }), { maxEdge: 512, quality: 80 }));
      expect(e.kind).toBe('unreadable');
      expect(e.message).toMatch(/^Damaged or truncated HEIC data \(.+\); copy the file again or re-export it$/);
      expect(e.message).not.toMatch(/[\r\n]/);
    }
    if (decoder === 'wasm') expect(isHeicDecoderLoaded()).toBe(true);
  });
});

describe('HEIC: orientation from the container', () => {
  test.each<[string, Spec, { size: [number, number]; apply: number }]>([
    ['no transform box, EXIF 6: EXIF applies', { exif: 6 }, { size: [3000, 4000], apply: 6 }],
    ['no transform box, EXIF 3', { exif: 3 }, { size: [4000, 3000], apply: 3 }],
    ['no transform box, no EXIF', {}, { size: [4000, 3000], apply: 1 }],
    ['irot 90°, EXIF 6: libheif turns it, EXIF ignored', { irot: 1, exif: 6 }, { size: [3000, 4000], apply: 1 }],
    ['irot 180°, EXIF 6: EXIF ignored (no swap)', { irot: 2, exif: 6 }, { size: [4000, 3000], apply: 1 }],
    ['imir only, EXIF 8: EXIF ignored', { imir: true, exif: 8 }, { size: [4000, 3000], apply: 1 }],
  ])('%s', async (_name, spec, want) => {
    const file = heif(spec);
    expect(detectFormat(file)).toBe('heic');
    const plan = await planHeic(bufferSource(file));
    expect([plan!.width, plan!.height, plan!.orientation]).toEqual([...want.size, want.apply]);
    const header = await readImageHeader(file);
    expect(header).toEqual({ width: want.size[0], height: want.size[1], format: 'heif', compression: 'hevc', ...(spec.exif ? { orientation: spec.exif } : {}) });
  });

  test('an AV1 item under a generic HEIF brand is left to sharp', async () => {
    expect(await planHeic(bufferSource(heif({ itemType: 'av01' })))).toBeUndefined();
  });

  test('a damaged container: a clear error', async () => {
    const file = heif({ exif: 6 });
    const cut = file.subarray(0, 60); // inside the meta box
    const e = await rejection(readImageHeader(cut));
    expect(e.message).toBe('Damaged HEIC container (no primary image found); copy the file again or re-export it');
  });

  test('the ICC profile is read from the primary item', async () => {
    const icc = (await sharp(await splitJpeg(8, 8)).withIccProfile('p3').jpeg().toBuffer().then((b) => sharp(b).metadata())).icc!;
    expect((await planHeic(bufferSource(heif({ icc }))))!.info.icc!.equals(icc)).toBe(true);
  });
});

describe('the TIFF handed to sharp', () => {
  test.each<[3 | 4, number]>([[3, 1], [3, 6], [4, 8]])('%i channels, orientation %i, with an ICC profile', async (channels, orientation) => {
    const icc = (await sharp(await splitJpeg(8, 8)).withIccProfile('p3').jpeg().toBuffer().then((b) => sharp(b).metadata())).icc!;
    const [width, height] = [30, 20];
    const reserve = tiffHeaderBytes(icc.length);
    const out = Buffer.alloc(reserve + width * height * channels, 0x80);
    writeTiffHeader(out, { width, height, channels, orientation, icc });
    const meta = await sharp(out).metadata();
    expect(meta).toMatchObject({ format: 'tiff', width, height, channels, orientation, hasProfile: true });
    expect(meta.icc!.equals(icc)).toBe(true);
    const prepared = await preparePhoto(out, { maxEdge: 100, quality: 80 });
    expect([prepared.width, prepared.height]).toEqual(orientation >= 5 ? [height, width] : [width, height]);
  });
});
