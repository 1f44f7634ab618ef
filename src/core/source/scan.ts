import { opendir, realpath, stat } from 'node:fs/promises';
import path from 'node:path';
import type { PhotoRef } from '../types.js';
import { UsageError } from '../errors.js';
import { kindOf } from '../images/read-input.js';
import { PhotoList } from './photo-list.js';
import { disambiguate } from './disambiguate.js';
import { mergeSorted } from './scan-merge.js';
import { compareStrings, isInside, toPosix } from './scan-paths.js';

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
  return [...(await scanPhotoList(inputs, opts))];
}

/**
 * The same scan, its photos packed outside the JS heap for a run's whole length (see PhotoList), packed as they
 * are found: each folder's names are sorted and walked in order, so the list comes out in global path order with
 * no object per photo and no global sort (issue 14: the old map, copies and sort of 100,000 `PhotoRef`s were the
 * peak memory of a whole run). Each input gives its own sorted list; several are merged (see mergeSorted).
 */
export async function scanPhotoList(inputs: string[], opts: ScanOptions = {}): Promise<PhotoList> {
  const cwd = opts.cwd ?? process.cwd();
  // The output folder is recognised however it is reached: by its real path, symlinks resolved.
  const outDir = opts.outDir === undefined ? undefined : await realOrResolved(path.resolve(cwd, opts.outDir));
  const skip = opts.onSkip ?? (() => {});

  const expanded: { input: string; fromStdin: boolean }[] = [];
  for (const input of inputs) {
    if (input === '-') {
      const fromStdin = opts.readStdinPaths ? await opts.readStdinPaths() : [];
      for (const p of fromStdin) expanded.push({ input: p, fromStdin: true });
    } else {
      expanded.push({ input, fromStdin: false });
    }
  }

  const lists: PhotoList[] = [];
  // Files named one after another make one list (a stdin list of 100,000 files is one list, not 100,000).
  let files: string[] = [];
  const endFiles = () => {
    if (files.length === 0) return;
    const list = new PhotoList();
    let last: string | undefined;
    for (const abs of files.sort(compareStrings)) {
      if (abs !== last) list.add(abs, path.basename(abs));
      last = abs;
    }
    lists.push(list);
    files = [];
  };
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
      endFiles();
      const list = new PhotoList();
      await walk({ root: abs, outDir, list, skip }, abs);
      lists.push(list);
    } else if (info.isFile()) {
      // A file named explicitly is a photo whatever its extension: the user asked for it.
      files.push(abs);
    } else {
      skip(input, `not a regular file (${kindOf(info)}); photobatch reads only regular files`);
    }
  }
  endFiles();

  const photos = mergeSorted(lists);
  disambiguate(photos);
  return photos;
}

interface Walk {
  root: string;
  outDir: string | undefined;
  list: PhotoList;
  skip: (input: string, reason: string) => void;
}

/**
 * Packs the photos below `dir` into `walk.list` in path order. A folder's names are sorted with a sub-folder's
 * name as `name/`: a name never holds '/', so that is the order of the full paths, each sub-folder's photos
 * between the names that sort around `name/` (`a-b.jpg` < `a.b/…` < `a.jpg` < `a/…` < `a0.jpg`).
 */
async function walk(tree: Walk, dir: string): Promise<void> {
  const { root, outDir, list, skip } = tree;
  if (outDir !== undefined && (isInside(dir, outDir) || isInside(await realOrResolved(dir), outDir))) return;
  // Entries are read a batch at a time (opendir), not as one array: a folder of 100,000 photos as Dirent objects
  // was ~70 MB at once. Only the names are kept (to sort them), and only those of photos and sub-folders.
  const names: string[] = [];
  // Photo names that are not plain regular files (a link, a FIFO, a name not valid UTF-8): true for a link.
  let unusual: Map<string, boolean> | undefined;
  let readable = true;
  try {
    const handle = await opendir(dir, { bufferSize: 256 });
    for await (const entry of handle) {
      if (entry.name.startsWith('.')) continue;
      if (entry.isDirectory()) {
        names.push(`${entry.name}/`);
      } else if (isPhotoPath(entry.name)) {
        names.push(entry.name);
        // A name that is not valid UTF-8 reaches us with U+FFFD in it and cannot be opened by that name.
        if (!entry.isFile() || entry.name.includes('\uFFFD')) (unusual ??= new Map()).set(entry.name, entry.isSymbolicLink());
      }
    }
  } catch (err) {
    // One unreadable folder (permissions, a card pulled out) must not abort the whole scan; what was read is kept.
    if (dir === root) throw err;
    skip(toPosix(path.relative(root, dir)) + '/', `the folder cannot be read (${(err as NodeJS.ErrnoException).code ?? 'error'})`);
    readable = false;
  }
  names.sort(compareStrings);
  let last: string | undefined;
  for (const name of names) {
    if (name.endsWith('/')) {
      // Sub-folders after this folder's handle is closed: one open folder at a time, however deep the tree.
      if (readable) await walk(tree, path.join(dir, name.slice(0, -1)));
      continue;
    }
    const abs = path.join(dir, name);
    // Two names not valid UTF-8 can read as the same name: the photo is taken once.
    if (abs === last) continue;
    const file = relativeName(root, abs);
    const link = unusual?.get(name);
    if (link === undefined) {
      list.add(abs, file);
      last = abs;
      continue;
    }
    // A FIFO would hang the run, a link to /dev/zero would fill the memory: only regular files (or links to one) are read.
    const target = await stat(abs).catch(() => undefined);
    if (target?.isFile()) {
      list.add(abs, file);
      last = abs;
    } else if (!target && name.includes('\uFFFD')) skip(file, 'the name is not valid UTF-8 (rename the file)');
    else skip(file, target ? `not a regular file (${kindOf(target)})` : link ? 'a broken symbolic link' : 'cannot be read');
  }
}

async function realOrResolved(p: string): Promise<string> {
  return realpath(p).catch(() => p);
}

/**
 * The photo's name below its input folder. On POSIX it is the tail of `abs` itself (a slice V8 shares with the path
 * instead of a second copy).
 */
function relativeName(root: string, abs: string): string {
  if (path.sep === '/' && abs.startsWith(root) && abs[root.length] === '/') return abs.slice(root.length + 1);
  return toPosix(path.relative(root, abs));
}
