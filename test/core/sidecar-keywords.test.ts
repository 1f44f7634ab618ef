import { access, mkdir, readdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { ExifTool } from 'exiftool-vendored';
import { afterAll, describe, expect, it } from 'vitest';
import { createSidecarWriter, type Provenance, type SidecarWriter } from '../../src/core/outputs/sidecars/index.js';
import { makeJpeg, tempDir } from '../helpers/images.js';
import { exiv2Tags, HAVE_EXIV2 } from '../helpers/metadata-readers.js';

const reader = new ExifTool({ maxProcs: 1 });
const writers: SidecarWriter[] = [];
afterAll(async () => {
  await Promise.all([...writers.map((w) => w.close()), reader.end()]);
});
const provenance: Provenance = { model: 'm', promptHash: 'h', costUsd: 0.0001, date: '2026-01-01T00:00:00.000Z' };
const exists = (f: string) => access(f).then(() => true, () => false);

async function photoIn(dir: string, name: string): Promise<{ path: string; file: string }> {
  await mkdir(dir, { recursive: true });
  const file = path.join(dir, name);
  // A RAW stand-in: sidecar writing never opens the photo.
  if (name.endsWith('.CR2')) await writeFile(file, 'raw');
  else await makeJpeg(file);
  return { path: file, file: name };
}

function inPlace(naming: 'auto' | 'lightroom' | 'darktable'): SidecarWriter {
  const w = createSidecarWriter({ kinds: ['xmp'], outDir: '/nonexistent', inPlace: true, naming });
  writers.push(w);
  return w;
}

describe('sidecar naming follows what is already beside the photo', () => {
  it('auto: an existing IMG.CR2.xmp (darktable) is updated; no IMG.xmp is created beside it', async () => {
    const dir = await tempDir();
    const photo = await photoIn(dir, 'IMG_0001.CR2');
    await reader.write(path.join(dir, 'IMG_0001.CR2.xmp'), { 'XMP-dc:Subject': ['darktable tag'] } as never);
    const written = await inPlace('auto').write(photo, { keywords: ['lantern'] }, provenance);
    expect(written).toEqual([path.join(dir, 'IMG_0001.CR2.xmp')]);
    expect(await exists(path.join(dir, 'IMG_0001.xmp'))).toBe(false);
    expect((await reader.read(written[0]!)).Subject).toEqual(['darktable tag', 'lantern']);
  });

  it('auto: an existing IMG.xmp (Lightroom, shared by RAW+JPEG) is updated; no IMG.CR2.xmp is created', async () => {
    const dir = await tempDir();
    const photo = await photoIn(dir, 'IMG_0002.CR2');
    await reader.write(path.join(dir, 'IMG_0002.xmp'), { 'XMP-dc:Subject': ['lightroom tag'] } as never);
    const written = await inPlace('auto').write(photo, { keywords: ['lantern'] }, provenance);
    expect(written).toEqual([path.join(dir, 'IMG_0002.xmp')]);
    expect((await readdir(dir)).sort()).toEqual(['IMG_0002.CR2', 'IMG_0002.xmp']);
  });

  it('auto with nothing there: IMG.xmp; lightroom and darktable are explicit choices', async () => {
    const dir = await tempDir();
    const photo = await photoIn(dir, 'IMG_0003.CR2');
    expect(await inPlace('auto').write(photo, { keywords: ['a'] }, provenance)).toEqual([path.join(dir, 'IMG_0003.xmp')]);
    const dir2 = await tempDir();
    const photo2 = await photoIn(dir2, 'IMG_0004.CR2');
    expect(await inPlace('darktable').write(photo2, { keywords: ['a'] }, provenance)).toEqual([path.join(dir2, 'IMG_0004.CR2.xmp')]);
    expect(await inPlace('lightroom').write(photo2, { keywords: ['a'] }, provenance)).toEqual([path.join(dir2, 'IMG_0004.xmp')]);
  });
});

describe('keywords in sidecars: dc:subject and lr:hierarchicalSubject', () => {
  it('both lists are written and merged with what is there; ExifTool and exiv2 read them back', async () => {
    const dir = await tempDir();
    const photo = await photoIn(dir, 'IMG_0005.jpg');
    // darktable reads lr:hierarchicalSubject first: keywords added only to dc:subject would vanish there.
    await reader.write(path.join(dir, 'IMG_0005.xmp'), { 'XMP-dc:Subject': ['Hanoi'], 'XMP-lr:HierarchicalSubject': ['Places|Vietnam|Hanoi'] } as never);
    const [file] = await inPlace('auto').write(
      photo,
      { keywords: ['Lantern', 'smiles'], hierarchical: ['Objects|Lantern', 'smiles'], byLang: { vi: { keywords: ['đèn lồng'] } } },
      provenance,
    );
    const t = (await reader.read(file!)) as { Subject?: string[]; HierarchicalSubject?: string[] };
    expect(t.Subject).toEqual(['Hanoi', 'Lantern', 'smiles', 'đèn lồng']);
    expect(t.HierarchicalSubject).toEqual(['Places|Vietnam|Hanoi', 'Objects|Lantern', 'smiles', 'đèn lồng']);
    if (HAVE_EXIV2) {
      const x = exiv2Tags(file!);
      expect(x.get('Xmp.dc.subject')).toEqual(['Hanoi, Lantern, smiles, đèn lồng']);
      expect(x.get('Xmp.lr.hierarchicalSubject')).toEqual(['Places|Vietnam|Hanoi, Objects|Lantern, smiles, đèn lồng']);
    }
  });
});
