/**
 * preparePhoto and readImageHeader over the real test photos beside the project
 * (../shared/photos, or $PHOTOBATCH_PHOTOS). Found by path, never copied into the repo;
 * the suite is skipped when the folder is absent.
 */
import { existsSync, readdirSync, statSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import sharp from 'sharp';
import { describe, expect, test } from 'vitest';
import { ImageError } from '../../../src/core/errors.js';
import { readImageHeader } from '../../../src/core/images/header.js';
import { preparePhoto, type PreparedPhoto } from '../../../src/core/images/prepare.js';
import { familyFor, modelTargetSize } from '../../../src/core/pricing/image-tokens.js';

const repoRoot = fileURLToPath(new URL('../../../', import.meta.url));
const photos = path.resolve(repoRoot, process.env.PHOTOBATCH_PHOTOS ?? '../shared/photos');
const present = existsSync(path.join(photos, 'real'));

const files = present
  ? readdirSync(photos)
      .filter((d) => statSync(path.join(photos, d)).isDirectory())
      .flatMap((d) => readdirSync(path.join(photos, d)).map((f) => `${d}/${f}`))
      .filter((f) => statSync(path.join(photos, f)).isFile())
      .sort()
  : [];
const at = (rel: string) => path.join(photos, rel);

const MAX_EDGE = 2048;
const claude = familyFor('anthropic/claude-sonnet-4.5');
const target = (w: number, h: number) => modelTargetSize(claude, w, h, MAX_EDGE);

type Outcome = { ok: PreparedPhoto } | { err: ImageError };
const outcomes = new Map<string, Promise<Outcome>>();
/** Each photo is prepared once and shared by the tests below. */
function prepared(rel: string): Promise<Outcome> {
  let p = outcomes.get(rel);
  if (!p) {
    p = preparePhoto(at(rel), { maxEdge: MAX_EDGE, quality: 80, target }).then(
      (ok) => ({ ok }),
      (err: unknown) => {
        if (err instanceof ImageError) return { err };
        throw err;
      },
    );
    outcomes.set(rel, p);
  }
  return p;
}

/** Files whose outcome the corpus README pins down (checked only if present). */
const expectedFailures: Record<string, { kind: string; message: RegExp }> = {
  'huge/giant-image.jpg': { kind: 'too_large', message: /^Image is 20000×14000 \(280 MP\), over the 268 MP pixel limit/ },
  'broken/truncated.jpg': { kind: 'unreadable', message: /premature end of JPEG image/ },
  'broken/truncated.png': { kind: 'unreadable', message: /read error/ },
  'broken/corrupt-header.jpg': { kind: 'unreadable', message: /^Damaged image header/ },
  // The embedded JPEGs of these stripped sample files are 8×8 px: found, but too small to describe.
  'raw/FujiFilm.raf': { kind: 'unreadable', message: /^No usable embedded JPEG preview in this RAW file \(the largest is 8×8 px/ },
  'raw/Panasonic.rw2': { kind: 'unreadable', message: /^No usable embedded JPEG preview in this RAW file \(the largest is 8×8 px/ },
  'raw/sony-zv-e10-truncated.arw': { kind: 'unreadable', message: /^No usable embedded JPEG preview in this RAW file \(the preview is cut off/ },
};

async function thumb(jpeg: Buffer): Promise<Buffer> {
  return sharp(jpeg).resize(32, 32, { fit: 'fill' }).removeAlpha().raw().toBuffer();
}
const meanAbsDiff = (a: Buffer, b: Buffer) => a.reduce((s, v, i) => s + Math.abs(v - b[i]!), 0) / a.length;

describe.skipIf(!present)(`corpus at ${photos}`, () => {
  test.each(files)('%s: a clean JPEG or a one-line ImageError', async (rel) => {
    const outcome = await prepared(rel);
    if ('err' in outcome) {
      const { err } = outcome;
      expect(['unreadable', 'too_large']).toContain(err.kind);
      expect(err.message).not.toMatch(/[\r\n]/);
      expect(err.message.length).toBeLessThan(200);
      expect(err.message).not.toContain(photos);
      return;
    }
    const { ok } = outcome;
    const m = await sharp(ok.data).metadata();
    expect(m.format).toBe('jpeg');
    expect(m.space).toBe('srgb');
    expect(m.channels).toBe(3);
    expect(m.exif).toBeUndefined();
    expect(m.icc).toBeUndefined();
    expect(m.xmp).toBeUndefined();
    expect(m.gainMap).toBeUndefined(); // Ultra HDR (real/gain-map.jpg): plain SDR JPEG out
    expect(m.orientation).toBeUndefined();
    expect([m.width, m.height]).toEqual([ok.width, ok.height]);
    const box = target(ok.sourceWidth, ok.sourceHeight);
    expect(ok.width).toBeLessThanOrEqual(box.width);
    expect(ok.height).toBeLessThanOrEqual(box.height);
    expect(Math.max(ok.width, ok.height)).toBeLessThanOrEqual(MAX_EDGE);
    // Aspect ratio kept (within rounding).
    expect(Math.abs(ok.width / ok.height - ok.sourceWidth / ok.sourceHeight)).toBeLessThan(0.02 * (ok.sourceWidth / ok.sourceHeight) + 0.02);
  });

  test('known failures have the right kind and message', async () => {
    for (const [rel, want] of Object.entries(expectedFailures)) {
      if (!existsSync(at(rel))) continue;
      const outcome = await prepared(rel);
      expect('err' in outcome, rel).toBe(true);
      if ('err' in outcome) {
        expect(outcome.err.kind, rel).toBe(want.kind);
        expect(outcome.err.message, rel).toMatch(want.message);
      }
    }
  });

  test('everyday photos, formats, HEIC and misnamed files all come out', async () => {
    const mustWork = files.filter((f) => f.startsWith('real/') || f.startsWith('orientation/') || f.startsWith('formats/') || f.startsWith('heic/'));
    mustWork.push(...['raw/jpeg-misnamed.nef', 'raw/canon_eos_6d.dng'].filter((f) => files.includes(f)));
    for (const rel of mustWork) {
      const outcome = await prepared(rel);
      expect('ok' in outcome ? 'ok' : (outcome as { err: ImageError }).err.message, rel).toBe('ok');
    }
  });

  test.each(['Landscape', 'Portrait'])('orientation/%s_1..8 all come out upright with the same size', async (kind) => {
    const names = Array.from({ length: 8 }, (_, i) => `orientation/${kind}_${i + 1}.jpg`).filter((f) => files.includes(f));
    if (names.length === 0) return;
    const results = await Promise.all(names.map(async (rel) => (await prepared(rel)) as { ok: PreparedPhoto }));
    const first = results[0]!.ok;
    expect(kind === 'Landscape' ? first.width > first.height : first.height > first.width).toBe(true);
    const ref = await thumb(first.data);
    for (const [i, r] of results.entries()) {
      expect([r.ok.width, r.ok.height], names[i]).toEqual([first.width, first.height]);
      // The same picture: turned and un-mirrored (a wrong turn or mirror differs by 40–60 levels; these by ~2).
      expect(meanAbsDiff(ref, await thumb(r.ok.data)), names[i]).toBeLessThan(10);
    }
  });

  test('real/canon_hdr_NO.jpg (EXIF orientation 6) comes out portrait', async () => {
    if (!files.includes('real/canon_hdr_NO.jpg')) return;
    const { ok } = (await prepared('real/canon_hdr_NO.jpg')) as { ok: PreparedPhoto };
    expect([ok.sourceWidth, ok.sourceHeight]).toEqual([1536, 2048]);
    expect(ok.height).toBeGreaterThan(ok.width);
  });

  test('GPS photos (real/DSCN00*.jpg) leave without EXIF', async () => {
    const gps = files.filter((f) => /^real\/DSCN00.*\.jpg$/i.test(f));
    for (const rel of gps) {
      expect((await sharp(at(rel)).metadata()).exif, rel).toBeDefined();
      const { ok } = (await prepared(rel)) as { ok: PreparedPhoto };
      expect((await sharp(ok.data).metadata()).exif, rel).toBeUndefined();
      expect(ok.data.includes('Exif\0\0'), rel).toBe(false);
    }
  });

  test('a 12 MP photo under Claude is sent at 1269×952 (the size Claude uses)', async () => {
    const twelve = files.find((f) => f === 'real/42_IndexError.jpg');
    if (!twelve) return;
    const { ok } = (await prepared(twelve)) as { ok: PreparedPhoto };
    expect([ok.sourceWidth, ok.sourceHeight]).toEqual([4032, 3024]);
    expect([ok.width, ok.height]).toEqual([1269, 952]);
  });

  test.each(files)('%s: header agrees with preparePhoto', async (rel) => {
    const outcome = await prepared(rel);
    const header = await readImageHeader(at(rel)).then(
      (h) => ({ h }),
      (e: unknown) => ({ e }),
    );
    if ('h' in header) {
      // Damaged pixel data is only found when decoding; everything the header accepts has a size.
      if ('ok' in outcome) expect([header.h.width, header.h.height]).toEqual([outcome.ok.sourceWidth, outcome.ok.sourceHeight]);
      else expect(outcome.err.kind).not.toBe('too_large');
      return;
    }
    // What the header rejects, preparePhoto rejects the same way.
    expect(header.e).toBeInstanceOf(ImageError);
    expect('err' in outcome).toBe(true);
    if ('err' in outcome) {
      expect((header.e as ImageError).kind).toBe(outcome.err.kind);
      expect((header.e as ImageError).message).toBe(outcome.err.message);
    }
  });
});
