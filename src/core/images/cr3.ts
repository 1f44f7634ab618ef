import type { ByteSource } from './bytes.js';
import { parseBoxes, readTopLevelBoxes, type Box } from './bmff.js';
import type { Candidate, Found } from './raw-candidates.js';
import { readExif } from './exif.js';

/** Canon's metadata box inside moov: CMT1 (IFD0, with Orientation), THMB (160×120 JPEG), … */
const CANON_UUID = '85c0b687820f11e08111f4ce462b6a48';
/** Top-level box holding PRVW, the 1620×1080 review JPEG. */
const PREVIEW_UUID = 'eaf42b5e1c984b88b9fbb7dc406e4d16';
/** moov and Canon's boxes are tens of KB; this bounds what a damaged size makes us read. */
const MAX_BOX_BYTES = 4 * 1024 * 1024;

/**
 * Canon CR3 (ISO-BMFF, brand 'crx '): PRVW in the preview uuid box and THMB in moov's Canon uuid box,
 * both a small header then the JPEG (offset 24, its size at offset 20 for PRVW and 16 for THMB; see
 * lclevy/canon_cr3). The full-size JPEG in mdat is left alone: PRVW is already larger than most
 * vision models look at, and reaching it means parsing the track tables. Orientation from CMT1.
 */
export async function cr3Candidates(src: ByteSource): Promise<Found> {
  const candidates: Candidate[] = [];
  let orientation: number | undefined;
  for (const box of await readTopLevelBoxes(src)) {
    if (box.type === 'uuid' && box.uuid === PREVIEW_UUID) {
      const head = await src.read(box.body, 64);
      const at = head.indexOf('PRVW', 0, 'latin1');
      if (at >= 4) candidates.push(await boxedJpeg(src, box.body + at - 4, 20));
    }
    if (box.type === 'moov' && box.end - box.start <= MAX_BOX_BYTES) {
      const moov = await src.read(box.start, box.end - box.start);
      const canon = parseBoxes(moov, 8, moov.length).find((b) => b.type === 'uuid' && b.uuid === CANON_UUID);
      if (!canon) continue;
      for (const b of parseBoxes(moov, canon.body, canon.end)) {
        if (b.type === 'CMT1') orientation = readExif(moov.subarray(b.body, b.end)).orientation;
        if (b.type === 'THMB') candidates.push(await boxedJpeg(src, box.start + b.start, 16));
      }
    }
  }
  return { candidates, ...(orientation === undefined ? {} : { orientation }) };
}

/** The JPEG in a PRVW/THMB box starting at `start`: its declared size if the data there is a JPEG. */
async function boxedJpeg(src: ByteSource, start: number, sizeAt: number): Promise<Candidate> {
  const header = await src.read(start, 28);
  if (header.length < 28) return { offset: 0, length: 0 };
  const box: Box = { type: header.toString('latin1', 4, 8), start, body: start + 8, end: start + header.readUInt32BE(0) };
  const declared = header.readUInt32BE(sizeAt);
  if (header[24] === 0xff && header[25] === 0xd8) return { offset: start + 24, length: declared };
  // An unknown header layout: take the JPEG wherever it starts in the box, up to the box's end.
  const near = await src.read(start + 8, 56);
  const soi = near.indexOf(Buffer.from([0xff, 0xd8, 0xff]));
  return soi < 0 ? { offset: 0, length: 0 } : { offset: start + 8 + soi, length: box.end - (start + 8 + soi) };
}
