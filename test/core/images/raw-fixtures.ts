/**
 * Synthetic camera RAW files for the preview extractor's tests: real TIFF / RAF / CR3 structures
 * around JPEGs made by sharp. No sensor data: the extractor never looks at it.
 */
import sharp from 'sharp';

/** A JPEG whose left half is red and right half blue, so a turn or mirror shows in the output. */
export async function splitJpeg(width: number, height: number, opts: { orientation?: number } = {}): Promise<Buffer> {
  const half = Math.floor(width / 2);
  let img = sharp({ create: { width, height, channels: 3, background: '#0000ff' } })
    .composite([{ input: { create: { width: half, height, channels: 3, background: '#ff0000' } }, left: 0, top: 0 }])
    .jpeg({ quality: 90 });
  if (opts.orientation) img = img.withMetadata({ orientation: opts.orientation });
  return img.toBuffer();
}

/** The same JPEG with its frame marker turned into SOF3 (lossless, as RAW sensor data is stored). */
export function asLosslessSof(jpeg: Buffer): Buffer {
  const out = Buffer.from(jpeg);
  const at = out.indexOf(Buffer.from([0xff, 0xc0]));
  out[at + 1] = 0xc3;
  return out;
}

type Value =
  | number
  | number[]
  | string
  | Buffer
  | { offsetOf: string }
  | { lengthOf: string }
  | { blob: string } // UNDEFINED entry whose value IS the blob (Panasonic's JpgFromRaw)
  | { subIfds: true };

export type Entry = [tag: number, type: number, value: Value];

export interface TiffSpec {
  littleEndian?: boolean;
  /** 42 (TIFF), 0x55 (RW2), 0x4f52 (ORF). */
  magic?: number;
  /** Bytes 8–11 before IFD0 (CR2 puts "CR\x02\0" there). */
  signature?: Buffer;
  ifds: Entry[][]; // IFD0, IFD1, … chained
  subIfds?: Entry[][];
  blobs?: Record<string, Buffer>;
}

const SIZES: Record<number, number> = { 1: 1, 2: 1, 3: 2, 4: 4, 7: 1 };

/** Lays out header, chained IFDs, SubIFDs, out-of-line values, then blobs, and resolves references. */
export function buildTiff(spec: TiffSpec): Buffer {
  const le = spec.littleEndian ?? true;
  const blobs = spec.blobs ?? {};
  const sub = spec.subIfds ?? [];
  const all = [...spec.ifds, ...sub];
  const start = 8 + (spec.signature?.length ?? 0);
  const bytesOf = (v: Value, type: number): number => {
    if (typeof v === 'string') return v.length + 1;
    if (Buffer.isBuffer(v)) return v.length;
    if (Array.isArray(v)) return v.length * (SIZES[type] ?? 4);
    if (typeof v === 'object' && 'subIfds' in v) return sub.length * 4;
    if (typeof v === 'object' && 'blob' in v) return 0; // points at the blob itself
    return SIZES[type] ?? 4;
  };
  // Pass 1: positions.
  const ifdAt: number[] = [];
  let pos = start;
  for (const ifd of all) {
    ifdAt.push(pos);
    pos += 2 + ifd.length * 12 + 4;
  }
  const extraAt = new Map<Entry, number>();
  for (const ifd of all) {
    for (const e of ifd) {
      const n = bytesOf(e[2], e[1]);
      if (n > 4) {
        extraAt.set(e, pos);
        pos += n + (n % 2);
      }
    }
  }
  const blobAt: Record<string, number> = {};
  for (const [name, data] of Object.entries(blobs)) {
    blobAt[name] = pos;
    pos += data.length + (data.length % 2);
  }
  // Pass 2: bytes.
  const out = Buffer.alloc(pos);
  const w16 = (v: number, at: number) => (le ? out.writeUInt16LE(v, at) : out.writeUInt16BE(v, at));
  const w32 = (v: number, at: number) => (le ? out.writeUInt32LE(v >>> 0, at) : out.writeUInt32BE(v >>> 0, at));
  out.write(le ? 'II' : 'MM', 0, 'latin1');
  w16(spec.magic ?? 42, 2);
  w32(ifdAt[0]!, 4);
  spec.signature?.copy(out, 8);
  const writeValues = (values: number[], type: number, at: number) =>
    values.forEach((v, i) => (type === 3 ? w16(v, at + i * 2) : type === 1 || type === 7 ? out.writeUInt8(v, at + i) : w32(v, at + i * 4)));
  all.forEach((ifd, k) => {
    let at = ifdAt[k]!;
    w16(ifd.length, at);
    at += 2;
    for (const e of [...ifd].sort((a, b) => a[0] - b[0])) {
      const [tag, type, v] = e;
      let count: number;
      let values: number[] | undefined;
      let raw: Buffer | undefined;
      if (typeof v === 'number') [count, values] = [1, [v]];
      else if (Array.isArray(v)) [count, values] = [v.length, v];
      else if (typeof v === 'string') [count, raw] = [v.length + 1, Buffer.from(`${v}\0`, 'latin1')];
      else if (Buffer.isBuffer(v)) [count, raw] = [v.length, v];
      else if ('offsetOf' in v) [count, values] = [1, [blobAt[v.offsetOf]!]];
      else if ('lengthOf' in v) [count, values] = [1, [blobs[v.lengthOf]!.length]];
      else if ('subIfds' in v) [count, values] = [sub.length, sub.map((_, i) => ifdAt[spec.ifds.length + i]!)];
      else [count, values] = [blobs[v.blob]!.length, undefined];
      w16(tag, at);
      w16(type, at + 2);
      w32(count, at + 4);
      const target = extraAt.get(e);
      if (typeof v === 'object' && !Array.isArray(v) && !Buffer.isBuffer(v) && 'blob' in v) w32(blobAt[v.blob]!, at + 8);
      else if (target !== undefined) w32(target, at + 8);
      const dest = target ?? at + 8;
      if (raw) raw.copy(out, dest);
      else if (values) writeValues(values, type, dest);
      at += 12;
    }
    const next = k + 1 < spec.ifds.length ? ifdAt[k + 1]! : 0;
    w32(next, at);
  });
  for (const [name, data] of Object.entries(blobs)) data.copy(out, blobAt[name]);
  return out;
}

/** Fujifilm RAF: magic, then the JPEG's offset and length at bytes 84–91 (big-endian). */
export function buildRaf(jpeg: Buffer): Buffer {
  const header = Buffer.alloc(160);
  header.write('FUJIFILMCCD-RAW 0201FF383501', 0, 'latin1');
  header.writeUInt32BE(header.length, 84);
  header.writeUInt32BE(jpeg.length, 88);
  return Buffer.concat([header, jpeg, Buffer.alloc(64)]);
}

/** An ISO-BMFF box (HEIF, CR3): size, type, then its parts. */
export const box = (type: string, ...parts: Buffer[]) => {
  const body = Buffer.concat(parts);
  const head = Buffer.alloc(8);
  head.writeUInt32BE(8 + body.length, 0);
  head.write(type, 4, 'latin1');
  return Buffer.concat([head, body]);
};
const uuidBox = (hex: string, ...parts: Buffer[]) => box('uuid', Buffer.from(hex, 'hex'), ...parts);

/** Canon CR3 as lclevy/canon_cr3 describes it: CMT1 and THMB in moov's Canon uuid box, PRVW in its own uuid box. */
export function buildCr3(opts: { thumb: Buffer; preview: Buffer; cmt1: Buffer }): Buffer {
  const u16 = (v: number) => Buffer.from([v >> 8, v & 255]);
  const u32 = (v: number) => { const b = Buffer.alloc(4); b.writeUInt32BE(v); return b; };
  const ftyp = box('ftyp', Buffer.from('crx \0\0\0\x01crx isom', 'latin1'));
  const thmb = box('THMB', Buffer.from([0, 0, 0, 0]), u16(160), u16(120), u32(opts.thumb.length), u16(1), u16(0), opts.thumb);
  const canon = uuidBox('85c0b687820f11e08111f4ce462b6a48', box('CNCV', Buffer.from('CanonCR3_001/00.09.00/00.00.00', 'latin1')), box('CMT1', opts.cmt1), thmb);
  const moov = box('moov', canon, box('mvhd', Buffer.alloc(100)));
  const prvw = box('PRVW', u32(0), u16(1), u16(1620), u16(1080), u16(1), u32(opts.preview.length), opts.preview);
  const preview = uuidBox('eaf42b5e1c984b88b9fbb7dc406e4d16', Buffer.alloc(8), prvw);
  return Buffer.concat([ftyp, moov, preview, box('mdat', Buffer.alloc(256, 0x5a))]);
}
