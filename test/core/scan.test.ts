import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { scanInputs } from '../../src/core/source/scan.js';
import { UsageError } from '../../src/core/errors.js';
import { tempDir } from '../helpers/images.js';

describe('scanInputs', () => {
  it('walks folders recursively, case-insensitively, sorted, skipping hidden files and the output folder', async () => {
    const dir = await tempDir();
    for (const f of ['b.JPG', 'a.jpeg', 'sub/c.png', 'sub/deeper/d.HEIC', 'x.txt', '.hidden.jpg', '.git/e.jpg', 'out/f.jpg', 'g.webp', 'h.TIFF']) {
      await mkdir(path.dirname(path.join(dir, f)), { recursive: true });
      await writeFile(path.join(dir, f), 'x');
    }
    const photos = await scanInputs([dir], { outDir: path.join(dir, 'out') });
    expect(photos.map((p) => p.file)).toEqual(['a.jpeg', 'b.JPG', 'g.webp', 'h.TIFF', 'sub/c.png', 'sub/deeper/d.HEIC']);
    expect(photos.every((p) => path.isAbsolute(p.path))).toBe(true);
  });

  it('takes explicit files whatever their extension, de-duplicates, and reads - from stdin', async () => {
    const dir = await tempDir();
    await writeFile(path.join(dir, 'one.jpg'), 'x');
    await writeFile(path.join(dir, 'raw.dng'), 'x');
    const photos = await scanInputs([path.join(dir, 'one.jpg'), '-', dir], {
      readStdinPaths: async () => [path.join(dir, 'raw.dng'), path.join(dir, 'one.jpg')],
    });
    expect(photos.map((p) => path.basename(p.path))).toEqual(['one.jpg', 'raw.dng']);
  });

  it('a missing input is a usage error naming it', async () => {
    await expect(scanInputs(['/definitely/not/here'])).rejects.toThrow(UsageError);
    await expect(scanInputs(['/definitely/not/here'])).rejects.toThrow(/not\/here/);
  });
});
