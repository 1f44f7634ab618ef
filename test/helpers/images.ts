import { mkdtemp, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import sharp from 'sharp';

export async function tempDir(prefix = 'photobatch-test-'): Promise<string> {
  return mkdtemp(path.join(os.tmpdir(), prefix));
}

/** A small distinct JPEG: `seed` changes the colour so every file has its own sha256. */
export async function makeJpeg(file: string, opts: { width?: number; height?: number; seed?: number; orientation?: number } = {}): Promise<string> {
  const seed = opts.seed ?? 0;
  let img = sharp({
    create: {
      width: opts.width ?? 64,
      height: opts.height ?? 48,
      channels: 3,
      background: { r: (seed * 37) % 256, g: (seed * 91) % 256, b: (seed * 151 + Math.floor(seed / 256)) % 256 },
    },
  }).jpeg({ quality: 90 });
  // withExif() would not set it: sharp writes the orientation tag only through withMetadata().
  if (opts.orientation) img = img.withMetadata({ orientation: opts.orientation });
  await img.toFile(file);
  return file;
}

/** `count` distinct small JPEGs in a fresh folder. */
export async function makePhotoFolder(count: number, opts: { width?: number; height?: number } = {}): Promise<string> {
  const dir = await tempDir('photobatch-photos-');
  for (let i = 0; i < count; i++) {
    await makeJpeg(path.join(dir, `IMG_${String(i).padStart(4, '0')}.jpg`), { ...opts, seed: i + 1 });
  }
  return dir;
}

/** The awkward cases every real event folder has. */
export async function makeAwkwardFolder(): Promise<{ dir: string; files: Record<string, string> }> {
  const dir = await tempDir('photobatch-awkward-');
  const files: Record<string, string> = {};
  files.rotated = await makeJpeg(path.join(dir, 'rotated.jpg'), { width: 80, height: 40, seed: 3, orientation: 6 });
  files.alpha = path.join(dir, 'alpha.png');
  await sharp({ create: { width: 40, height: 40, channels: 4, background: { r: 255, g: 0, b: 0, alpha: 0 } } }).png().toFile(files.alpha);
  files.cmyk = path.join(dir, 'cmyk.jpg');
  await sharp({ create: { width: 40, height: 30, channels: 3, background: { r: 10, g: 200, b: 30 } } }).toColourspace('cmyk').jpeg().toFile(files.cmyk);
  const good = await sharp({ create: { width: 400, height: 300, channels: 3, background: { r: 1, g: 2, b: 3 } } }).jpeg().toBuffer();
  files.truncated = path.join(dir, 'truncated.jpg');
  await writeFile(files.truncated, good.subarray(0, Math.floor(good.length / 3)));
  files.text = path.join(dir, 'notes.jpg');
  await writeFile(files.text, 'this is not a photo\n');
  files.empty = path.join(dir, 'empty.jpg');
  await writeFile(files.empty, Buffer.alloc(0));
  files.vietnamese = await makeJpeg(path.join(dir, 'ảnh Tết 01.jpg'), { seed: 9 });
  return { dir, files };
}
