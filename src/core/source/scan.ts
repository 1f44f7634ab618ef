import { opendir, realpath, stat } from 'node:fs/promises';
import path from 'node:path';
import type { PhotoRef } from '../types.js';
import { UsageError } from '../errors.js';
import { kindOf } from '../images/read-input.js';
import { PhotoList } from './photo-list.js';

/**
 * Extensions the scan picks up in folders (case-insensitive). Files named explicitly are taken as they
 * are. Camera RAWs are prepared from their embedded JPEG preview (see images/raw-preview.ts).
 */
export const PHOTO_EXTENSIONS: ReadonlySet<string> = new Set([
  '.jpg', '.jpeg', '.png', '.webp', '.gif', '.avif', '.tif', '.tiff', '.heic', '.heif',
  '.cr2', '.cr3', '.nef', '.arw', '.dng', '.raf', '.orf', '.rw2',
]);

export interface ScanOptions {
  /** Folders below this path are skipped: the output folder must never be read as input. */
  outDir?: string;
  /** Paths read from stdin when an input is `-`. */
  readStdinPaths?: () => Promise<string[]>;
  /** Resolve relative inputs against this folder. */
  cwd?: string;
  /**
   * Told about each entry that is skipped rather than read: not a regular file (FIFO, device, socket,
   * a link to one), a name that is not valid UTF-8, a path from stdin that does not exist. One strange
   * name never aborts the list. Without it those are silently skipped.
   */
  onSkip?: (input: string, reason: string) => void;
}

export function isPhotoPath(file: string): boolean {
  return PHOTO_EXTENSIONS.has(path.extname(file).toLowerCase());
}

/**
 * Expands folders (recursively), files and `-` (paths on stdin) into a sorted, de-duplicated list of photos.
 * Hidden files and folders, and the output folder, are skipped. A missing input is a usage error:
 * a typo in a path must not silently process nothing.
 */
export async function scanInputs(inputs: string[], opts: ScanOptions = {}): Promise<PhotoRef[]> {
  const cwd = opts.cwd ?? process.cwd();
  // The output folder is recognised however it is reached: by its real path, symlinks resolved.
  const outDir = opts.outDir === undefined ? undefined : await realOrResolved(path.resolve(cwd, opts.outDir));
  const found = new Map<string, PhotoRef>();
  const skip = opts.onSkip ?? (() => {});

  const expanded: { input: string; fromStdin: boolean }[] = [];
  for (const input of inputs) {
    if (input === '-') {
      const fromStdin = opts.readStdinPaths ? await opts.readStdinPaths() : [];
      expanded.push(...fromStdin.map((p) => ({ input: p, fromStdin: true })));
    } else {
      expanded.push({ input, fromStdin: false });
    }
  }

  for (const { input, fromStdin } of expanded) {
    const abs = path.resolve(cwd, input);
    let info;
    try {
      info = await stat(abs);
    } catch {
      // A typo on the command line must not silently process nothing; one odd line in a list must not stop the rest.
      if (fromStdin) {
        skip(input, input.includes('\uFFFD') ? 'the name is not valid UTF-8 (rename the file)' : 'not found');
        continue;
      }
      throw new UsageError(`Input not found: ${input}. Check the path (folders, image files, or - to read paths from stdin).`);
    }
    if (info.isDirectory()) {
      await walk(abs, abs, outDir, found, skip);
    } else if (info.isFile()) {
      // A file named explicitly is a photo whatever its extension: the user asked for it.
      if (!found.has(abs)) found.set(abs, { path: abs, file: path.basename(abs) });
    } else {
      skip(input, `not a regular file (${kindOf(info)}); photobatch reads only regular files`);
    }
  }

  return disambiguate([...found.values()]).sort((a, b) => compareStrings(a.path, b.path));
}

/** The same scan, its photos packed outside the JS heap for a run's whole length (see PhotoList). */
export async function scanPhotoList(inputs: string[], opts: ScanOptions = {}): Promise<PhotoList> {
  return PhotoList.from(await scanInputs(inputs, opts));
}

async function walk(root: string, dir: string, outDir: string | undefined, found: Map<string, PhotoRef>, skip: (input: string, reason: string) => void): Promise<void> {
  if (outDir !== undefined && (isInside(dir, outDir) || isInside(await realOrResolved(dir), outDir))) return;
  // Entries are read a batch at a time (opendir), not as one array: a folder of 100,000 photos as Dirent objects
  // was ~70 MB at once, the peak of a whole 100,000-photo run (issue 14: flat memory).
  const subfolders: string[] = [];
  try {
    const handle = await opendir(dir, { bufferSize: 256 });
    for await (const entry of handle) {
      if (entry.name.startsWith('.')) continue;
      const abs = path.join(dir, entry.name);
      if (entry.isDirectory()) {
        subfolders.push(abs);
        continue;
      }
      if (!isPhotoPath(entry.name) || found.has(abs)) continue;
      const file = relativeName(root, abs);
      // A name that is not valid UTF-8 reaches us with U+FFFD in it and cannot be opened by that name.
      if (entry.isFile() && !entry.name.includes('\uFFFD')) {
        found.set(abs, { path: abs, file });
        continue;
      }
      // A FIFO would hang the run, a link to /dev/zero would fill the memory: only regular files (or links to one) are read.
      const target = await stat(abs).catch(() => undefined);
      if (target?.isFile()) found.set(abs, { path: abs, file });
      else if (!target && entry.name.includes('\uFFFD')) skip(file, 'the name is not valid UTF-8 (rename the file)');
      else skip(file, target ? `not a regular file (${kindOf(target)})` : entry.isSymbolicLink() ? 'a broken symbolic link' : 'cannot be read');
    }
  } catch (err) {
    // One unreadable folder (permissions, a card pulled out) must not abort the whole scan.
    if (dir === root) throw err;
    skip(toPosix(path.relative(root, dir)) + '/', `the folder cannot be read (${(err as NodeJS.ErrnoException).code ?? 'error'})`);
    return;
  }
  // Sub-folders after this folder's handle is closed: one open folder at a time, however deep the tree.
  for (const sub of subfolders) await walk(root, sub, outDir, found, skip);
}

async function realOrResolved(p: string): Promise<string> {
  return realpath(p).catch(() => p);
}

/**
 * `file` names a photo's outputs inside --out (sidecars, returned images). Two inputs with the same
 * `file` (IMG_1.jpg on two memory cards) would share them: those get their path relative to the
 * closest folder holding both, letter case ignored (macOS and Windows disks ignore it too).
 */
function disambiguate(photos: PhotoRef[]): PhotoRef[] {
  // A name held once maps to its photo, a shared one to the list of them: no array per photo (100,000 at a time).
  const groups = new Map<string, PhotoRef | PhotoRef[]>();
  for (const p of photos) {
    const key = p.file.toLowerCase();
    const held = groups.get(key);
    if (held === undefined) groups.set(key, p);
    else if (Array.isArray(held)) held.push(p);
    else groups.set(key, [held, p]);
  }
  return photos.map((p) => {
    const group = groups.get(p.file.toLowerCase())!;
    if (!Array.isArray(group)) return p;
    const base = commonDir(group.map((g) => g.path));
    let file = toPosix(path.relative(base, p.path));
    // Never land on another photo's name either.
    for (let i = 2; groups.has(file.toLowerCase()) && file !== p.file; i++) file = `${toPosix(path.relative(base, p.path))}~${i}`;
    return { ...p, file };
  });
}

function commonDir(paths: string[]): string {
  let dir = path.dirname(paths[0]!);
  while (!paths.every((p) => isInside(p, dir) && p !== dir)) {
    const up = path.dirname(dir);
    if (up === dir) break;
    dir = up;
  }
  return dir;
}

function isInside(child: string, parent: string): boolean {
  const rel = path.relative(parent, child);
  return rel === '' || (!rel.startsWith('..') && !path.isAbsolute(rel));
}

/**
 * The photo's name below its input folder. On POSIX it is the tail of `abs` itself (a slice V8 shares with the path
 * instead of a second copy): 100,000 photos hold one string each for the whole run, not two.
 */
function relativeName(root: string, abs: string): string {
  if (path.sep === '/' && abs.startsWith(root) && abs[root.length] === '/') return abs.slice(root.length + 1);
  return toPosix(path.relative(root, abs));
}

function toPosix(p: string): string {
  return p.split(path.sep).join('/');
}

/** Byte-wise order, so the same tree sorts the same on every machine and locale. */
function compareStrings(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
