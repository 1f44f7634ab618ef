import { readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import { preparePhoto } from '../src/core/images/prepare.js';
import { REPO_ROOT, runCli } from './helpers/run-cli.js';

const DIR = path.join(REPO_ROOT, 'examples/photos');
const photos = readdirSync(DIR).filter((f) => f !== 'README.md');

describe('examples/photos, the photos the quick start ships', () => {
  it('are a handful, well under 1 MB in all, each listed with its licence and source', () => {
    expect(photos.length).toBeGreaterThanOrEqual(4);
    const total = photos.reduce((sum, f) => sum + statSync(path.join(DIR, f)).size, 0);
    expect(total).toBeLessThan(700 * 1024);
    const readme = readFileSync(path.join(DIR, 'README.md'), 'utf8');
    for (const f of photos) {
      const row = readme.split('\n').find((l) => l.startsWith(`| \`${f}\``));
      expect(row, `${f} has a row in examples/photos/README.md`).toBeDefined();
      expect(row).toMatch(/CC BY-SA 4\.0|CC0|public domain|MIT|Apache/i);
      expect(row).toMatch(/github\.com|exif-samples|libheif/);
    }
  });

  it('include a portrait stored sideways with EXIF orientation, and a real HEVC HEIC, and every one prepares upright', async () => {
    const portrait = photos.find((f) => f.includes('portrait'))!;
    const meta = await sharp(path.join(DIR, portrait)).metadata();
    expect(meta.orientation).toBe(6);
    expect(meta.width).toBeGreaterThan(meta.height!);

    const heic = photos.find((f) => /\.hei[cf]$/i.test(f))!;
    const head = readFileSync(path.join(DIR, heic)).subarray(0, 64).toString('latin1');
    expect(head.slice(4, 8)).toBe('ftyp');
    expect((await sharp(path.join(DIR, heic)).metadata()).compression).toBe('hevc');

    for (const f of photos) {
      const p = await preparePhoto(path.join(DIR, f), { maxEdge: 512, quality: 80 });
      expect(p.bytes, f).toBeGreaterThan(1000);
      if (f === portrait) expect(p.height, 'portrait reaches the model upright').toBeGreaterThan(p.width);
    }
  });

  it('are what the README set-up dry run estimates: every photo readable', async () => {
    const run = await runCli(['run', 'examples/photos', '--dry-run', '--json'], { cwd: REPO_ROOT });
    expect(run.code, run.stderr).toBe(0);
    const doc = JSON.parse(run.stdout);
    expect(doc.readable).toBe(photos.length);
    expect(doc.unreadable).toBe(0);
  });
});
