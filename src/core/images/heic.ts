import { ImageError } from '../errors.js';
import type { ByteSource } from './bytes.js';
import { decodeHeicPixels, HeicDecodeError } from './heic-decoder.js';
import { chooseHeicDecoder, decodeHeicNative } from './heic-native.js';
import { withOrientation } from './jpeg.js';
import { readHeifInfo, type HeifInfo } from './heif.js';
import { tiffHeaderBytes, writeTiffHeader } from './tiff-write.js';

/** A HEIC as the pipeline sees it: its upright size and the orientation still to apply after decoding. */
export interface HeicPlan {
  info: HeifInfo;
  /** Upright size of the photo. */
  width: number;
  height: number;
  /**
   * EXIF orientation to apply to libheif's output: 1 when the container has irot/imir (libheif already
   * turned the pixels; applying EXIF too would turn them twice), else the EXIF tag (iphone_7.heic: 6).
   */
  orientation: number;
}

/** Reads the container only (a few KB): size, transforms, EXIF orientation. No pixels are decoded. */
export async function planHeic(src: ByteSource): Promise<HeicPlan | undefined> {
  let info: HeifInfo | undefined;
  try {
    info = await readHeifInfo(src);
  } catch (err) {
    if (!(err instanceof RangeError)) throw err; // a length field pointing past the data
  }
  if (!info) {
    throw new ImageError('Damaged HEIC container (no primary image found); copy the file again or re-export it', 'unreadable');
  }
  if (info.itemType === 'av01') return undefined; // AVIF under a generic HEIF brand: sharp decodes AV1
  const orientation = info.hasTransform ? 1 : (info.exifOrientation ?? 1);
  const swap = orientation >= 5;
  return { info, width: swap ? info.height : info.width, height: swap ? info.width : info.height, orientation };
}

export interface HeicLimits {
  limitInputPixels: number;
  timeoutSeconds: number;
}

/**
 * Decodes a HEIC to something sharp reads like any photo, upright per `plan`: with the machine's native
 * libheif when it has one (a JPEG), else with the bundled WebAssembly build (a TIFF). Throws ImageError.
 */
export async function decodeHeic(src: ByteSource, plan: HeicPlan, limits: HeicLimits): Promise<Buffer> {
  checkPixelLimit(plan.width, plan.height, limits.limitInputPixels);
  let choice;
  try {
    choice = await chooseHeicDecoder();
  } catch (err) {
    throw heicDecodeError(err, limits.timeoutSeconds);
  }
  if (choice.kind === 'wasm') return decodeHeicToTiff(src, plan, limits);
  let jpeg: Buffer;
  try {
    jpeg = await decodeHeicNative(choice.tool, await src.all(), limits.timeoutSeconds * 1000);
  } catch (err) {
    throw heicDecodeError(err, limits.timeoutSeconds);
  }
  // libheif has applied irot/imir; the EXIF it copied may still say "turn": the plan decides, as for WASM.
  return withOrientation(jpeg, plan.orientation);
}

/**
 * Decodes a HEIC to an uncompressed TIFF that sharp reads like any photo: libheif's pixels, the
 * container's ICC profile, and the Orientation tag from `plan`. Throws ImageError.
 */
export async function decodeHeicToTiff(src: ByteSource, plan: HeicPlan, limits: HeicLimits): Promise<Buffer> {
  checkPixelLimit(plan.width, plan.height, limits.limitInputPixels);
  const icc = plan.info.icc;
  const reserve = tiffHeaderBytes(icc?.length ?? 0);
  let decoded;
  try {
    decoded = await decodeHeicPixels(await src.all(), reserve, limits.timeoutSeconds * 1000);
  } catch (err) {
    throw heicDecodeError(err, limits.timeoutSeconds);
  }
  const { width, height, channels, data } = decoded;
  writeTiffHeader(data, { width, height, channels, orientation: plan.orientation, ...(icc ? { icc } : {}) });
  return data;
}

/** The same wording and kind as sharp's own pixel-limit failure (toImageError). */
export function checkPixelLimit(width: number, height: number, limitInputPixels: number): void {
  if (width * height <= limitInputPixels) return;
  const mp = ((width * height) / 1e6).toFixed(0);
  const limitMp = (limitInputPixels / 1e6).toFixed(0);
  throw new ImageError(`Image is ${width}×${height} (${mp} MP), over the ${limitMp} MP pixel limit; downscale it first`, 'too_large');
}

function heicDecodeError(err: unknown, timeoutSeconds: number): ImageError {
  if (!(err instanceof HeicDecodeError)) {
    return new ImageError(`Could not decode the HEIC photo (${String(err)}); convert it to JPEG`, 'unreadable', err);
  }
  const detail = err.message.split('\n')[0]!.slice(0, 100);
  switch (err.reason) {
    case 'timeout':
      return new ImageError(
        `Processing took longer than the ${timeoutSeconds} s timeout (very large or complex image); downscale it first`,
        'too_large',
        err,
      );
    case 'load':
      return new ImageError(`The HEIC decoder could not be loaded (${detail}); reinstall photobatch or convert HEIC to JPEG`, 'unreadable', err);
    case 'crash':
      return new ImageError(`The HEIC decoder failed on this photo (${detail}); convert it to JPEG`, 'unreadable', err);
    default:
      return new ImageError(`Damaged or truncated HEIC data (${detail}); copy the file again or re-export it`, 'unreadable', err);
  }
}
