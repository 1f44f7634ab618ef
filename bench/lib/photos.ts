/**
 * Benchmark photos, generated from the real photos in ../shared/photos/real into bench/.work/photos (gitignored,
 * never committed) and cached between runs by stamp files. Everything is deterministic (seeded), so a cache made by
 * an earlier run is the same set.
 *
 * - small/: distinct 320×240 (1 in 5: 240×320) JPEGs, random crops of the real photos with flips, brightness and
 *   quality variations (~15–25 KB). Distinct bytes matter: photobatch sends byte-identical photos only once.
 * - big/: distinct 12 MP (4000×3000) JPEGs, crops of the large real photos, flipped, re-encoded at q92 with the
 *   source's EXIF kept; 1 in 4 carries EXIF orientation 6 (stored sideways, shown portrait).
 * - sets/<name>-<n>/: hard links to the first n photos of a pool, so a run gets exactly n photos in one folder.
 */
import { copyFileSync, existsSync, linkSync, mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import sharp from 'sharp';
import { freshDir, log, pool, rng, SHARED_PHOTOS, WORK } from './util.js';

const GEN_VERSION = 4;
const BIG_VERSION = 3;
export const PHOTOS = path.join(WORK, 'photos');

const realDir = () => path.join(SHARED_PHOTOS, 'real');

function realSources(minEdge: number): string[] {
  const dir = realDir();
  if (!existsSync(dir)) throw new Error(`Real photos not found at ${dir}; set PHOTOBATCH_PHOTOS to the shared photos folder.`);
  return readdirSync(dir).filter((f) => /\.jpe?g$/i.test(f)).sort().map((f) => path.join(dir, f)).filter((f) => {
    if (minEdge <= 0) return true;
    return statSync(f).size > 0;
  });
}

interface Stamp { version: number; count: number }
function readStamp(dir: string): Stamp | undefined {
  try {
    return JSON.parse(readFileSync(path.join(dir, '.stamp'), 'utf8')) as Stamp;
  } catch {
    return undefined;
  }
}
const writeStamp = (dir: string, s: Stamp) => writeFileSync(path.join(dir, '.stamp'), JSON.stringify(s));

const smallName = (i: number) => `IMG_${String(i).padStart(5, '0')}.jpg`;
const bigName = (i: number) => `BIG_${String(i).padStart(4, '0')}.jpg`;

/** At least `count` small photos in small/; returns the folder. */
export async function ensureSmall(count: number): Promise<string> {
  const dir = path.join(PHOTOS, 'small');
  const stamp = readStamp(dir);
  if (stamp && stamp.version === GEN_VERSION && stamp.count >= count) return dir;
  const have = stamp && stamp.version === GEN_VERSION ? stamp.count : 0;
  if (have === 0) freshDir(dir);
  log(`generating small photos ${have}..${count - 1} into ${dir}`);
  // Every source decoded once, upright, to about 1280 px, kept as raw pixels.
  const sources = await Promise.all(
    realSources(0).map(async (f) => {
      const { data, info } = await sharp(f, { autoOrient: true }).resize(800, 800, { fit: 'inside', withoutEnlargement: true })
        .removeAlpha().toColourspace('srgb').raw().toBuffer({ resolveWithObject: true });
      return { data, width: info.width, height: info.height, channels: info.channels };
    }),
  );
  const t0 = Date.now();
  const todo = Array.from({ length: count - have }, (_, k) => have + k);
  await pool(todo, 4, async (i) => {
    const r = rng(1000 + i);
    const src = sources[i % sources.length]!;
    const portrait = r() < 0.2;
    const [ow, oh] = portrait ? [240, 320] : [320, 240];
    let img = randomCrop(src, r, ow, oh);
    if (r() < 0.5) img = img.flop();
    if (r() < 0.2) img = img.flip();
    const gain = 0.85 + 0.3 * r();
    img = img.linear(gain, 0);
    await img.jpeg({ quality: 78 + Math.floor(r() * 15) }).toFile(path.join(dir, smallName(i)));
  });
  writeStamp(dir, { version: GEN_VERSION, count });
  log(`small photos: ${count - have} made in ${((Date.now() - t0) / 1000).toFixed(1)} s`);
  return dir;
}

/** At least `count` 12 MP photos in big/. */
export async function ensureBig(count: number): Promise<string> {
  const dir = path.join(PHOTOS, 'big');
  const stamp = readStamp(dir);
  if (stamp && stamp.version === BIG_VERSION && stamp.count >= count) return dir;
  const have = stamp && stamp.version === BIG_VERSION ? stamp.count : 0;
  if (have === 0) freshDir(dir);
  log(`generating 12 MP photos ${have}..${count - 1} into ${dir} (once; cached)`);
  const sources: { file: string; width: number; height: number }[] = [];
  for (const f of realSources(0)) {
    const m = await sharp(f).metadata();
    // Stored size; large photos only, so the 12 MP versions are not blurry upscales of VGA images.
    if (m.width && m.height && Math.max(m.width, m.height) >= 1920) sources.push({ file: f, width: m.width, height: m.height });
  }
  const t0 = Date.now();
  const todo = Array.from({ length: count - have }, (_, k) => have + k);
  await pool(todo, 2, async (i) => {
    const r = rng(9000 + i);
    const src = sources[i % sources.length]!;
    const maxW = Math.min(src.width, Math.floor((src.height * 4) / 3));
    const cw = Math.floor(maxW * (0.7 + 0.3 * r()));
    const ch = Math.min(src.height, Math.round((cw * 3) / 4));
    const left = Math.floor(r() * (src.width - cw + 1));
    const top = Math.floor(r() * (src.height - ch + 1));
    // Stored pixels, source EXIF (camera, GPS, thumbnail) kept; orientation 6 on every 4th photo.
    let img = sharp(src.file, { autoOrient: false }).extract({ left, top, width: cw, height: ch }).resize(4000, 3000, { fit: 'fill' });
    if (r() < 0.5) img = img.flop();
    if (r() < 0.15) img = img.flip();
    img = img.modulate({ brightness: 0.9 + 0.2 * r() });
    await img.withMetadata({ orientation: i % 4 === 3 ? 6 : 1 }).jpeg({ quality: 92 }).toFile(path.join(dir, bigName(i)));
  });
  writeStamp(dir, { version: BIG_VERSION, count });
  log(`12 MP photos: ${count - have} made in ${((Date.now() - t0) / 1000).toFixed(1)} s`);
  return dir;
}

/** A folder of exactly `n` hard links to the first n files of `poolFiles` (cycled when n is larger). */
export function linkSet(name: string, poolFiles: string[], n: number): string {
  const dir = path.join(PHOTOS, 'sets', `${name}-${n}`);
  const stamp = readStamp(dir);
  const sig = poolFiles.length;
  if (stamp && stamp.version === GEN_VERSION * 100000 + sig && stamp.count === n) return dir;
  freshDir(dir);
  for (let i = 0; i < n; i++) {
    const src = poolFiles[i % poolFiles.length]!;
    linkSync(src, path.join(dir, n <= poolFiles.length ? path.basename(src) : `P_${String(i).padStart(5, '0')}${path.extname(src)}`));
  }
  writeStamp(dir, { version: GEN_VERSION * 100000 + sig, count: n });
  return dir;
}

export function filesIn(dir: string): string[] {
  return readdirSync(dir).filter((f) => !f.startsWith('.') && /\.jpe?g$/i.test(f)).sort().map((f) => path.join(dir, f));
}

/** The real photos copied into the work folder (so hard links stay inside bench/.work). */
export function realCopies(): string[] {
  const dir = path.join(PHOTOS, 'real');
  mkdirSync(dir, { recursive: true });
  return realSources(0).map((f) => {
    const to = path.join(dir, path.basename(f));
    if (!existsSync(to)) copyFileSync(f, to);
    return to;
  });
}

const CAMERA_VERSION = 1;

/**
 * At least `count` distinct w×h camera JPEGs in camera-<w>x<h>/: crops of the real photos' stored pixels, each carrying
 * its source's own camera EXIF block (make, model, exposure, GPS where the source has it, the embedded thumbnail, and
 * its orientation, so some photos need turning like a camera's portrait shots do). For benchmark 9 (-c 64).
 */
export async function ensureCamera(width: number, height: number, count: number): Promise<string> {
  const dir = path.join(PHOTOS, `camera-${width}x${height}`);
  const stamp = readStamp(dir);
  if (stamp && stamp.version === CAMERA_VERSION && stamp.count >= count) return dir;
  const have = stamp && stamp.version === CAMERA_VERSION ? stamp.count : 0;
  if (have === 0) freshDir(dir);
  log(`generating ${width}×${height} camera JPEGs ${have}..${count - 1} into ${dir}`);
  const sources = (await Promise.all(
    realSources(0).map(async (f) => {
      const meta = await sharp(f).metadata();
      const exif = meta.exif && meta.exif.length + 2 <= 0xffff ? meta.exif : undefined;
      if (!exif) return undefined;
      const { data, info } = await sharp(f, { autoOrient: false }).resize(1280, 1280, { fit: 'inside', withoutEnlargement: true })
        .removeAlpha().toColourspace('srgb').raw().toBuffer({ resolveWithObject: true });
      return { data, width: info.width, height: info.height, channels: info.channels, exif };
    }),
  )).filter((s): s is NonNullable<typeof s> => s !== undefined);
  if (sources.length === 0) throw new Error('no real photo with EXIF to make camera JPEGs from');
  const t0 = Date.now();
  const todo = Array.from({ length: count - have }, (_, k) => have + k);
  await pool(todo, 4, async (i) => {
    const r = rng(50_000 + i);
    const src = sources[i % sources.length]!;
    let img = randomCrop(src, r, width, height);
    if (r() < 0.5) img = img.flop();
    const jpeg = await img.linear(0.85 + 0.3 * r(), 0).jpeg({ quality: 85 + Math.floor(r() * 8) }).toBuffer();
    // The source's EXIF as an APP1 segment right after SOI, as a camera writes it.
    const app1 = Buffer.alloc(4);
    app1.writeUInt16BE(0xffe1, 0);
    app1.writeUInt16BE(src.exif.length + 2, 2);
    writeFileSync(path.join(dir, `CAM_${String(i).padStart(5, '0')}.jpg`), Buffer.concat([jpeg.subarray(0, 2), app1, src.exif, jpeg.subarray(2)]));
  });
  writeStamp(dir, { version: CAMERA_VERSION, count });
  log(`camera JPEGs ${width}×${height}: ${count - have} made in ${((Date.now() - t0) / 1000).toFixed(1)} s`);
  return dir;
}

/**
 * `count` distinct tiny JPEGs (64×48) in tiny/: one encoded picture with a unique comment segment each, so every file
 * has its own bytes (photobatch sends identical bytes once) at almost no cost to make. For the 100,000-photo memory run.
 */
export async function ensureTiny(count: number): Promise<string> {
  const dir = path.join(PHOTOS, 'tiny');
  const stamp = readStamp(dir);
  if (stamp && stamp.version === 1 && stamp.count >= count) return dir;
  freshDir(dir);
  log(`writing ${count} tiny JPEGs into ${dir}`);
  const base = await sharp({ create: { width: 64, height: 48, channels: 3, background: { r: 90, g: 120, b: 160 } } }).jpeg({ quality: 80 }).toBuffer();
  for (let i = 0; i < count; i++) {
    const text = Buffer.from(`photobatch bench ${i}`, 'latin1');
    const com = Buffer.alloc(4);
    com.writeUInt16BE(0xfffe, 0);
    com.writeUInt16BE(text.length + 2, 2);
    writeFileSync(path.join(dir, `T_${String(i).padStart(6, '0')}.jpg`), Buffer.concat([base.subarray(0, 2), com, text, base.subarray(2)]));
  }
  writeStamp(dir, { version: 1, count });
  return dir;
}

/** A random crop of a decoded source photo, resized to w×h: three draws of `r`, in the order both photo sets rely on. */
function randomCrop(src: { data: Buffer; width: number; height: number; channels: number }, r: () => number, w: number, h: number) {
  const aspect = w / h;
  const maxW = Math.min(src.width, Math.floor(src.height * aspect));
  const cw = Math.max(64, Math.floor(maxW * (0.5 + 0.5 * r())));
  const ch = Math.min(src.height, Math.max(48, Math.round(cw / aspect)));
  const left = Math.floor(r() * (src.width - cw + 1));
  const top = Math.floor(r() * (src.height - ch + 1));
  return sharp(src.data, { raw: { width: src.width, height: src.height, channels: src.channels as 3 } })
    .extract({ left, top, width: cw, height: ch }).resize(w, h, { fit: 'fill' });
}
