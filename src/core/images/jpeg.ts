import type { ByteSource } from './bytes.js';
import { readExif } from './exif.js';

export interface JpegInfo {
  width: number;
  height: number;
  /** The SOF marker: 0xc0 baseline, 0xc1 extended, 0xc2 progressive, 0xc3 lossless… */
  sof: number;
  /** The JPEG's own EXIF orientation, when it has one. */
  orientation?: number;
}

/** SOF markers libjpeg decodes: baseline, extended sequential and progressive Huffman. */
const DECODABLE_SOF = new Set([0xc0, 0xc1, 0xc2]);
const EXIF_ID = Buffer.from('Exif\0\0', 'latin1');
const MAX_SEGMENTS = 256;

/**
 * Reads a JPEG's size from its SOF header by walking the marker segments from SOI: no decode.
 * `limit` bounds the walk (the JPEG's declared length inside a RAW). Undefined when it is not a
 * JPEG or its header is broken before the SOF.
 */
export async function readJpegInfo(src: ByteSource, offset: number, limit: number): Promise<JpegInfo | undefined> {
  const end = Math.min(src.size, offset + limit);
  const soi = await src.read(offset, 3);
  if (soi.length < 3 || soi[0] !== 0xff || soi[1] !== 0xd8 || soi[2] !== 0xff) return undefined;
  let pos = offset + 2;
  let orientation: number | undefined;
  for (let i = 0; i < MAX_SEGMENTS && pos + 4 <= end; i++) {
    const seg = await src.read(pos, 4);
    if (seg.length < 4 || seg[0] !== 0xff) return undefined;
    const marker = seg[1]!;
    if (marker === 0xff) { pos += 1; continue; } // fill byte before a marker
    // Standalone markers (SOI, EOI, RSTn, TEM) cannot come before the frame header.
    if (marker === 0xd8 || marker === 0xd9 || marker === 0x01 || (marker >= 0xd0 && marker <= 0xd7)) return undefined;
    const len = seg.readUInt16BE(2);
    if (len < 2) return undefined;
    if (isSof(marker)) {
      const frame = await src.read(pos + 4, 5);
      if (frame.length < 5) return undefined;
      const height = frame.readUInt16BE(1);
      const width = frame.readUInt16BE(3);
      if (width === 0 || height === 0) return undefined; // DNL-sized frames: not worth supporting
      return { width, height, sof: marker, ...(orientation === undefined ? {} : { orientation }) };
    }
    if (marker === 0xda) return undefined; // scan data before any frame header
    if (marker === 0xe1 && orientation === undefined && len > 8) {
      const app1 = await src.read(pos + 4, len - 2);
      if (app1.subarray(0, 6).equals(EXIF_ID)) orientation = readExif(app1.subarray(6)).orientation;
    }
    pos += 2 + len;
  }
  return undefined;
}

export function isDecodableSof(sof: number): boolean {
  return DECODABLE_SOF.has(sof);
}

function isSof(marker: number): boolean {
  return marker >= 0xc0 && marker <= 0xcf && marker !== 0xc4 && marker !== 0xc8 && marker !== 0xcc;
}

/**
 * Where a JPEG stored in [offset, offset + length) ends: just after its EOI marker, searched for in
 * the last 4 KB (cameras pad previews to a word or sector). Undefined when there is none: a cut-off JPEG.
 */
export async function jpegEnd(src: ByteSource, offset: number, length: number): Promise<number | undefined> {
  if (offset + length > src.size) return undefined;
  const tailLength = Math.min(length, 4096);
  const tail = await src.read(offset + length - tailLength, tailLength);
  const at = tail.lastIndexOf(Buffer.from([0xff, 0xd9]));
  return at < 0 ? undefined : offset + length - tailLength + at + 2;
}

/**
 * The same JPEG with its EXIF replaced by a minimal one that holds only `orientation`, so sharp's
 * autoOrient turns it (after the resize, on the small image) by the orientation WE decided: a RAW
 * preview takes the RAW's orientation, not whatever its own EXIF says. Other segments are kept.
 */
export function withOrientation(jpeg: Buffer, orientation: number): Buffer {
  const parts: Buffer[] = [jpeg.subarray(0, 2), exifApp1(orientation)];
  let pos = 2;
  let copyFrom = 2;
  for (let i = 0; i < MAX_SEGMENTS && pos + 4 <= jpeg.length; i++) {
    if (jpeg[pos] !== 0xff) break;
    const marker = jpeg[pos + 1]!;
    if (marker === 0xff) { pos += 1; continue; }
    if (marker === 0xda || marker === 0xd9 || (marker >= 0xd0 && marker <= 0xd7) || marker === 0x01) break;
    const len = jpeg.readUInt16BE(pos + 2);
    const isExif = marker === 0xe1 && jpeg.subarray(pos + 4, pos + 10).equals(EXIF_ID);
    if (isExif) {
      parts.push(jpeg.subarray(copyFrom, pos));
      copyFrom = pos + 2 + len;
    }
    pos += 2 + len;
  }
  parts.push(jpeg.subarray(copyFrom));
  return Buffer.concat(parts);
}

/** An APP1 segment with a big-endian TIFF holding one IFD with one entry: Orientation. */
export function exifApp1(orientation: number): Buffer {
  const tiff = Buffer.alloc(8 + 2 + 12 + 4);
  tiff.write('MM', 0, 'latin1');
  tiff.writeUInt16BE(42, 2);
  tiff.writeUInt32BE(8, 4);
  tiff.writeUInt16BE(1, 8); // one entry
  tiff.writeUInt16BE(0x0112, 10); // Orientation
  tiff.writeUInt16BE(3, 12); // SHORT
  tiff.writeUInt32BE(1, 14);
  tiff.writeUInt16BE(orientation, 18);
  // next IFD offset: 0 (already zero)
  const body = Buffer.concat([EXIF_ID, tiff]);
  const head = Buffer.from([0xff, 0xe1, 0, 0]);
  head.writeUInt16BE(body.length + 2, 2);
  return Buffer.concat([head, body]);
}
