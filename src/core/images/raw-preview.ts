import { ImageError } from '../errors.js';
import type { ByteSource } from './bytes.js';
import { cr3Candidates } from './cr3.js';
import { isDecodableSof, jpegEnd, readJpegInfo, type JpegInfo } from './jpeg.js';
import { inlineValue, orientationOf, parseTiffHeader, readIfd, readValues, TAG } from './tiff.js';

export type RawKind = 'raw-tiff' | 'raf' | 'cr3';
export type { Candidate, Found } from './raw-candidates.js';
import type { Candidate, Found } from './raw-candidates.js';

export interface RawPreview {
  /** Byte range of the chosen JPEG, EOI included. */
  offset: number;
  length: number;
  /** Stored (unrotated) size of the JPEG. */
  width: number;
  height: number;
  /** Orientation to apply to it: the RAW's, else the preview's own EXIF, else 1. */
  orientation: number;
}

/**
 * Below this long edge a "preview" is a thumbnail (EXIF: 160×120, DNG: 256 px): a vision model cannot
 * describe an event photo from it, so the photo fails with a clear message instead of being billed.
 */
export const MIN_PREVIEW_EDGE = 320;

const FAIL = 'No usable embedded JPEG preview in this RAW file';
const ADVICE = 'export a JPEG from your RAW editor';

/**
 * Finds the largest complete, decodable JPEG a RAW file embeds. The container's own pointers are
 * tried first (TIFF IFDs and SubIFDs, RAF header, CR3 PRVW/THMB); when they give nothing usable, the
 * whole file is scanned for JPEGs (ORF and other makes keep theirs in maker notes). Throws ImageError.
 * `minEdge` (default MIN_PREVIEW_EDGE) is the smallest long edge accepted.
 */
export async function findRawPreview(src: ByteSource, kind: RawKind, opts: { minEdge?: number } = {}): Promise<RawPreview> {
  const minEdge = opts.minEdge ?? MIN_PREVIEW_EDGE;
  const usable = (c: Checked | undefined) => c !== undefined && Math.max(c.info.width, c.info.height) >= minEdge;
  const found = kind === 'raf' ? rafCandidates(src) : kind === 'cr3' ? await cr3Candidates(src) : await tiffCandidates(src);
  let pick = await largest(src, found.candidates);
  if (!usable(pick.best)) {
    const scanned = await largest(src, scanForJpegs(await src.all()));
    if (area(scanned.best) > area(pick.best)) pick = { ...scanned, cutOff: pick.cutOff || scanned.cutOff };
  }
  const best = pick.best;
  if (!best || !usable(best)) {
    const why = pick.cutOff
      ? 'the preview is cut off: truncated file?'
      : best
        ? `the largest is ${best.info.width}×${best.info.height} px, too small to describe`
        : 'none found';
    throw new ImageError(`${FAIL} (${why}); ${ADVICE}`, 'unreadable');
  }
  return {
    offset: best.offset,
    length: best.end - best.offset,
    width: best.info.width,
    height: best.info.height,
    orientation: found.orientation ?? best.info.orientation ?? 1,
  };
}

interface Checked {
  offset: number;
  end: number;
  info: JpegInfo;
}

const area = (c: Checked | undefined) => (c ? c.info.width * c.info.height : 0);

/** The largest candidate that is a whole JPEG libjpeg can decode; `cutOff` if one ran past the end. */
async function largest(src: ByteSource, candidates: Candidate[]): Promise<{ best?: Checked; cutOff: boolean }> {
  let best: Checked | undefined;
  let cutOff = false;
  const seen = new Set<number>();
  for (const { offset, length } of candidates) {
    if (seen.has(offset) || !(offset > 0) || !(length > 4)) continue;
    seen.add(offset);
    if (offset + length > src.size) {
      cutOff = true; // declared past the end of the file: a truncated copy
      continue;
    }
    const info = await readJpegInfo(src, offset, length);
    if (!info || !isDecodableSof(info.sof)) continue; // not a JPEG, or lossless sensor data (SOF3)
    const end = await jpegEnd(src, offset, length);
    if (end === undefined) {
      cutOff = true; // a JPEG without its end marker
      continue;
    }
    if (!best || info.width * info.height > area(best)) best = { offset, end, info };
  }
  return { ...(best ? { best } : {}), cutOff };
}

/** TIFF-based RAWs: JPEGInterchangeFormat, single-strip JPEG images and RW2's JpgFromRaw, in IFDs and SubIFDs. */
async function tiffCandidates(src: ByteSource): Promise<Found> {
  const header = parseTiffHeader(src.head);
  if (!header) return { candidates: [] };
  const le = header.littleEndian;
  const candidates: Candidate[] = [];
  const seen = new Set<number>();
  let orientation: number | undefined;
  const visit = async (start: number, depth: number, chain: boolean): Promise<void> => {
    let offset = start;
    for (let n = 0; offset > 0 && n < 16 && seen.size < 64; n++) {
      if (seen.has(offset)) return; // a loop in the IFD chain
      seen.add(offset);
      const ifd = await readIfd(src, offset, le);
      if (!ifd) return;
      if (depth === 0 && n === 0) orientation = orientationOf(ifd);
      const jpegAt = inlineValue(ifd, TAG.JPEGInterchangeFormat);
      const jpegLength = inlineValue(ifd, TAG.JPEGInterchangeFormatLength);
      if (jpegAt !== undefined && jpegLength !== undefined) candidates.push({ offset: jpegAt, length: jpegLength });
      const compression = inlineValue(ifd, TAG.Compression);
      if (compression === 6 || compression === 7) {
        // One strip holding a whole JPEG (CR2's full-size JPEG, DNG previews); RAW data split into many
        // strips or tiles is sensor data, and lossless sensor JPEGs (SOF3) are rejected when checked.
        const offsets = await readValues(src, ifd, TAG.StripOffsets, 2);
        const counts = await readValues(src, ifd, TAG.StripByteCounts, 2);
        if (offsets.length === 1 && counts.length === 1) candidates.push({ offset: offsets[0]!, length: counts[0]! });
      }
      const rw2 = ifd.entries.get(TAG.PanasonicJpgFromRaw);
      if (rw2 && (rw2.type === 7 || rw2.type === 1)) candidates.push({ offset: rw2.valueAt, length: rw2.count });
      if (depth < 2) for (const sub of await readValues(src, ifd, TAG.SubIFDs, 16)) await visit(sub, depth + 1, false);
      if (!chain) return;
      offset = ifd.next;
    }
  };
  await visit(header.ifd0, 0, true);
  return { candidates, ...(orientation === undefined ? {} : { orientation }) };
}

/** Fujifilm RAF: the header holds the JPEG's offset and length (bytes 84–91, big-endian). */
function rafCandidates(src: ByteSource): Found {
  const h = src.head;
  if (h.length < 92) return { candidates: [] };
  return { candidates: [{ offset: h.readUInt32BE(84), length: h.readUInt32BE(88) }] };
}

/**
 * Every JPEG start (FF D8 FF) in a file, with its end found after the frame's first scan (so an EXIF
 * thumbnail nested in its APP1 does not end it early). A last resort: the pointers are tried first.
 */
export function scanForJpegs(buf: Buffer, max = 256): Candidate[] {
  const out: Candidate[] = [];
  const soi = Buffer.from([0xff, 0xd8, 0xff]);
  let at = buf.indexOf(soi);
  while (at >= 0 && out.length < max) {
    const sos = firstScan(buf, at);
    const end = sos < 0 ? -1 : buf.indexOf(Buffer.from([0xff, 0xd9]), sos);
    if (end > 0) out.push({ offset: at, length: end + 2 - at });
    at = buf.indexOf(soi, end > 0 ? end + 2 : at + 1);
  }
  return out;
}

/** Offset of the first SOS segment of the JPEG at `at`, walking marker lengths; -1 if malformed. */
function firstScan(buf: Buffer, at: number): number {
  let pos = at + 2;
  for (let i = 0; i < 64 && pos + 4 <= buf.length; i++) {
    if (buf[pos] !== 0xff) return -1;
    const marker = buf[pos + 1]!;
    if (marker === 0xda) return pos;
    if (marker === 0xd8 || marker === 0xd9 || marker === 0xff) return -1;
    pos += 2 + buf.readUInt16BE(pos + 2);
  }
  return -1;
}
