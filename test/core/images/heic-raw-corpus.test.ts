/**
 * The shared HEIC and RAW photos (../shared/photos/{heic,raw}, or $PHOTOBATCH_PHOTOS): each one comes
 * out upright at a known size, or fails with a message that says why. Skipped when the folder is absent.
 */
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import sharp from 'sharp';
import { describe, expect, test } from 'vitest';
import { ImageError } from '../../../src/core/errors.js';
import { bufferSource, openFile } from '../../../src/core/images/bytes.js';
import { planHeic } from '../../../src/core/images/heic.js';
import { readImageHeader } from '../../../src/core/images/header.js';
import { preparePhoto, type PreparedPhoto } from '../../../src/core/images/prepare.js';
import { findRawPreview } from '../../../src/core/images/raw-preview.js';
import { CORPUS } from '../../helpers/corpus.js';

const at = (rel: string) => path.join(CORPUS, rel);
const present = existsSync(at('heic')) && existsSync(at('raw'));
const opts = { maxEdge: 1024, quality: 80 };

/** Upright size of each photo (looked at: every one is upright at this size), or the failure it must give. */
const expected: Record<string, { size: [number, number]; format: string } | { fails: string }> = {
  'heic/IMG_2927.HEIC': { size: [3024, 4032], format: 'heif' }, // irot box + EXIF 1
  'heic/IMG_5195.HEIC': { size: [2566, 3313], format: 'heif' }, // irot box, no EXIF
  'heic/iphone_7.heic': { size: [3024, 4032], format: 'heif' }, // no irot, EXIF 6: portrait, not sideways
  'heic/rainbow-451x461.heic': { size: [451, 461], format: 'heif' },
  'heic/samplefilehub.heif': { size: [640, 426], format: 'heif' },
  'raw/canon_eos_6d.dng': { size: [1024, 683], format: 'raw' }, // SubIFD1 preview, not IFD0's 256×171
  'raw/jpeg-misnamed.nef': { size: [2000, 3008], format: 'jpeg' },
  'raw/FujiFilm.raf': { fails: 'No usable embedded JPEG preview in this RAW file (the largest is 8×8 px, too small to describe); export a JPEG from your RAW editor' },
  'raw/Panasonic.rw2': { fails: 'No usable embedded JPEG preview in this RAW file (the largest is 8×8 px, too small to describe); export a JPEG from your RAW editor' },
  'raw/sony-zv-e10-truncated.arw': { fails: 'No usable embedded JPEG preview in this RAW file (the preview is cut off: truncated file?); export a JPEG from your RAW editor' },
};

const cache = new Map<string, Promise<PreparedPhoto | ImageError>>();
const prepared = (rel: string) => {
  if (!cache.has(rel)) cache.set(rel, preparePhoto(at(rel), opts).catch((e: unknown) => (e instanceof ImageError ? e : Promise.reject(e))));
  return cache.get(rel)!;
};
/** 16×16 RGB thumbnail, for comparing pictures. */
const thumb = (jpeg: Buffer) => sharp(jpeg).resize(16, 16, { fit: 'fill' }).removeAlpha().raw().toBuffer();
const diff = (a: Buffer, b: Buffer) => a.reduce((s, v, i) => s + Math.abs(v - b[i]!), 0) / a.length;
/** The first HEIC container box of that type, rewritten in place (same size) to make test variants. */
function patchIphone7(type: string, payload: number[]): Buffer {
  const b = Buffer.from(readFileSync(at('heic/iphone_7.heic')));
  const pixi = b.indexOf('pixi', 0, 'latin1') - 4; // a 16-byte property of the grid (primary) item only
  b.write(type, pixi + 4, 'latin1');
  b.fill(0, pixi + 8, pixi + 16);
  Buffer.from(payload).copy(b, pixi + 8);
  return b;
}

describe.skipIf(!present)(`HEIC and RAW photos in ${CORPUS}`, () => {
  test.each(Object.keys(expected).filter((rel) => existsSync(at(rel))))('%s', async (rel) => {
    const want = expected[rel]!;
    const out = await prepared(rel);
    const header = await readImageHeader(at(rel)).catch((e: unknown) => e as ImageError);
    if ('fails' in want) {
      expect(out).toBeInstanceOf(ImageError);
      expect([(out as ImageError).kind, (out as ImageError).message]).toEqual(['unreadable', want.fails]);
      expect((header as ImageError).message).toBe(want.fails); // the dry run says the same
      return;
    }
    if (out instanceof ImageError) throw out;
    expect([out.sourceWidth, out.sourceHeight, out.sourceFormat]).toEqual([...want.size, want.format]);
    expect(Math.max(out.width, out.height)).toBe(Math.min(1024, Math.max(...want.size)));
    expect(out.width > out.height).toBe(want.size[0] > want.size[1]);
    expect(header).toMatchObject({ width: want.size[0], height: want.size[1] });
    const meta = await sharp(out.data).metadata();
    expect([meta.format, meta.space, meta.exif, meta.icc, meta.orientation]).toEqual(['jpeg', 'srgb', undefined, undefined, undefined]);
  });

  test('iphone_7.heic is upright: sky at the top, stone and water at the bottom', async () => {
    const out = (await prepared('heic/iphone_7.heic')) as PreparedPhoto;
    const { data } = await sharp(out.data).resize(1, 4, { fit: 'fill' }).raw().toBuffer({ resolveWithObject: true });
    const [top, , , bottom] = [0, 1, 2, 3].map((i) => ({ r: data[i * 3]!, b: data[i * 3 + 2]! }));
    expect(top!.b - top!.r).toBeGreaterThan(60); // blue sky
    expect(bottom!.b - bottom!.r).toBeLessThan(30);
  });

  test('irot present: EXIF orientation is NOT applied a second time', async () => {
    const reference = await thumb(((await prepared('heic/iphone_7.heic')) as PreparedPhoto).data);
    // irot 270° (= 90° clockwise) agrees with the EXIF 6 the file also carries: the same upright picture.
    const agreeing = await preparePhoto(patchIphone7('irot', [3]), opts);
    expect([agreeing.sourceWidth, agreeing.sourceHeight]).toEqual([3024, 4032]);
    expect(diff(reference, await thumb(agreeing.data))).toBeLessThan(8);
    // irot 90° counter-clockwise wins over EXIF 6: portrait, turned 180° from the reference; not landscape.
    const contrary = await preparePhoto(patchIphone7('irot', [1]), opts);
    expect([contrary.sourceWidth, contrary.sourceHeight]).toEqual([3024, 4032]);
    expect(diff(reference, await thumb(await sharp(contrary.data).rotate(180).toBuffer()))).toBeLessThan(8);
    expect(await readImageHeader(patchIphone7('irot', [1]))).toMatchObject({ width: 3024, height: 4032 });
  });

  test('the ICC profile is found on the tiles when the grid has none (iphone_7), or on the grid (IMG_2927)', async () => {
    for (const rel of ['heic/iphone_7.heic', 'heic/IMG_2927.HEIC']) {
      const plan = await planHeic(bufferSource(readFileSync(at(rel))));
      expect(plan!.info.icc?.length, rel).toBeGreaterThan(100);
    }
  });

  test('a decode over the timeout fails as too_large, and the next decode works', async () => {
    const e = await preparePhoto(at('heic/IMG_5195.HEIC'), { ...opts, timeoutSeconds: 0.05 }).catch((err: unknown) => err as ImageError);
    expect(e).toBeInstanceOf(ImageError);
    expect([(e as ImageError).kind, (e as ImageError).message]).toEqual(['too_large', 'Processing took longer than the 0.05 s timeout (very large or complex image); downscale it first']);
    expect((await preparePhoto(at('heic/samplefilehub.heif'), opts)).sourceWidth).toBe(640);
  });

  test('several HEICs at once (the batch pool): all decoded, one at a time', async () => {
    const rels = ['heic/rainbow-451x461.heic', 'heic/samplefilehub.heif', 'heic/IMG_5195.HEIC'];
    const outs = await Promise.all(rels.map((rel) => preparePhoto(readFileSync(at(rel)), opts)));
    expect(outs.map((o) => o.sourceWidth)).toEqual([451, 640, 2566]);
  });

  test('RAF and RW2 previews are found (8×8 in these stripped sample files), and rejected only for size', async () => {
    for (const [rel, kind] of [['raw/FujiFilm.raf', 'raf'], ['raw/Panasonic.rw2', 'raw-tiff']] as const) {
      const file = await openFile(at(rel));
      try {
        const p = await findRawPreview(await file.source(), kind, { minEdge: 1 });
        expect([p.width, p.height], rel).toEqual([8, 8]);
      } finally {
        await file.close();
      }
    }
  });

  test('headers of HEIC and RAW read only the container: fast', async () => {
    const rels = Object.keys(expected).filter((rel) => existsSync(at(rel)));
    const t0 = performance.now();
    for (let i = 0; i < 10; i++) await Promise.all(rels.map((rel) => readImageHeader(at(rel)).catch(() => undefined)));
    expect((performance.now() - t0) / (10 * rels.length)).toBeLessThan(20); // ms a header, on a busy CI box
  });
});
