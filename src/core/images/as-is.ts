import sharp from 'sharp';
import { declaredOrientation } from './exif.js';
import { newJpegFacts, stripJpegMetadata } from './jpeg-strip.js';

/** Above this, a JPEG is re-encoded at the asked quality even when it needs nothing else: it is not worth its bytes. */
const AS_IS_MAX_BYTES_PER_PIXEL = 1;
/** The contact sheet's thumbnail quality (contact-sheet/thumbnail.ts uses the same). */
const THUMBNAIL_QUALITY = 70;
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
  if (input.length < 4 || input[0] !== 0xff || input[1] !== 0xd8 || input[2] !== 0xff) return undefined;
  const facts = newJpegFacts();
  const data = stripJpegMetadata(input, facts);
  if (!data || facts.icc || facts.exif.length > 1 || !(facts.components === 1 || facts.components === 3)) return undefined;
  if (facts.exif.length === 1 && declaredOrientation(facts.exif[0]!) !== 1) return undefined;
  const { width, height } = facts;
  if (width * height > s.limitInputPixels) return undefined;
  const box = s.box(width, height);
  if (width > box.width || height > box.height || data.length > width * height * AS_IS_MAX_BYTES_PER_PIXEL) return undefined;
  const thumbPx = s.thumbnailPx;
  if (thumbPx === undefined) return { data, width, height };
  // Errors stay sharp's own: prepare's compress() runs the pipeline again alone for a stable message (vips-gate.ts).
  const thumbnail = Math.max(width, height) <= AS_IS_THUMBNAIL_FACTOR * thumbPx
    ? data
    : await sharp(input, { failOn: 'error', limitInputPixels: s.limitInputPixels })
      .resize(thumbPx, thumbPx, { fit: 'inside' }).jpeg({ quality: THUMBNAIL_QUALITY })
      .timeout({ seconds: s.timeoutSeconds }).toBuffer();
  return { data, width, height, thumbnail };
}
