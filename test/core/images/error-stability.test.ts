import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import { preparePhoto } from '../../../src/core/images/prepare.js';
import { readImageHeader } from '../../../src/core/images/header.js';
import { tempDir } from '../../helpers/images.js';

/** Noise, so decoding takes real work and concurrent calls overlap the way a batch's do. */
const noise = (width: number, height: number) =>
  sharp({ create: { width, height, channels: 3, background: '#808080', noise: { type: 'gaussian', mean: 128, sigma: 60 } } });

async function mixedFolder(): Promise<{ good: string[]; broken: string[] }> {
  const dir = await tempDir('photobatch-stable-');
  const good: string[] = [];
  for (let i = 0; i < 6; i++) {
    const file = path.join(dir, `good-${i}.jpg`);
    await noise(1600, 1200).jpeg({ quality: 90 }).toFile(file);
    good.push(file);
  }
  const jpeg = await noise(1200, 900).jpeg().toBuffer();
  const png = await noise(600, 400).png().toBuffer();
  const broken = [path.join(dir, 'cut.jpg'), path.join(dir, 'cut.png'), path.join(dir, 'cut-early.jpg')];
  await writeFile(broken[0]!, jpeg.subarray(0, Math.floor(jpeg.length / 2)));
  await writeFile(broken[1]!, png.subarray(0, Math.floor(png.length / 2)));
  await writeFile(broken[2]!, jpeg.subarray(0, 2000));
  return { good, broken };
}

describe('error text of a broken photo', () => {
  it('is the same in every run of a concurrent batch, and never "Unknown error"', async () => {
    const { good, broken } = await mixedFolder();
    const messages = new Map<string, Set<string>>(broken.map((f) => [f, new Set()]));
    for (let round = 0; round < 6; round++) {
      // Good and broken photos prepared at once, as the batch's pool does.
      await Promise.all([...good, ...broken].map(async (file) => {
        try {
          await preparePhoto(file, { maxEdge: 768, quality: 80 });
          expect(broken, `${file} should have failed`).not.toContain(file);
        } catch (err) {
          messages.get(file)?.add((err as Error).message);
        }
      }));
    }
    for (const [file, seen] of messages) {
      expect([...seen], path.basename(file)).toHaveLength(1);
      expect([...seen][0], path.basename(file)).not.toMatch(/unknown error/i);
      expect([...seen][0], path.basename(file)).toMatch(/truncated|damaged/i);
    }
  });

  it('reads good headers alongside a broken one without mixing their errors', async () => {
    const { good } = await mixedFolder();
    const dir = path.dirname(good[0]!);
    const junk = path.join(dir, 'junk.jpg');
    await writeFile(junk, Buffer.from('\xff\xd8\xff not really a jpeg', 'latin1'));
    const seen = new Set<string>();
    for (let round = 0; round < 6; round++) {
      await Promise.all([...good, junk].map((f) => readImageHeader(f).catch((err: Error) => void seen.add(err.message))));
    }
    expect([...seen]).toHaveLength(1);
    expect([...seen][0]).not.toMatch(/unknown error/i);
  });
});
