import { stat } from 'node:fs/promises';
import path from 'node:path';
import sharp, { type Metadata } from 'sharp';
import { ImageError } from '../errors.js';
import { detectFormat } from './detect.js';
import { checkPixelLimit, planHeic } from './heic.js';
import { findRawPreview } from './raw-preview.js';
import { isRawFormat, withSource } from './source.js';
import { vipsRetryAlone, vipsShared } from './vips-gate.js';
import { readInputHead } from './read-input.js';

/** sharp's own default (0x3FFF²): a 20000×14000 JPEG (280 MP) is over it. */
export const DEFAULT_LIMIT_INPUT_PIXELS = 268_402_689;

/** Bytes read for a JPEG's header: an APP1 (EXIF) segment is at most 64 KiB, and the frame header follows. */
const HEADER_BYTES = 192 * 1024;


export interface ImageHeader {
  /** Width and height as the photo is seen: EXIF orientations 5–8 swap them. */
  width: number;
  height: number;
  /** Container format detected from the content ('jpeg', 'png', 'heif', 'raw', …), not the extension. */
  format: string;
  /** EXIF orientation tag (1–8), when present. */
  orientation?: number;
  /** Frames or pages (animated GIF/WebP, multi-page TIFF); only the first is used. */
  pages?: number;
  /** HEIF only: 'av1' (AVIF) or 'hevc' (HEIC). */
  compression?: string;
}

export interface HeaderOptions {
  /** Reject images with more pixels than this (from the header, before any decode). */
  limitInputPixels?: number;
}

/**
 * Reads an image's header only: format and ORIENTED size, no pixel decode (about 0.5 ms a file).
 * HEIC: from the container (ispe, irot, EXIF orientation), as preparePhoto will orient it. Camera
 * RAW: the size of the embedded JPEG preview preparePhoto would use, from its SOF header.
 * Throws ImageError for what preparePhoto would also reject from the header alone: not an image,
 * over the pixel limit, a RAW without a usable preview. Damaged pixel data is only found by
 * preparePhoto.
 */
export async function readImageHeader(input: Buffer | string, opts: HeaderOptions = {}): Promise<ImageHeader> {
  const limitInputPixels = opts.limitInputPixels ?? DEFAULT_LIMIT_INPUT_PIXELS;
  if (typeof input === 'string') {
    // sharp first: for JPEG, PNG, WebP… it is the whole answer, and sniffing the file before it costs three
    // more thread-pool round trips per photo (a dry run of 10,000 JPEGs: 8.0 → 6.3 s). HEIF and TIFF may be
    // HEIC or a camera RAW, and a failure may be a format sharp does not know: those are sniffed below.
    // A JPEG's size and orientation are in its first segments: read them from the file's head (one open, one read)
    // rather than letting libvips probe the file by name. Anything else, or a JPEG whose frame header lies past
    // the head, is read whole below.
    // A file that cannot be read this way gets its one-line error from the full read below, as before.
    const head = await readInputHead(input, HEADER_BYTES).catch(() => undefined);
    const first = head && detectFormat(head) === 'jpeg' ? await sharp(head, { limitInputPixels }).metadata().catch(() => undefined) : undefined;
    if (first?.format === 'jpeg' && first.width && first.height) return headerFromMetadata(first);
    const meta = await sharp(input, { limitInputPixels }).metadata().catch(() => undefined);
    if (meta && meta.format !== 'heif' && meta.format !== 'tiff' && meta.width && meta.height) return headerFromMetadata(meta);
  }
  return withSource(input, async (src, format) => {
    if (src && format === 'heic') {
      const plan = await planHeic(src);
      if (plan) {
        checkPixelLimit(plan.width, plan.height, limitInputPixels);
        const o = plan.info.exifOrientation;
        return { width: plan.width, height: plan.height, format: 'heif', compression: 'hevc', ...(o === undefined ? {} : { orientation: o }) };
      }
    }
    if (src && isRawFormat(format)) {
      const p = await findRawPreview(src, format);
      const swap = p.orientation >= 5;
      const [width, height] = swap ? [p.height, p.width] : [p.width, p.height];
      checkPixelLimit(width, height, limitInputPixels);
      return { width, height, format: 'raw', orientation: p.orientation };
    }
    const read = () => sharp(input, { limitInputPixels }).metadata();
    let meta: Metadata;
    try {
      meta = await vipsShared(read);
    } catch (err) {
      // Read again alone, so the message is this file's own (see vips-gate.ts).
      const again = await vipsRetryAlone(read);
      if (!again.ok) throw await toImageError(again.error, { input, limitInputPixels });
      meta = again.value;
    }
    return headerFromMetadata(meta);
  });
}

/** The header fields of sharp metadata, or an ImageError when the photo cannot be decoded by this build. */
export function headerFromMetadata(meta: Metadata): ImageHeader {
  const rawW = meta.width;
  const rawH = meta.height;
  if (!rawW || !rawH) {
    throw new ImageError('Not an image sharp can read (no image size in the header); check the file', 'unreadable');
  }
  if (meta.format === 'heif' && meta.compression === 'hevc' && !canDecodeHevc()) throw heicError();
  // sharp ≥0.34 reports the oriented size; swap by hand for orientations 5–8 otherwise.
  const swap = (meta.orientation ?? 1) >= 5;
  const width = meta.autoOrient?.width ?? (swap ? rawH : rawW);
  const height = meta.autoOrient?.height ?? (swap ? rawW : rawH);
  return {
    width,
    height,
    format: meta.format,
    ...(meta.orientation === undefined ? {} : { orientation: meta.orientation }),
    ...(meta.pages === undefined ? {} : { pages: meta.pages }),
    ...(meta.compression === undefined ? {} : { compression: meta.compression }),
  };
}

/**
 * Prebuilt sharp binaries decode AVIF only; a libvips built with libde265 lists '.heic' too. HEIC
 * photos no longer depend on it (preparePhoto decodes them with libheif-js); it only decides the
 * error for a HEVC image that reaches sharp undetected.
 */
export function canDecodeHevc(): boolean {
  return sharp.format.heif?.input.fileSuffix?.includes('.heic') ?? false;
}

function heicError(cause?: unknown): ImageError {
  return new ImageError(
    'HEIC (HEVC) photos are not supported by this sharp build; convert them to JPEG first',
    'unreadable',
    cause,
  );
}

const RAW_EXTENSIONS = new Set([
  '.3fr', '.ari', '.arw', '.cr2', '.cr3', '.crw', '.dcr', '.erf', '.iiq', '.k25', '.kdc', '.mef', '.mos', '.mrw',
  '.nef', '.nrw', '.orf', '.pef', '.raf', '.raw', '.rw2', '.rwl', '.sr2', '.srf', '.srw', '.x3f',
]);

export interface ErrorContext {
  input: Buffer | string;
  limitInputPixels: number;
  timeoutSeconds?: number;
}

/**
 * Maps a sharp/libvips failure to an ImageError with a one-line, actionable message. sharp's own
 * first line goes in parentheses; the full text stays in `cause`. Never includes the file path.
 * Kinds: 'too_large' for the pixel limit and the processing timeout; 'unreadable' for everything
 * else that fails locally (missing, empty, not an image, RAW, HEIC, damaged or truncated data; the
 * message tells them apart). 'invalid_image' is left to the provider rejecting an image we sent.
 */
export async function toImageError(err: unknown, ctx: ErrorContext): Promise<ImageError> {
  if (err instanceof ImageError) return err;
  const raw = err instanceof Error ? err.message : String(err);
  const detail = detailOf(raw, ctx.input);
  const fail = (message: string, kind: 'unreadable' | 'too_large' = 'unreadable') => new ImageError(message, kind, err);

  if (/exceeds pixel limit/i.test(raw)) {
    const limitMp = (ctx.limitInputPixels / 1e6).toFixed(0);
    const size = await sizeIgnoringLimit(ctx.input);
    const what = size ? `Image is ${size.width}×${size.height} (${((size.width * size.height) / 1e6).toFixed(0)} MP),` : 'Image is';
    return fail(`${what} over the ${limitMp} MP pixel limit; downscale it first`, 'too_large');
  }
  if (/^timeout\b/i.test(raw)) {
    const secs = ctx.timeoutSeconds === undefined ? '' : ` ${ctx.timeoutSeconds} s`;
    return fail(`Processing took longer than the${secs} timeout (very large or complex image); downscale it first`, 'too_large');
  }
  if (/Input file is missing/i.test(raw)) return fail('File not found; check the path');
  if (/Input buffer is empty/i.test(raw) || (await isEmptyFile(ctx.input))) {
    return fail('Empty file (0 bytes); check the file or copy it again');
  }
  if (/HEVC|libde265|Unsupported codec|compression format has not been built in/i.test(raw)) return heicError(err);
  if (/unsupported image format/i.test(raw)) {
    if (typeof ctx.input === 'string' && RAW_EXTENSIONS.has(path.extname(ctx.input).toLowerCase())) {
      // Formats we find no TIFF/RAF/CR3 structure in (CRW, X3F, MRW…) or not a RAW at all.
      return fail('This camera RAW format is not supported (unsupported image format); export a JPEG from your RAW editor');
    }
    return fail(`Not an image sharp can read (${detail}); check the file`);
  }
  if (/corrupt header/i.test(raw)) return fail(`Damaged image header (${detail}); the file cannot be read, copy it again`);
  if (/premature end|unexpected end|truncated|corrupt|read error|bad huffman|invalid|unable to parse/i.test(raw)) {
    return fail(`Damaged or truncated image data (${detail}); copy the file again or re-export it`);
  }
  return fail(`Could not decode the image (${detail}); check the file or convert it to JPEG`);
}

/** sharp's first meaningful line, without the file path, shortened. */
function detailOf(raw: string, input: Buffer | string): string {
  let line = raw.split('\n').map((l) => l.trim()).find((l) => l !== '') ?? 'unknown error';
  if (typeof input === 'string') line = line.split(input).join('').replace(/^[:\s]+/, '');
  line = line.replace(/^Input (file|buffer) (has corrupt header|contains)\s*:?\s*/i, '').trim() || line;
  return line.length > 100 ? `${line.slice(0, 97)}...` : line;
}

async function sizeIgnoringLimit(input: Buffer | string): Promise<{ width: number; height: number } | undefined> {
  try {
    const meta = await vipsShared(() => sharp(input, { limitInputPixels: false }).metadata());
    return meta.width && meta.height ? { width: meta.width, height: meta.height } : undefined;
  } catch {
    return undefined;
  }
}

async function isEmptyFile(input: Buffer | string): Promise<boolean> {
  if (typeof input !== 'string') return input.length === 0;
  try {
    return (await stat(input)).size === 0;
  } catch {
    return false;
  }
}
