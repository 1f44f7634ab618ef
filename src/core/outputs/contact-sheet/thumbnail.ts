import { access, mkdir } from 'node:fs/promises';
import path from 'node:path';
import sharp from 'sharp';
import { writeFileAtomic } from '../../record/atomic-write.js';
import { AS_IS_THUMBNAIL_FACTOR, toThumbnail } from '../../images/as-is.js';
import { vipsShared } from '../../images/vips-gate.js';

export const THUMBS_DIR = 'thumbs';
/** Big enough for a 2x-density phone card, small enough that a 2,000-photo sheet stays light. */
export const THUMB_MAX_PX = 320;

const SHA256_HEX = /^[0-9a-f]{64}$/;

/** sha256 comes from results.jsonl, which anyone can edit: only a plain hex digest may become a path. */
export function isThumbnailKey(sha256: string): boolean {
  return SHA256_HEX.test(sha256);
}

/** A URL path (forward slashes on every OS), relative to the output folder. */
export function thumbnailRelPath(sha256: string): string {
  if (!isThumbnailKey(sha256)) throw new Error(`not a sha256 hex digest: ${JSON.stringify(sha256)}`);
  return `${THUMBS_DIR}/${sha256}.jpg`;
}

/**
 * Thumbnails are keyed by content, so a photo answered again (or a duplicate) reuses the file
 * that is already there instead of paying for another resize.
 */
export async function writeThumbnail(
  outDir: string,
  sha256: string,
  jpeg: Buffer,
  /**
   * The JPEG's size, when known: one at most twice the thumbnail's edge is written as it is (a 2x-density image for
   * the card), with no second decode and encode; so is a `thumbnail` made with it (preparePhoto's `thumbnailPx`).
   */
  size?: { width: number; height: number; thumbnail?: Buffer },
): Promise<string> {
  const rel = thumbnailRelPath(sha256);
  const file = path.join(outDir, ...rel.split('/'));
  if (await exists(file)) return rel;
  const dir = path.dirname(file);
  const small = size !== undefined && Math.max(size.width, size.height) <= THUMB_MAX_PX * AS_IS_THUMBNAIL_FACTOR;
  const thumb = size?.thumbnail ?? (small
    ? jpeg
    : await vipsShared(() => toThumbnail(sharp(jpeg), THUMB_MAX_PX).toBuffer()));
  // mkdir once per folder and process, not once per photo: at -c 64 every file-system call waits for a libuv
  // thread. Concurrent workers may thumbnail the same bytes; the rename makes the last one win whole.
  if (!madeDirs.has(dir)) {
    await mkdir(dir, { recursive: true });
    madeDirs.add(dir);
  }
  try {
    await writeFileAtomic(file, thumb);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
    await mkdir(dir, { recursive: true }); // the folder was removed since
    await writeFileAtomic(file, thumb);
  }
  return rel;
}

const madeDirs = new Set<string>();

async function exists(file: string): Promise<boolean> {
  try {
    await access(file);
    return true;
  } catch {
    return false;
  }
}
