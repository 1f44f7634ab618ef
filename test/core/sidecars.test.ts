import { mkdir, mkdtemp, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { ExifTool, type Tags } from 'exiftool-vendored';
import sharp from 'sharp';
import { afterAll, describe, expect, it } from 'vitest';
import {
  createSidecarWriter,
  photobatchExiftoolArgs,
  sidecarPath,
  type Provenance,
  type SidecarFields,
  type SidecarWriter,
} from '../../src/core/outputs/sidecars/index.js';

// Read back with a separate ExifTool, as Lightroom or a script would, configured for our namespace.
const reader = new ExifTool({ maxProcs: 1, exiftoolArgs: photobatchExiftoolArgs() });
// And one without the config: other tools must still see the provenance, under XMP-photobatch.
const plainReader = new ExifTool({ maxProcs: 1 });
const writers: SidecarWriter[] = [];
const roots: string[] = [];

afterAll(async () => {
  await Promise.all([...writers.map((w) => w.close()), reader.end(), plainReader.end()]);
  await Promise.all(roots.map((r) => rm(r, { recursive: true, force: true })));
});

const provenance: Provenance = { model: 'google/gemini-2.5-flash', promptHash: 'sha256:ab12cd34', costUsd: 0.00012, date: '2025-01-29T10:00:00.000Z' };

const fields: SidecarFields = {
  caption: 'Gia đình cười bên đèn lồng đỏ.',
  headline: 'Tết at the booth',
  altText: 'Three people holding red lanterns',
  keywords: ['đèn lồng', 'gia đình'],
  byLang: {
    vi: { caption: 'Gia đình cười bên đèn lồng đỏ.', altText: 'Ba người cầm đèn lồng đỏ', keywords: ['đèn lồng', 'gia đình'] },
    en: { caption: 'A family laughs by red lanterns.', altText: 'Three people holding red lanterns', keywords: ['lantern', 'family'] },
  },
};

async function fixture(rel = 'IMG_0001.jpg') {
  const root = await mkdtemp(path.join(os.tmpdir(), 'photobatch-sidecars-'));
  roots.push(root);
  const input = path.join(root, 'in');
  const photoPath = path.join(input, rel);
  await mkdir(path.dirname(photoPath), { recursive: true });
  await writeFile(photoPath, await sharp({ create: { width: 24, height: 16, channels: 3, background: '#c00' } }).jpeg().toBuffer());
  return { root, input, out: path.join(root, 'out'), photo: { path: photoPath, file: rel } };
}

function writer(opts: Partial<Parameters<typeof createSidecarWriter>[0]> & { outDir: string }): SidecarWriter {
  const w = createSidecarWriter({ kinds: ['xmp'], inPlace: false, naming: 'default', ...opts });
  writers.push(w);
  return w;
}

const read = (file: string) => reader.read(file) as Promise<Tags & Record<string, unknown>>;

describe('sidecarPath', () => {
  const photo = { path: '/photos/event/day1/IMG_0001.CR2', file: 'day1/IMG_0001.CR2' };
  it('mirrors the input tree under --out, or sits beside the photo in place', () => {
    expect(sidecarPath(photo, { kind: 'xmp', outDir: '/out', inPlace: false, naming: 'default' })).toBe(path.resolve('/out/day1/IMG_0001.xmp'));
    expect(sidecarPath(photo, { kind: 'xmp', outDir: '/out', inPlace: true, naming: 'default' })).toBe('/photos/event/day1/IMG_0001.xmp');
  });
  it('appends the extension with darktable naming, for every kind', () => {
    expect(sidecarPath(photo, { kind: 'xmp', outDir: '/out', inPlace: true, naming: 'darktable' })).toBe('/photos/event/day1/IMG_0001.CR2.xmp');
    expect(sidecarPath(photo, { kind: 'txt', outDir: '/out', inPlace: false, naming: 'darktable' })).toBe(path.resolve('/out/day1/IMG_0001.CR2.txt'));
  });
  it('refuses a relative path that escapes --out', () => {
    expect(() => sidecarPath({ path: '/x/a.jpg', file: '../a.jpg' }, { kind: 'json', outDir: '/out', inPlace: false, naming: 'default' })).toThrow(/outside/);
  });
});

describe('XMP sidecars', () => {
  it('writes every field, the language alternatives and the provenance, readable by ExifTool', async () => {
    const f = await fixture('day1/IMG_0001.jpg');
    const written = await writer({ outDir: f.out }).write(f.photo, fields, provenance);
    const xmp = path.join(f.out, 'day1', 'IMG_0001.xmp');
    expect(written).toEqual([xmp]);

    const tags = await read(xmp);
    expect(tags.errors ?? []).toEqual([]);
    expect(tags.Description).toBe(fields.caption);
    expect(tags['Description-vi']).toBe(fields.byLang?.vi?.caption);
    expect(tags['Description-en']).toBe('A family laughs by red lanterns.');
    expect(tags.AltTextAccessibility).toBe('Three people holding red lanterns');
    expect(tags['AltTextAccessibility-vi']).toBe('Ba người cầm đèn lồng đỏ');
    expect(tags['AltTextAccessibility-en']).toBe('Three people holding red lanterns');
    expect(tags.Headline).toBe('Tết at the booth');
    expect(tags.Subject).toEqual(['đèn lồng', 'gia đình', 'lantern', 'family']);
    expect(tags.PhotobatchModel).toBe('google/gemini-2.5-flash');
    expect(tags.PhotobatchPromptHash).toBe('sha256:ab12cd34');
    expect(String(tags.PhotobatchCostUSD)).toBe('0.00012');
    const date = tags.PhotobatchDate as { rawValue?: string } | string;
    expect(typeof date === 'string' ? date : date.rawValue).toBe('2025-01-29T10:00:00.000Z');

    const grouped = (await plainReader.readRaw(xmp, { readArgs: ['-G1', '-XMP-photobatch:all'] })) as Record<string, unknown>;
    expect(grouped['XMP-photobatch:Model']).toBe('google/gemini-2.5-flash');
    expect(await readdir(path.dirname(xmp))).toEqual(['IMG_0001.xmp']);
  });

  it('merges into an existing sidecar: keywords added, other tags kept', async () => {
    const f = await fixture();
    const xmp = path.join(f.out, 'IMG_0001.xmp');
    await mkdir(f.out, { recursive: true });
    await reader.write(xmp, { 'XMP-dc:Subject': ['family'], 'XMP-xmp:Rating': 4, 'XMP-dc:Creator': ['Lan Nguyen'] } as never);
    const before = await read(xmp);
    expect(before.Subject).toEqual(['family']);

    await writer({ outDir: f.out }).write(f.photo, { caption: 'Lanterns.', keywords: ['lantern', 'Family'] }, provenance);
    const tags = await read(xmp);
    expect(tags.Subject).toEqual(['family', 'lantern']);
    expect(tags.Rating).toBe(4);
    expect(tags.Creator).toEqual(['Lan Nguyen']);
    expect(tags.Description).toBe('Lanterns.');
  });

  it('keeps the previous caption when a later run only adds keywords, and drops a stale cost', async () => {
    const f = await fixture();
    const w = writer({ outDir: f.out });
    await w.write(f.photo, { caption: 'First caption.', keywords: ['lantern'] }, provenance);
    await w.write(f.photo, { keywords: ['dragon dance'] }, { ...provenance, costUsd: null });
    const tags = await read(path.join(f.out, 'IMG_0001.xmp'));
    expect(tags.Description).toBe('First caption.');
    expect(tags.Subject).toEqual(['lantern', 'dragon dance']);
    expect(tags.PhotobatchCostUSD).toBeUndefined();
  });

  it('in place: beside the original, whose bytes and mtime do not change; darktable naming', async () => {
    const f = await fixture('IMG_0002.jpg');
    const bytes = await readFile(f.photo.path);
    const { mtimeMs } = await stat(f.photo.path);
    const written = await writer({ outDir: f.out, inPlace: true, naming: 'darktable' }).write(f.photo, fields, provenance);
    expect(written).toEqual([path.join(f.input, 'IMG_0002.jpg.xmp')]);
    expect((await read(written[0]!)).Headline).toBe('Tết at the booth');
    expect(await readFile(f.photo.path)).toEqual(bytes);
    expect((await stat(f.photo.path)).mtimeMs).toBe(mtimeMs);
  });

  it('a RAW and its JPEG sharing one sidecar both keep their keywords when written at once', async () => {
    const f = await fixture('IMG_0003.jpg');
    const raw = { path: path.join(f.input, 'IMG_0003.CR2'), file: 'IMG_0003.CR2' };
    const w = writer({ outDir: f.out });
    await Promise.all([w.write(f.photo, { keywords: ['lantern'] }, provenance), w.write(raw, { keywords: ['dragon'] }, provenance)]);
    const subject = (await read(path.join(f.out, 'IMG_0003.xmp'))).Subject as string[];
    expect([...subject].sort()).toEqual(['dragon', 'lantern']);
  });

  it('never overwrites a sidecar it cannot read', async () => {
    const f = await fixture();
    const xmp = path.join(f.out, 'IMG_0001.xmp');
    await mkdir(f.out, { recursive: true });
    await writeFile(xmp, 'this is not XMP <rdf:');
    await expect(writer({ outDir: f.out }).write(f.photo, fields, provenance)).rejects.toThrow();
    expect(await readFile(xmp, 'utf8')).toBe('this is not XMP <rdf:');
    expect(await readdir(f.out)).toEqual(['IMG_0001.xmp']);
  });
});

describe('JSON and TXT sidecars', () => {
  it('writes the fields with provenance, and the caption as text', async () => {
    const f = await fixture('a/IMG_0004.jpg');
    const written = await writer({ outDir: f.out, kinds: ['json', 'txt'] }).write(f.photo, fields, provenance);
    expect(written).toEqual([path.join(f.out, 'a', 'IMG_0004.json'), path.join(f.out, 'a', 'IMG_0004.txt')]);
    const json = JSON.parse(await readFile(written[0]!, 'utf8'));
    expect(json).toEqual({ ...fields, photobatch: provenance });
    expect(await readFile(written[1]!, 'utf8')).toBe(`${fields.caption}\n`);
  });

  it('merges an existing JSON sidecar and refuses one that is not a JSON object', async () => {
    const f = await fixture();
    const json = path.join(f.out, 'IMG_0001.json');
    await mkdir(f.out, { recursive: true });
    await writeFile(json, JSON.stringify({ rating: 5, keywords: ['family'], caption: 'old' }));
    const w = writer({ outDir: f.out, kinds: ['json'] });
    await w.write(f.photo, { caption: 'new', keywords: ['lantern', 'FAMILY'] }, provenance);
    expect(JSON.parse(await readFile(json, 'utf8'))).toEqual({ rating: 5, keywords: ['family', 'lantern'], caption: 'new', photobatch: provenance });

    await writeFile(json, '[1, 2]');
    await expect(w.write(f.photo, { caption: 'x' }, provenance)).rejects.toThrow(/not a JSON object/);
    expect(await readFile(json, 'utf8')).toBe('[1, 2]');
  });

  it('writes tags as the text when there is no sentence, and no txt at all when there is nothing', async () => {
    const f = await fixture();
    const w = writer({ outDir: f.out, kinds: ['txt'] });
    expect(await w.write(f.photo, { keywords: ['lantern', 'family'] }, provenance)).toHaveLength(1);
    expect(await readFile(path.join(f.out, 'IMG_0001.txt'), 'utf8')).toBe('lantern, family\n');
    const g = await fixture();
    expect(await writer({ outDir: g.out, kinds: ['txt'] }).write(g.photo, {}, provenance)).toEqual([]);
  });
});
