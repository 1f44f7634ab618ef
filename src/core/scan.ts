import { readdir, stat } from 'node:fs/promises';
import path from 'node:path';
import type { PhotoRef } from './types.js';
import { UsageError } from './errors.js';

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
  const outDir = opts.outDir === undefined ? undefined : path.resolve(cwd, opts.outDir);
  const found = new Map<string, PhotoRef>();

  const expanded: string[] = [];
  for (const input of inputs) {
    if (input === '-') {
      const fromStdin = opts.readStdinPaths ? await opts.readStdinPaths() : [];
      expanded.push(...fromStdin);
    } else {
      expanded.push(input);
    }
  }

  for (const input of expanded) {
    const abs = path.resolve(cwd, input);
    let info;
    try {
      info = await stat(abs);
    } catch {
      throw new UsageError(`Input not found: ${input}. Check the path (folders, image files, or - to read paths from stdin).`);
    }
    if (info.isDirectory()) {
      await walk(abs, abs, outDir, found);
    } else if (info.isFile()) {
      // A file named explicitly is a photo whatever its extension: the user asked for it.
      if (!found.has(abs)) found.set(abs, { path: abs, file: path.basename(abs) });
    }
  }

  return [...found.values()].sort((a, b) => compareStrings(a.path, b.path));
}

async function walk(root: string, dir: string, outDir: string | undefined, found: Map<string, PhotoRef>): Promise<void> {
  if (outDir !== undefined && isInside(dir, outDir)) return;
  const entries = await readdir(dir, { withFileTypes: true });
  for (const entry of entries) {
    if (entry.name.startsWith('.')) continue;
    const abs = path.join(dir, entry.name);
    if (entry.isDirectory()) {
      await walk(root, abs, outDir, found);
    } else if ((entry.isFile() || entry.isSymbolicLink()) && isPhotoPath(entry.name)) {
      if (!found.has(abs)) found.set(abs, { path: abs, file: toPosix(path.relative(root, abs)) });
    }
  }
}

function isInside(child: string, parent: string): boolean {
  const rel = path.relative(parent, child);
  return rel === '' || (!rel.startsWith('..') && !path.isAbsolute(rel));
}

function toPosix(p: string): string {
  return p.split(path.sep).join('/');
}

/** Byte-wise order, so the same tree sorts the same on every machine and locale. */
function compareStrings(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
