import path from 'node:path';
import { inlineValue, parseIfdBlock, parseTiffHeader, TAG, type Ifd } from './tiff.js';

/**
 * What a file is, from its first bytes. 'raw-tiff' is a TIFF-structured camera RAW (DNG, CR2, NEF,
 * ARW, ORF, RW2, PEF…); 'raf' and 'cr3' are Fujifilm's and Canon's own containers. 'unknown' goes
 * to sharp, which gives its own clear error (or reads formats we do not sniff, such as SVG).
 */
export type DetectedFormat =
  | 'jpeg' | 'png' | 'webp' | 'gif' | 'avif' | 'heic' | 'tiff' | 'raw-tiff' | 'raf' | 'cr3' | 'unknown';

/** Extensions of TIFF-structured camera RAW formats. */
export const RAW_TIFF_EXTENSIONS: ReadonlySet<string> = new Set([
  '.3fr', '.arw', '.cr2', '.dcr', '.dng', '.erf', '.iiq', '.k25', '.kdc', '.mef', '.mos', '.nef', '.nrw',
  '.orf', '.pef', '.rw2', '.rwl', '.sr2', '.srf', '.srw',
]);

/**
 * Compression values no plain TIFF photo uses: vendors' RAW codecs (Nikon 34713, Sony 32767, Panasonic
 * 34316, Kodak 65000, Pentax 65535, Samsung 32769/32770/32772). A first IFD using one is a RAW.
 */
const RAW_COMPRESSIONS = new Set([32767, 32769, 32770, 32772, 34316, 34713, 65000, 65535]);

const HEIC_BRANDS = new Set(['heic', 'heix', 'hevc', 'hevx', 'heim', 'heis', 'hevm', 'hevs']);
const AVIF_BRANDS = new Set(['avif', 'avis']);

/**
 * Detects the format from the first bytes (16 KB is plenty; 12 are enough for all but TIFF). `nameHint`
 * (a file name or extension) only decides between a plain TIFF and a TIFF-based RAW when the content
 * alone cannot: a JPEG named `.nef` is a JPEG.
 */
export function detectFormat(head: Buffer, nameHint?: string): DetectedFormat {
  if (head.length >= 3 && head[0] === 0xff && head[1] === 0xd8 && head[2] === 0xff) return 'jpeg';
  if (head.length >= 8 && head.readUInt32BE(0) === 0x89504e47 && head.readUInt32BE(4) === 0x0d0a1a0a) return 'png';
  const ascii = (from: number, to: number) => (head.length >= to ? head.toString('latin1', from, to) : '');
  if (ascii(0, 6) === 'GIF87a' || ascii(0, 6) === 'GIF89a') return 'gif';
  if (ascii(0, 4) === 'RIFF' && ascii(8, 12) === 'WEBP') return 'webp';
  if (ascii(0, 16) === 'FUJIFILMCCD-RAW ') return 'raf';
  if (ascii(4, 8) === 'ftyp') return isoBrand(head);
  const tiff = parseTiffHeader(head);
  if (tiff) return tiff.magic === 42 ? tiffKind(head, tiff.littleEndian, tiff.ifd0, nameHint) : 'raw-tiff';
  return 'unknown';
}

/** ISO-BMFF: the ftyp brands tell AVIF (sharp decodes it), HEIC (we decode it) and CR3 apart. */
function isoBrand(head: Buffer): DetectedFormat {
  const size = Math.min(head.readUInt32BE(0), head.length);
  const brands: string[] = [];
  for (let at = 8; at + 4 <= size; at += 4) if (at !== 12) brands.push(head.toString('latin1', at, at + 4));
  if (brands[0] === 'crx ') return 'cr3';
  // AVIF first: an AVIF often lists 'mif1' and some encoders add 'heic'-family brands it does not need.
  if (brands.some((b) => AVIF_BRANDS.has(b))) return 'avif';
  if (brands.some((b) => HEIC_BRANDS.has(b))) return 'heic';
  // Plain 'mif1'/'msf1' HEIF: HEVC in practice; an AV1 one is routed back to sharp once its item type is read.
  if (brands.some((b) => b === 'mif1' || b === 'msf1')) return 'heic';
  return 'unknown'; // MP4/MOV video and other ISO-BMFF files
}

/**
 * A RAW written as TIFF (DNG, CR2, NEF, ARW, PEF…) vs a TIFF photo. sharp would read a RAW's first
 * IFD, a 160×120 thumbnail, and call it a success, so anything RAW-like must not reach it:
 * - DNGVersion, the CR2 signature at byte 8, or a vendor RAW compression: a RAW, whatever the name;
 * - a camera Make plus SubIFDs (where RAWs keep the sensor data and previews), a reduced-resolution
 *   first image (NewSubfileType 1) or a JPEG preview pointer in the first IFD: a RAW;
 * - a RAW extension with a camera Make: a RAW; a TIFF saved by an editor and misnamed has no Make.
 */
function tiffKind(head: Buffer, le: boolean, ifd0: number, nameHint: string | undefined): DetectedFormat {
  if (head.toString('latin1', 8, 10) === 'CR') return 'raw-tiff';
  const ext = nameHint === undefined ? '' : path.extname(nameHint).toLowerCase() || nameHint.toLowerCase();
  const rawExt = RAW_TIFF_EXTENSIONS.has(ext);
  const ifd: Ifd | undefined = ifd0 < head.length ? parseIfdBlock(head.subarray(ifd0), ifd0, le) : undefined;
  // The first IFD lies beyond the bytes we have, or is not an IFD: only the name can tell.
  if (!ifd) return rawExt ? 'raw-tiff' : 'tiff';
  if (ifd.entries.has(TAG.DNGVersion)) return 'raw-tiff';
  if (RAW_COMPRESSIONS.has(inlineValue(ifd, TAG.Compression) ?? 1)) return 'raw-tiff';
  const hasMake = ifd.entries.has(TAG.Make);
  const thumbnailFirst = inlineValue(ifd, TAG.NewSubfileType) === 1 || ifd.entries.has(TAG.JPEGInterchangeFormat);
  if (hasMake && (ifd.entries.has(TAG.SubIFDs) || thumbnailFirst)) return 'raw-tiff';
  if (hasMake && rawExt) return 'raw-tiff';
  return 'tiff';
}
