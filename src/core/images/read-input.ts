import { constants } from 'node:fs';
import { open } from 'node:fs/promises';
import { ImageError } from '../errors.js';

/**
 * Largest photo read: 512 MiB, above the biggest camera RAWs (a 150 MP IIQ is ~180 MB) and most
 * scanned TIFFs. Anything larger is refused before a byte is read: a few of them at once would
 * exhaust the memory of the prepare pool.
 */
export const MAX_INPUT_BYTES = 512 * 1024 * 1024;

/**
 * Reads a photo only if it is a regular file of sane size. Opened non-blocking, so a FIFO named
 * `.jpg` cannot hang the run waiting for a writer; checked with fstat on the opened descriptor, so a
 * symlink to /dev/zero or a device is refused whatever its name; checked again after reading, so a
 * file that is still being copied is reported, not sent half-written.
 */
export async function readInputFile(file: string, maxBytes: number = MAX_INPUT_BYTES): Promise<Buffer> {
  const { fh, st: before } = await openPhoto(file, maxBytes);
  try {
    const data = Buffer.allocUnsafe(before.size);
    let got = 0;
    while (got < data.length) {
      const { bytesRead } = await fh.read(data, got, data.length - got, got);
      if (bytesRead === 0) break;
      got += bytesRead;
    }
    const after = await fh.stat();
    const extra = await fh.read(Buffer.alloc(1), 0, 1, got);
    if (got !== before.size || extra.bytesRead > 0 || after.size !== before.size || after.mtimeMs !== before.mtimeMs) {
      throw new ImageError('The file changed while it was read (still being copied?); re-run when it is complete', 'unreadable');
    }
    return data;
  } finally {
    await fh.close().catch(() => undefined);
  }
}

/**
 * The first `bytes` of a photo, by the same rules as readInputFile (non-blocking open, regular files only, size
 * cap), for header reads: one open and one read instead of libvips' loader probing, which opens and seeks the
 * file a dozen times (a dry run of 10,000 JPEGs spent 2.5x the CPU in it).
 */
export async function readInputHead(file: string, bytes: number, maxBytes: number = MAX_INPUT_BYTES): Promise<Buffer> {
  const { fh, st } = await openPhoto(file, maxBytes);
  try {
    const head = Buffer.allocUnsafe(Math.min(bytes, st.size));
    let got = 0;
    while (got < head.length) {
      const { bytesRead } = await fh.read(head, got, head.length - got, got);
      if (bytesRead === 0) break;
      got += bytesRead;
    }
    return head.subarray(0, got);
  } finally {
    await fh.close().catch(() => undefined);
  }
}

/** Opens a photo non-blocking and checks on the descriptor that it is a regular file under the size cap. */
async function openPhoto(file: string, maxBytes: number) {
  let fh;
  try {
    fh = await open(file, constants.O_RDONLY | constants.O_NONBLOCK | (constants.O_NOCTTY ?? 0));
  } catch (err) {
    throw openError(err as NodeJS.ErrnoException);
  }
  try {
    const st = await fh.stat();
    if (!st.isFile()) throw new ImageError(`Not a regular file (${kindOf(st)}); photobatch reads only regular files`, 'unreadable');
    if (st.size > maxBytes) throw new ImageError(`The file is ${mib(st.size)} MiB, above the ${mib(maxBytes)} MiB limit for one photo`, 'too_large');
    return { fh, st };
  } catch (err) {
    await fh.close().catch(() => undefined);
    throw err;
  }
}

function openError(err: NodeJS.ErrnoException): ImageError {
  const why: Record<string, string> = {
    ENOENT: 'The file disappeared before it was read (moved or deleted?)',
    EACCES: 'Permission denied; check that the file is readable',
    ENXIO: 'Not a regular file (a socket or a device without a reader)',
    ELOOP: 'Too many levels of symbolic links',
    EISDIR: 'A folder, not a photo',
  };
  return new ImageError(why[err.code ?? ''] ?? `Cannot open the file (${err.code ?? 'error'})`, 'unreadable', err);
}

/** What a non-regular file is, in words, for one-line errors. */
export function kindOf(st: import('node:fs').Stats): string {
  if (st.isFIFO()) return 'a named pipe';
  if (st.isCharacterDevice()) return 'a character device';
  if (st.isBlockDevice()) return 'a block device';
  if (st.isSocket()) return 'a socket';
  if (st.isDirectory()) return 'a folder';
  return 'not a file';
}

function mib(n: number): string {
  return (n / 1048576).toFixed(n < 10 * 1048576 ? 1 : 0);
}
