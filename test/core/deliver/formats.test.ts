import { readdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { ExifTool } from 'exiftool-vendored';
import sharp from 'sharp';
import { afterAll, describe, expect, it } from 'vitest';
import { createDeliverer, deliveryMode, type Deliverer } from '../../../src/core/outputs/deliver/deliver.js';
import type { Provenance } from '../../../src/core/outputs/sidecars/index.js';
import { tempDir } from '../../helpers/images.js';
import { decodedPixels, exiv2Tags, HAVE_EXIV2 } from '../../helpers/metadata-readers.js';

const reader = new ExifTool({ maxProcs: 1 });
const deliverers: Deliverer[] = [];
afterAll(async () => {
  await Promise.all([...deliverers.map((d) => d.close()), reader.end()]);
});
const provenance: Provenance = { model: 'm', promptHash: 'h', costUsd: 0.0002, date: '2026-02-10T12:00:00.000Z' };
const fields = { caption: 'Red lanterns at dusk.', altText: 'Red paper lanterns.', keywords: ['lantern', 'dusk'] };

async function deliver(name: string, make: (file: string) => Promise<unknown>) {
  const input = await tempDir();
  const original = path.join(input, name);
  await make(original);
  const d = createDeliverer({ dir: await tempDir() });
  deliverers.push(d);
  const written = await d.deliver({ path: original, file: name }, fields, provenance);
  return { original, written, copy: path.join(d.dir, name) };
}

const image = () => sharp({ create: { width: 40, height: 30, channels: 3, background: { r: 200, g: 30, b: 20 } } });

describe('delivery by format', () => {
  it.each([
    ['photo.png', (f: string) => image().png().toFile(f)],
    ['photo.webp', (f: string) => image().webp({ lossless: true }).toFile(f)],
    ['photo.tif', (f: string) => image().tiff().toFile(f)],
  ])('%s: XMP embedded, pixels unchanged, readable by ExifTool and exiv2', async (name, make) => {
    const { original, written, copy } = await deliver(name, make);
    expect(deliveryMode(name)).toBe('embedded');
    expect(written).toEqual([copy]);
    expect((await decodedPixels(copy)).equals(await decodedPixels(original))).toBe(true);
    const t = (await reader.read(copy)) as { Description?: string; Subject?: string[]; HierarchicalSubject?: string[]; AltTextAccessibility?: string };
    expect(t.Description).toBe('Red lanterns at dusk.');
    expect(t.Subject).toEqual(['lantern', 'dusk']);
    expect(t.HierarchicalSubject).toEqual(['lantern', 'dusk']);
    expect(String(t.AltTextAccessibility)).toBe('Red paper lanterns.');
    if (HAVE_EXIV2) expect(exiv2Tags(copy).get('Xmp.dc.subject')).toEqual(['lantern, dusk']);
  });

  it('where digiKam already tagged the photo, the keywords join digiKam:TagsList too (Immich reads it first)', async () => {
    const { written } = await deliver('tagged.jpg', async (f) => {
      await image().jpeg().toFile(f);
      await reader.write(f, { 'XMP-digiKam:TagsList': ['People/Family'] } as never, { writeArgs: ['-overwrite_original'] });
    });
    const t = (await reader.read(written[0]!)) as { TagsList?: string[] };
    expect(t.TagsList).toEqual(['People/Family', 'lantern', 'dusk']);
  });

  it('a file that is not what its name says fails with a message; nothing is left in the delivery folder', async () => {
    const input = await tempDir();
    const bad = path.join(input, 'broken.jpg');
    await writeFile(bad, 'not a jpeg at all');
    const d = createDeliverer({ dir: await tempDir() });
    deliverers.push(d);
    await expect(d.deliver({ path: bad, file: 'broken.jpg' }, fields, provenance)).rejects.toThrow();
    expect((await readdir(d.dir)).filter((f) => !f.startsWith('.photobatch'))).toEqual([]);
    expect(await readFile(bad, 'utf8')).toBe('not a jpeg at all');
  });
});

describe('two photos with one name', () => {
  it('the second never replaces the first one’s delivered copy', async () => {
    const a = await tempDir();
    const b = await tempDir();
    await image().jpeg().toFile(path.join(a, 'IMG_0001.jpg'));
    await sharp({ create: { width: 20, height: 20, channels: 3, background: '#00f' } }).jpeg().toFile(path.join(b, 'IMG_0001.jpg'));
    const d = createDeliverer({ dir: await tempDir() });
    deliverers.push(d);
    const [copy] = await d.deliver({ path: path.join(a, 'IMG_0001.jpg'), file: 'IMG_0001.jpg' }, fields, provenance);
    const first = await readFile(copy!);
    await expect(d.deliver({ path: path.join(b, 'IMG_0001.jpg'), file: 'IMG_0001.jpg' }, fields, provenance)).rejects.toThrow(/delivered copy of .*another photo with the same name/);
    expect((await readFile(copy!)).equals(first)).toBe(true);
    // The same photo again is an update, not a clash.
    await expect(d.deliver({ path: path.join(a, 'IMG_0001.jpg'), file: 'IMG_0001.jpg' }, fields, provenance)).resolves.toEqual([copy]);
  });
});
