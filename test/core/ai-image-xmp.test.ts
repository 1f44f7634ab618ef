import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import sharp from 'sharp';
import { ExifTool } from 'exiftool-vendored';
import { afterAll, describe, expect, test } from 'vitest';
import { buildAiXmp, DIGITAL_SOURCE_TYPE, embedXmp } from '../../src/core/outputs/ai-image-xmp.js';

const exiftool = new ExifTool({ maxProcs: 1 });
let dir: string | undefined;
afterAll(async () => {
  await exiftool.end();
  if (dir) await rm(dir, { recursive: true, force: true });
});

const image = (format: 'png' | 'jpeg') => sharp({ create: { width: 12, height: 8, channels: 3, background: '#2a6' } })[format]().toBuffer();

describe('AI provenance embedded in a returned image', () => {
  test.each(['png', 'jpeg'] as const)('%s: ExifTool reads DigitalSourceType and AISystemUsed; the pixels are the same bytes', async (format) => {
    dir ??= await mkdtemp(path.join(os.tmpdir(), 'photobatch-xmp-'));
    const original = await image(format);
    const marked = embedXmp(original, buildAiXmp({ model: 'acme/"image" <model> & co', date: '2026-12-01T17:00:00.000Z', sourceType: 'generated' }))!;
    const file = path.join(dir, `marked.${format === 'png' ? 'png' : 'jpg'}`);
    await writeFile(file, marked);
    const tags = (await exiftool.read(file)) as Record<string, unknown>;
    expect(tags.DigitalSourceType).toBe(DIGITAL_SOURCE_TYPE.generated);
    expect(tags.AISystemUsed).toBe('acme/"image" <model> & co');
    expect(tags.Warning).toBeUndefined();
    const [a, b] = await Promise.all([sharp(original).raw().toBuffer(), sharp(marked).raw().toBuffer()]);
    expect(a.equals(b)).toBe(true);
  });

  test('other formats are left to a sidecar (undefined), never half-written', async () => {
    const webp = await sharp({ create: { width: 4, height: 4, channels: 3, background: '#000' } }).webp().toBuffer();
    expect(embedXmp(webp, buildAiXmp({ model: 'm', date: 'd' }))).toBeUndefined();
  });
});
