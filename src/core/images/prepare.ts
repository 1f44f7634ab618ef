import sharp, { type Metadata, type Sharp } from 'sharp';
import { decodeHeic, planHeic } from './heic.js';
import { DEFAULT_LIMIT_INPUT_PIXELS, headerFromMetadata, toImageError } from './header.js';
import { ImageError } from '../errors.js';
import { withOrientation } from './jpeg.js';
import { sendJpegAsIs } from './as-is.js';
import { findRawPreview } from './raw-preview.js';
import { isRawFormat, withSource } from './source.js';
import { fitToBox } from './sizing.js';
import { vipsRetryAlone, vipsShared } from './vips-gate.js';

/** Seconds one photo may spend in sharp's pipeline (queue time for a libuv thread excluded). */
export const DEFAULT_TIMEOUT_SECONDS = 30;

export interface PrepareOptions {
  /** Longest edge allowed (px); also caps whatever `target` returns. */
  maxEdge: number;
  /** JPEG quality, 1–100. */
  quality: number;
  /** Model-aware size: given the ORIENTED source width and height, returns the box to fit inside. */
  target?: (width: number, height: number) => { width: number; height: number };
  /** Default 268,402,689 px (sharp's); checked from the header before decoding. */
  limitInputPixels?: number;
  /** Default 30 s. */
  timeoutSeconds?: number;
  /**
   * The original's file name, when `input` is a Buffer. Content decides the format; the name only
   * breaks the tie between a TIFF photo and a TIFF-based RAW whose first IFD shows no camera evidence.
   */
  fileName?: string;
  /**
   * Also make a thumbnail this many px on its longest edge (for the contact sheet) when the photo is sent as it is,
   * so it costs no second full decode later (a photo at most twice this size is its own thumbnail).
   */
  thumbnailPx?: number;
}

export interface PreparedPhoto {
  /** The JPEG to send: upright, sRGB, no alpha, no metadata (no EXIF, GPS, XMP or ICC). */
  data: Buffer;
  width: number;
  height: number;
  bytes: number;
  /** Oriented size of the original. */
  sourceWidth: number;
  sourceHeight: number;
  /** Format of `data`: always 'jpeg'. */
  format: string;
  /** Format of the original as detected from its content ('jpeg', 'png', 'webp', 'heif', 'raw', …). */
  sourceFormat: string;
  /** With `thumbnailPx`, when it came for free: a JPEG at most that size, or `data` itself when that is at most twice it. */
  thumbnail?: Buffer;
}

/**
 * Compresses one photo for a vision model: first frame only, upright (EXIF orientation applied to
 * the pixels, since vision APIs ignore EXIF), fitted inside the target box without enlarging,
 * transparency flattened onto white, converted to sRGB and re-encoded as JPEG with all metadata
 * stripped. Reads the input only; nothing is written anywhere.
 *
 * The format comes from the content. HEIC (HEVC), which prebuilt sharp cannot decode, is decoded by
 * libheif (WASM, in a worker thread) and oriented by its container; a camera RAW is replaced by its
 * largest embedded JPEG preview, oriented by the RAW's EXIF. Both then take the same sharp pipeline.
 *
 * Throws ImageError with a one-line message: 'too_large' (pixel limit, timeout) or 'unreadable'
 * (missing, empty, not an image, RAW without a usable preview, damaged or truncated data).
 */
export async function preparePhoto(input: Buffer | string, opts: PrepareOptions): Promise<PreparedPhoto> {
  const maxEdge = positiveInt(opts.maxEdge, 'maxEdge');
  const quality = positiveInt(opts.quality, 'quality');
  if (quality > 100) throw new TypeError('Expected `quality` to be an integer from 1 to 100.');
  const limitInputPixels = opts.limitInputPixels ?? DEFAULT_LIMIT_INPUT_PIXELS;
  const timeoutSeconds = opts.timeoutSeconds ?? DEFAULT_TIMEOUT_SECONDS;
  const settings: Settings = { maxEdge, quality, limitInputPixels, timeoutSeconds, target: opts.target, thumbnailPx: opts.thumbnailPx };

  return withSource(input, async (src, format) => {
    if (src && format === 'heic') {
      const plan = await planHeic(src); // undefined: an AV1 HEIF, which sharp decodes itself
      if (plan) return compress(await decodeHeic(src, plan, settings), 'heif', settings);
    }
    if (src && isRawFormat(format)) {
      const preview = await findRawPreview(src, format);
      const jpeg = withOrientation(await src.read(preview.offset, preview.length), preview.orientation);
      return compress(jpeg, 'raw', settings);
    }
    return compress(input, undefined, settings);
  }, opts.fileName);
}

interface Settings {
  maxEdge: number;
  quality: number;
  limitInputPixels: number;
  timeoutSeconds: number;
  target: PrepareOptions['target'];
  thumbnailPx: number | undefined;
}

/**
 * The sharp pipeline, behind the vips gate: a failure is run once more alone, so its message is its
 * own and the same broken file reads the same in every run (see vips-gate.ts).
 * `sourceFormat` overrides what sharp sees when `input` was made from the original.
 */
async function compress(input: Buffer | string, sourceFormat: string | undefined, s: Settings): Promise<PreparedPhoto> {
  const ctx = { input, limitInputPixels: s.limitInputPixels, timeoutSeconds: s.timeoutSeconds };
  try {
    return await vipsShared(() => compressOnce(input, sourceFormat, s));
  } catch (err) {
    if (err instanceof ImageError || err instanceof ProgrammerError) throw err;
    // A timeout says what it is already; running a 30-second decode again would only double the wait.
    if (err instanceof Error && /^timeout\b/i.test(err.message)) throw await toImageError(err, ctx);
    const again = await vipsRetryAlone(() => compressOnce(input, sourceFormat, s));
    if (again.ok) return again.value;
    if (again.error instanceof ProgrammerError) throw again.error;
    throw await toImageError(again.error, ctx);
  }
}

/** A bad `target` function: the caller's bug, never a photo's fault. */
class ProgrammerError extends TypeError {}

/** One try of the pipeline; throws sharp's raw error (or an ImageError from the header). */
async function compressOnce(input: Buffer | string, sourceFormat: string | undefined, s: Settings): Promise<PreparedPhoto> {
  const { quality, limitInputPixels, timeoutSeconds } = s;
  // A JPEG that needs nothing but its metadata cut is decided from its bytes, before libvips sees it (as-is.ts).
  const asIs = sourceFormat === undefined && typeof input !== 'string'
    ? await sendJpegAsIs(input, { box: (w, h) => boxFor(s, w, h), limitInputPixels, timeoutSeconds, thumbnailPx: s.thumbnailPx })
    : undefined;
  if (asIs) {
    return { ...asIs, bytes: asIs.data.length, sourceWidth: asIs.width, sourceHeight: asIs.height, format: 'jpeg', sourceFormat: 'jpeg' };
  }
  const image: Sharp = sharp(input, {
    autoOrient: true,
    // 'error', not sharp's default 'warning': 'warning' also rejects decodable photos whose only fault
    // is a libjpeg/libtiff warning (stray bytes before a JPEG marker, GeoTIFF tags), while 'error'
    // still rejects truncated and corrupt data ("VipsJpeg: premature end of JPEG image"), which
    // 'truncated'/'none' would let through as half-grey pictures billed like real ones.
    failOn: 'error',
    limitInputPixels,
    pages: 1, // first frame of an animated GIF/WebP or multi-page TIFF (Claude uses only that one)
  });
  const meta: Metadata = await image.metadata();
  const source = headerFromMetadata(meta); // oriented size; a HEVC image sharp was handed undetected fails clearly

  const { width: boxWidth, height: boxHeight } = boxFor(s, source.width, source.height);

  const { data, info } = await image
    // Width and height let sharp use JPEG/WebP shrink-on-load; the 90° turn of autoOrient runs
    // after the resize, on the small image.
    // The exact size of the one sizing rule (sizing.ts), which the dry run prices too; 'fill' to a size that
    // already keeps the aspect is sharp's 'inside' without its dependence on shrink-on-load.
    .resize({ ...fitToBox(source.width, source.height, boxWidth, boxHeight), fit: 'fill' })
    .flatten({ background: '#ffffff' }) // JPEG has no alpha: transparent areas would turn black
    // sharp's JPEG output defaults do the rest: sRGB (ICC and CMYK converted), every metadata block
    // stripped (EXIF with GPS, XMP, IPTC, ICC), 4:2:0 chroma, optimised Huffman coding.
    .jpeg({ quality })
    .timeout({ seconds: timeoutSeconds })
    .toBuffer({ resolveWithObject: true });
  return {
    data,
    width: info.width,
    height: info.height,
    bytes: data.length,
    sourceWidth: source.width,
    sourceHeight: source.height,
    format: 'jpeg',
    sourceFormat: sourceFormat ?? source.format,
  };
}

/** The box a photo of this oriented size must fit: the model's target, never above --max-edge, at least 1 px. */
function boxFor(s: Settings, width: number, height: number): { width: number; height: number } {
  const box = s.target ? s.target(width, height) : { width: s.maxEdge, height: s.maxEdge };
  const boxWidth = Math.max(1, Math.min(s.maxEdge, Math.floor(box.width)));
  const boxHeight = Math.max(1, Math.min(s.maxEdge, Math.floor(box.height)));
  if (!Number.isFinite(boxWidth) || !Number.isFinite(boxHeight)) {
    throw new ProgrammerError('Expected `target` to return a finite width and height.');
  }
  return { width: boxWidth, height: boxHeight };
}

function positiveInt(value: number, name: string): number {
  if (!Number.isInteger(value) || value < 1) throw new TypeError(`Expected \`${name}\` to be a positive integer.`);
  return value;
}
