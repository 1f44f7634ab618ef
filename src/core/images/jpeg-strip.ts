/**
 * Drops a JPEG's metadata without touching its pixels: every APPn segment (EXIF with GPS, XMP, ICC, IPTC,
 * maker notes; APP0 JFIF too) and comments are removed, the frame, tables and entropy-coded data are
 * copied byte for byte, and anything after the image's EOI (an MPF second image, a phone maker's trailer
 * with its own metadata) is cut off. APP14 (Adobe) is kept: it says how to read the colour channels. A photo
 * that needs no resize, rotation or colour conversion is then sent as the camera encoded it, with no second
 * lossy encode and a fraction of the CPU.
 *
 * It also checks the structure libjpeg would reject with an error, without decoding: only 8-bit Huffman frames
 * (baseline, extended, progressive) with 1 or 3 components; every scan's header against the frame and the tables
 * defined so far; the entropy-coded data holding only stuffed bytes and restart markers, in sequence and as many as
 * the restart interval asks for; an EOI after the last scan. A truncated file (no EOI), a restart marker out of
 * place, an unknown marker: it returns undefined and the caller decodes, which fails with libjpeg's own message.
 * (Flipped bits inside the entropy-coded data are only libjpeg warnings; a full decode with `failOn: 'error'` lets
 * them through too.)
 */
export function stripJpegMetadata(
  jpeg: Buffer, facts?: JpegFacts, wanted?: (facts: JpegFacts) => boolean,
): Buffer | undefined {
  if (jpeg.length < 4 || jpeg[0] !== 0xff || jpeg[1] !== 0xd8) return undefined;
  const keep: Buffer[] = [jpeg.subarray(0, 2)];
  const state: FrameState = { frame: undefined, restartInterval: 0, dcTables: 0, acTables: 0 };
  let pos = 2;
  let scans = 0;
  for (let segments = 0; segments < MAX_SEGMENTS; segments++) {
    if (pos + 2 > jpeg.length || jpeg[pos] !== 0xff) return undefined;
    const marker = jpeg[pos + 1]!;
    if (marker === 0xff) { pos += 1; continue; } // fill byte before a marker
    if (marker === 0xd9) {
      if (scans === 0) return undefined;
      keep.push(jpeg.subarray(pos, pos + 2));
      return Buffer.concat(keep);
    }
    if (pos + 4 > jpeg.length) return undefined;
    const len = jpeg.readUInt16BE(pos + 2);
    const end = pos + 2 + len;
    if (len < 2 || end > jpeg.length) return undefined;
    const body = jpeg.subarray(pos + 4, end);
    if (marker === 0xda) {
      // The frame and every metadata segment come before the first scan: a caller that will not send this photo as
      // it is (too big, turned, with a profile) says so here, before megabytes of entropy-coded data are walked.
      if (scans === 0 && facts && state.frame) {
        facts.width = state.frame.width;
        facts.height = state.frame.height;
        facts.components = state.frame.components.size;
        if (wanted && !wanted(facts)) return undefined;
      }
      const scanEnd = checkScan(jpeg, body, end, state);
      if (scanEnd === undefined || ++scans > MAX_SCANS) return undefined;
      keep.push(jpeg.subarray(pos, scanEnd));
      pos = scanEnd;
      continue;
    }
    const isApp = marker >= 0xe0 && marker <= 0xef;
    if ((isApp && marker !== 0xee) || marker === 0xfe) { // metadata: dropped, and noted for the caller
      if (facts && marker === 0xe1 && body.toString('latin1', 0, 6) === 'Exif\0\0') facts.exif.push(body);
      if (facts && marker === 0xe2 && body.toString('latin1', 0, 12) === 'ICC_PROFILE\0') facts.icc = true;
      pos = end;
      continue;
    }
    if (marker !== 0xee && !readTableOrFrame(marker, body, state, scans)) return undefined;
    keep.push(jpeg.subarray(pos, end));
    pos = end;
  }
  return undefined;
}

/** What the walk saw before the first scan, for deciding whether the photo may be sent as it is (as-is.ts). */
export interface JpegFacts {
  width: number;
  height: number;
  /** 1 (grey) or 3 (YCbCr, or RGB with an Adobe segment): what libvips reads as b-w or sRGB. */
  components: number;
  /** The APP1 "Exif" segments' bodies, in file order. */
  exif: Buffer[];
  /** An ICC profile is embedded (the pixels may need converting to sRGB). */
  icc: boolean;
}

export const newJpegFacts = (): JpegFacts => ({ width: 0, height: 0, components: 0, exif: [], icc: false });

/** Bounds on a file we send without decoding; anything beyond them is decoded instead. */
const MAX_SEGMENTS = 1024;
const MAX_SCANS = 64;

interface Frame { progressive: boolean; width: number; height: number; hMax: number; vMax: number; components: Map<number, { h: number; v: number }> }
interface FrameState { frame: Frame | undefined; restartInterval: number; dcTables: number; acTables: number }

/** A marker other than SOS, APPn, COM and EOI: the frame, its tables, or the restart interval. False: not ours to send. */
function readTableOrFrame(marker: number, body: Buffer, state: FrameState, scans: number): boolean {
  switch (marker) {
    case 0xc0: case 0xc1: case 0xc2: // baseline, extended sequential and progressive Huffman frames
      if (state.frame || scans > 0) return false;
      state.frame = readFrame(body, marker === 0xc2);
      return state.frame !== undefined;
    case 0xc4: { // DHT: one or more tables, class 0 (DC) or 1 (AC), id 0–3
      let o = 0;
      while (o < body.length) {
        if (o + 17 > body.length) return false;
        const tc = body[o]! >> 4, th = body[o]! & 15;
        let count = 0;
        for (let i = 1; i <= 16; i++) count += body[o + i]!;
        if (tc > 1 || th > 3 || count === 0 || count > 256 || o + 17 + count > body.length) return false;
        if (tc === 0) state.dcTables |= 1 << th; else state.acTables |= 1 << th;
        o += 17 + count;
      }
      return true;
    }
    case 0xdb: { // DQT: 64 entries of 8 or 16 bits each
      let o = 0;
      while (o < body.length) {
        const size = 1 + 64 * ((body[o]! >> 4) === 0 ? 1 : 2);
        if ((body[o]! >> 4) > 1 || (body[o]! & 15) > 3 || o + size > body.length) return false;
        o += size;
      }
      return body.length > 0;
    }
    case 0xdd: // DRI
      if (body.length !== 2) return false;
      state.restartInterval = body.readUInt16BE(0);
      return true;
    default: // arithmetic coding, lossless, hierarchical, DNL, JPEG-LS, reserved: decode instead
      return false;
  }
}

function readFrame(body: Buffer, progressive: boolean): Frame | undefined {
  if (body.length < 6 || body[0] !== 8) return undefined; // 8-bit samples only
  const height = body.readUInt16BE(1), width = body.readUInt16BE(3), n = body[5]!;
  if (!width || !height || !(n === 1 || n === 3) || body.length !== 6 + 3 * n) return undefined;
  const components = new Map<number, { h: number; v: number }>();
  let hMax = 1, vMax = 1;
  for (let i = 0; i < n; i++) {
    const id = body[6 + 3 * i]!, h = body[7 + 3 * i]! >> 4, v = body[7 + 3 * i]! & 15, tq = body[8 + 3 * i]!;
    if (components.has(id) || h < 1 || h > 4 || v < 1 || v > 4 || tq > 3) return undefined;
    components.set(id, { h, v });
    hMax = Math.max(hMax, h);
    vMax = Math.max(vMax, v);
  }
  return { progressive, width, height, hMax, vMax, components };
}

/**
 * Checks one scan's header and walks its entropy-coded data (from `dataStart`) to the marker that ends it.
 * Returns the offset of that marker, or undefined when anything is out of place.
 */
function checkScan(jpeg: Buffer, header: Buffer, dataStart: number, state: FrameState): number | undefined {
  const frame = state.frame;
  if (!frame || header.length < 1) return undefined;
  const ns = header[0]!;
  if (ns < 1 || ns > 4 || header.length !== 4 + 2 * ns) return undefined;
  const ss = header[1 + 2 * ns]!, se = header[2 + 2 * ns]!, ah = header[3 + 2 * ns]! >> 4, al = header[3 + 2 * ns]! & 15;
  if (frame.progressive) {
    if (se > 63 || ss > se || (ss === 0) !== (se === 0) || (ss > 0 && ns !== 1) || ah > 13 || al > 13) return undefined;
  } else if (ss !== 0 || se !== 63 || ah !== 0 || al !== 0) return undefined;
  const needDc = ss === 0 && !(frame.progressive && ah > 0);
  const needAc = se > 0;
  let blocksPerMcu = 0;
  let single: { h: number; v: number } | undefined;
  const seen = new Set<number>();
  for (let i = 0; i < ns; i++) {
    const c = frame.components.get(header[1 + 2 * i]!);
    const td = header[2 + 2 * i]! >> 4, ta = header[2 + 2 * i]! & 15;
    if (!c || seen.has(header[1 + 2 * i]!) || td > 3 || ta > 3) return undefined;
    if ((needDc && !(state.dcTables & (1 << td))) || (needAc && !(state.acTables & (1 << ta)))) return undefined;
    seen.add(header[1 + 2 * i]!);
    blocksPerMcu += c.h * c.v;
    single = c;
  }
  if (blocksPerMcu > 10) return undefined; // the JPEG standard's limit for an interleaved MCU
  // MCUs in this scan: an interleaved scan counts in MCUs of the largest sampling, a single component in its blocks.
  const mcus = ns > 1
    ? Math.ceil(frame.width / (8 * frame.hMax)) * Math.ceil(frame.height / (8 * frame.vMax))
    : Math.ceil(Math.ceil((frame.width * single!.h) / frame.hMax) / 8) * Math.ceil(Math.ceil((frame.height * single!.v) / frame.vMax) / 8);
  const expectedRestarts = state.restartInterval > 0 ? Math.ceil(mcus / state.restartInterval) - 1 : 0;
  let restarts = 0;
  let pos = dataStart;
  for (;;) {
    const ff = jpeg.indexOf(0xff, pos);
    if (ff < 0 || ff + 1 >= jpeg.length) return undefined; // ran off the end: truncated
    const next = jpeg[ff + 1]!;
    if (next === 0x00) { pos = ff + 2; continue; } // a stuffed 0xFF data byte
    if (next === 0xff) { pos = ff + 1; continue; } // fill bytes before a marker
    if (next >= 0xd0 && next <= 0xd7) {
      if (next - 0xd0 !== restarts % 8 || ++restarts > expectedRestarts) return undefined;
      pos = ff + 2;
      continue;
    }
    return restarts === expectedRestarts ? ff : undefined;
  }
}
