import sharp, { type Sharp } from 'sharp';
import { declaredOrientation } from './exif.js';
import { newJpegFacts, stripJpegMetadata } from './jpeg-strip.js';

/** Above this, a JPEG is re-encoded at the asked quality even when it needs nothing else: it is not worth its bytes. */
const AS_IS_MAX_BYTES_PER_PIXEL = 1;
/** The contact sheet's thumbnail quality. */
const THUMBNAIL_QUALITY = 70;

/** The one thumbnail recipe (here and contact-sheet/thumbnail.ts): at most `px` on its longest edge, never enlarged. */
export function toThumbnail(image: Sharp, px: number): Sharp {
  return image.resize(px, px, { fit: 'inside', withoutEnlargement: true }).jpeg({ quality: THUMBNAIL_QUALITY });
}
/** A photo sent as it is serves as its own contact-sheet thumbnail up to this many times the thumbnail's edge. */
export const AS_IS_THUMBNAIL_FACTOR = 2;

export interface AsIsSettings {
  /** The box the photo must fit, given its oriented size (prepare.ts's sizing). */
  box: (width: number, height: number) => { width: number; height: number };
  limitInputPixels: number;
  timeoutSeconds: number;
  thumbnailPx: number | undefined;
}

export interface AsIsPhoto {
  data: Buffer;
  width: number;
  height: number;
  thumbnail?: Buffer;
}

/**
 * A JPEG that already fits, is upright (no EXIF turn), sRGB or grey without an ICC profile to convert, and is not
 * heavier than a high-quality encode is sent as it is, with its metadata cut out losslessly: a second lossy encode
 * would cost CPU and quality for nothing.
 *
 * Decided from the bytes alone, without libvips: stripJpegMetadata checks every segment, scan header and restart
 * marker up to the EOI (what a decode with `failOn: 'error'` rejects) and notes the frame's size, its components,
 * any ICC profile and the EXIF orientation on the way. At -c 64, sharp's metadata() for this decision (libjpeg
 * reading the header, then EXIF, XMP and ICC copied out into a JS object) was the largest per-photo cost left on
 * the main thread (bench 9). Anything unusual (a turn, a profile, an EXIF block this reader cannot read, two of
 * them, over the pixel limit) returns undefined, and the full sharp pipeline decides, with its own errors.
 *
 * The contact-sheet thumbnail: a photo at most twice `thumbnailPx` is its own thumbnail (the bytes just sent: a
 * 2x-density image for the card); a larger one is decoded once, shrunk on load, for it.
 */
export async function sendJpegAsIs(input: Buffer, s: AsIsSettings): Promise<AsIsPhoto | undefined> {
  const facts = newJpegFacts();
  const data = stripJpegMetadata(input, facts, (f) => {
    if (f.icc || f.exif.length > 1 || !(f.components === 1 || f.components === 3)) return false;
    if (f.exif.length === 1 && declaredOrientation(f.exif[0]!) !== 1) return false;
    if (f.width * f.height > s.limitInputPixels) return false;
    const box = s.box(f.width, f.height);
    return f.width <= box.width && f.height <= box.height;
  });
  const { width, height } = facts;
  if (!data || data.length > width * height * AS_IS_MAX_BYTES_PER_PIXEL) return undefined;
  const thumbPx = s.thumbnailPx;
  if (thumbPx === undefined) return { data, width, height };
  // Errors stay sharp's own: prepare's compress() runs the pipeline again alone for a stable message (vips-gate.ts).
  const thumbnail = Math.max(width, height) <= AS_IS_THUMBNAIL_FACTOR * thumbPx
    ? data
    : await toThumbnail(sharp(input, { failOn: 'error', limitInputPixels: s.limitInputPixels }), thumbPx)
      .timeout({ seconds: s.timeoutSeconds }).toBuffer();
  return { data, width, height, thumbnail };
}
