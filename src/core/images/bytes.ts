import { constants } from 'node:fs';
import { open, type FileHandle } from 'node:fs/promises';
import { ImageError } from '../errors.js';

/**
 * Random-access reads over a Buffer or a file. Container parsers (TIFF, ISO-BMFF, RAF) read only the
 * bytes they need through it, so a dry-run header of a 40 MB RAW touches a few kilobytes, not 40 MB.
 */
export interface ByteSource {
  readonly size: number;
  /** The first bytes (up to HEAD_BYTES): enough for magic numbers and a TIFF's first IFD. */
  readonly head: Buffer;
  /** Up to `length` bytes from `offset`: shorter at the end of the data, empty past it. */
  read(offset: number, length: number): Promise<Buffer>;
  /** The whole content. */
  all(): Promise<Buffer>;
}

/** 16 KB: one page-cache read, and enough for the first IFD of every TIFF-based RAW we know. */
export const HEAD_BYTES = 16 * 1024;

export function bufferSource(buf: Buffer): ByteSource {
  return {
    size: buf.length,
    head: buf.subarray(0, HEAD_BYTES),
    read: async (offset, length) => slice(buf, offset, length),
    all: async () => buf,
  };
}

/** An open file with its head read: `source()` gives random access to it; `close()` when done. */
export interface OpenedFile {
  head: Buffer;
  source(): Promise<ByteSource>;
  close(): Promise<void>;
}

export async function openFile(file: string): Promise<OpenedFile> {
  // Non-blocking open and a type check on the descriptor: a FIFO must not hang a dry run, a device must not be read.
  const fh = await open(file, constants.O_RDONLY | constants.O_NONBLOCK);
  let head: Buffer;
  try {
    if (!(await fh.stat()).isFile()) throw new ImageError('Not a regular file (a pipe, device or socket); photobatch reads only regular files', 'unreadable');
    head = await readAt(fh, 0, HEAD_BYTES);
  } catch (err) {
    await fh.close().catch(() => undefined);
    throw err;
  }
  return {
    head,
    // The size costs a stat: only the formats parsed here (HEIC, RAW) ask for it.
    source: async () => fileSource(fh, head, head.length < HEAD_BYTES ? head.length : (await fh.stat()).size),
    close: () => fh.close(),
  };
}

function fileSource(fh: FileHandle, head: Buffer, size: number): ByteSource {
  let whole: Buffer | undefined;
  return {
    size,
    head,
    read: async (offset, length) => {
      if (whole) return slice(whole, offset, length);
      if (offset + length <= head.length) return slice(head, offset, length);
      return readAt(fh, offset, Math.max(0, Math.min(length, size - offset)));
    },
    all: async () => (whole ??= await readAt(fh, 0, size)),
  };
}

function slice(buf: Buffer, offset: number, length: number): Buffer {
  if (!(offset >= 0) || !(length > 0) || offset >= buf.length) return Buffer.alloc(0);
  return buf.subarray(offset, Math.min(buf.length, offset + length));
}

async function readAt(fh: FileHandle, offset: number, length: number): Promise<Buffer> {
  if (!(offset >= 0) || !(length > 0)) return Buffer.alloc(0);
  const out = Buffer.allocUnsafe(length);
  let got = 0;
  // A positional read may return fewer bytes than asked (large reads, network filesystems): loop.
  while (got < length) {
    const { bytesRead } = await fh.read(out, got, length - got, offset + got);
    if (bytesRead === 0) break;
    got += bytesRead;
  }
  return got === length ? out : out.subarray(0, got);
}
