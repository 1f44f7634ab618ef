/**
 * The one EXIF reader: orientation, capture date and camera from an EXIF block, on the TIFF/IFD parser of
 * tiff.ts. It takes whatever holds the block: a JPEG (its APP1 "Exif" segment), a TIFF-based file (TIFF, CR2,
 * NEF, ARW, DNG, ORF, RW2), a bare block with or without the `Exif\0\0` prefix, or the block sharp extracts
 * from HEIC, PNG and WebP. Pure and synchronous over bytes in memory; malformed data yields `{}`, never an error.
 *
 * sharp still decides how pixels are turned (autoOrient reads the orientation libvips sees), and ExifTool
 * (metadata-context.ts) reads the photographer's IPTC/XMP text for --context-from-metadata: different fields,
 * which this reader does not parse.
 */
import { inlineValue, orientationOf, parseIfdBlock, parseTiffHeader, TAG, type Ifd } from './tiff.js';

export interface ExifFields {
  /** EXIF orientation 1–8. */
  orientation?: number;
  /** DateTimeOriginal as `YYYY-MM-DD HH:MM:SS`. */
  date?: string;
  /** Make and Model, e.g. `Canon EOS R5`. */
  camera?: string;
}

const TAG_EXIF_IFD = 0x8769;
const TAG_MODEL = 0x0110;
const TAG_DATE_ORIGINAL = 0x9003;
const TYPE_ASCII = 2;
const EXIF_ID = 'Exif\0\0';

export function readExif(buf: Buffer): ExifFields {
  try {
    const found = firstIfd(buf);
    if (!found) return {};
    const { tiff, ifd0, littleEndian } = found;
    const exifPtr = inlineValue(ifd0, TAG_EXIF_IFD);
    const exifIfd = exifPtr === undefined ? undefined : ifdAt(tiff, exifPtr, littleEndian);
    const orientation = orientationOf(ifd0);
    const date = exifIfd && formatExifDate(ascii(tiff, exifIfd, TAG_DATE_ORIGINAL));
    const camera = cameraName(ascii(tiff, ifd0, TAG.Make), ascii(tiff, ifd0, TAG_MODEL));
    return { ...(orientation ? { orientation } : {}), ...(date ? { date } : {}), ...(camera ? { camera } : {}) };
  } catch {
    return {};
  }
}

/**
 * The orientation an EXIF block declares, for deciding whether a JPEG can be sent as it is: 1 when IFD0 has no
 * Orientation tag, the tag's raw value otherwise (even one outside 1–8), undefined when the block cannot be read
 * (then libvips, not this reader, decides how the photo is turned).
 */
export function declaredOrientation(block: Buffer): number | undefined {
  try {
    const ifd0 = firstIfd(block)?.ifd0;
    if (!ifd0) return undefined;
    return ifd0.entries.has(TAG.Orientation) ? inlineValue(ifd0, TAG.Orientation) : 1;
  } catch {
    return undefined;
  }
}

/** The EXIF block's TIFF structure and its IFD0, wherever the block sits (see findTiff); undefined when unreadable. */
function firstIfd(buf: Buffer): { tiff: Buffer; ifd0: Ifd; littleEndian: boolean } | undefined {
  const tiff = findTiff(buf);
  const header = tiff && parseTiffHeader(tiff);
  const ifd0 = tiff && header ? ifdAt(tiff, header.ifd0, header.littleEndian) : undefined;
  return ifd0 ? { tiff: tiff!, ifd0, littleEndian: header!.littleEndian } : undefined;
}

/** An IFD of a TIFF structure in memory (offsets count from its first byte). */
function ifdAt(tiff: Buffer, offset: number, le: boolean): Ifd | undefined {
  if (!Number.isInteger(offset) || offset < 8 || offset + 2 > tiff.length) return undefined;
  return parseIfdBlock(tiff.subarray(offset), offset, le);
}

function ascii(tiff: Buffer, ifd: Ifd, tag: number): string | undefined {
  const e = ifd.entries.get(tag);
  if (!e || e.type !== TYPE_ASCII || e.valueAt + e.count > tiff.length) return undefined;
  return tiff.toString('latin1', e.valueAt, e.valueAt + e.count).replace(/\0[\s\S]*$/, '').trim();
}

const isTiff = (b: Buffer) => b.length >= 8 && parseTiffHeader(b) !== undefined;

function findTiff(buf: Buffer): Buffer | undefined {
  if (isTiff(buf)) return buf;
  if (buf.toString('latin1', 0, 6) === EXIF_ID) return isTiff(buf.subarray(6)) ? buf.subarray(6) : undefined;
  if (buf[0] !== 0xff || buf[1] !== 0xd8) return undefined;
  // Walk JPEG markers up to the first scan; EXIF is an APP1 segment starting "Exif\0\0".
  let o = 2;
  while (o + 4 <= buf.length && buf[o] === 0xff) {
    const marker = buf[o + 1];
    if (marker === 0xda || marker === 0xd9) return undefined;
    const len = buf.readUInt16BE(o + 2);
    if (marker === 0xe1 && buf.toString('latin1', o + 4, o + 10) === EXIF_ID) {
      const seg = buf.subarray(o + 10, o + 2 + len);
      return isTiff(seg) ? seg : undefined;
    }
    o += 2 + len;
  }
  return undefined;
}

function formatExifDate(v: string | undefined): string | undefined {
  const m = v === undefined ? null : /^(\d{4}):(\d{2}):(\d{2})[ T](\d{2}):(\d{2}):(\d{2})/.exec(v);
  // Cameras with an unset clock write "0000:00:00 00:00:00": that is no date at all.
  if (!m || m[1] === '0000') return undefined;
  return `${m[1]}-${m[2]}-${m[3]} ${m[4]}:${m[5]}:${m[6]}`;
}

function cameraName(make: string | undefined, model: string | undefined): string | undefined {
  const mk = make?.trim() ?? '';
  const md = model?.trim() ?? '';
  if (!md) return mk || undefined;
  // Most makers repeat the brand in Model ("Canon" + "Canon EOS R5"); "NIKON CORPORATION" + "NIKON Z 6" too.
  const brand = mk.split(/\s+/)[0] ?? '';
  if (!brand || md.toLowerCase().startsWith(brand.toLowerCase())) return md;
  return `${mk} ${md}`;
}
