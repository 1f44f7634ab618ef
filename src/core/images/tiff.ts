import type { ByteSource } from './bytes.js';

/** TIFF tags this module's callers look at. */
export const TAG = {
  NewSubfileType: 0x00fe,
  ImageWidth: 0x0100,
  ImageLength: 0x0101,
  Compression: 0x0103,
  Make: 0x010f,
  StripOffsets: 0x0111,
  Orientation: 0x0112,
  StripByteCounts: 0x0117,
  SubIFDs: 0x014a,
  JPEGInterchangeFormat: 0x0201,
  JPEGInterchangeFormatLength: 0x0202,
  /** Panasonic RW2: the full-size JPEG ("JpgFromRaw"), stored as an UNDEFINED blob. */
  PanasonicJpgFromRaw: 0x002e,
  DNGVersion: 0xc612,
} as const;

export interface TiffHeader {
  littleEndian: boolean;
  /** Offset of the first IFD. */
  ifd0: number;
  /** 42 for TIFF; 0x4f52/0x5352 (Olympus ORF), 0x55 (Panasonic RW2) for RAW variants of it. */
  magic: number;
}

export interface IfdEntry {
  tag: number;
  type: number;
  count: number;
  /** Absolute offset of the value: inside the entry when it fits in 4 bytes, else where it points. */
  valueAt: number;
}

export interface Ifd {
  offset: number;
  littleEndian: boolean;
  entries: Map<number, IfdEntry>;
  /** Offset of the next IFD in the chain; 0 at the end. */
  next: number;
  /** The IFD's own bytes (count, entries, next pointer), for inline values. */
  block: Buffer;
}

const TYPE_SIZES: Record<number, number> = { 1: 1, 2: 1, 3: 2, 4: 4, 5: 8, 6: 1, 7: 1, 8: 2, 9: 4, 10: 8, 11: 4, 12: 8, 13: 4 };
/** Real IFDs have tens of entries; anything above this is garbage read as an IFD. */
const MAX_ENTRIES = 1000;

export function u16(b: Buffer, at: number, le: boolean): number {
  return le ? b.readUInt16LE(at) : b.readUInt16BE(at);
}
export function u32(b: Buffer, at: number, le: boolean): number {
  return le ? b.readUInt32LE(at) : b.readUInt32BE(at);
}

/** 'II'/'MM' byte order plus the 16-bit magic: 42 (TIFF), or the ORF/RW2 variants. BigTIFF is left to sharp. */
export function parseTiffHeader(b: Buffer, at = 0): TiffHeader | undefined {
  if (b.length < at + 8) return undefined;
  const order = b.toString('latin1', at, at + 2);
  if (order !== 'II' && order !== 'MM') return undefined;
  const le = order === 'II';
  const magic = u16(b, at + 2, le);
  if (magic !== 42 && magic !== 0x4f52 && magic !== 0x5352 && magic !== 0x55) return undefined;
  return { littleEndian: le, ifd0: u32(b, at + 4, le), magic };
}

/** Parses an IFD whose bytes start `block` (at absolute `offset`); undefined when it cannot be one. */
export function parseIfdBlock(block: Buffer, offset: number, le: boolean): Ifd | undefined {
  if (block.length < 2) return undefined;
  const n = u16(block, 0, le);
  if (n === 0 || n > MAX_ENTRIES || block.length < 2 + n * 12) return undefined;
  const entries = new Map<number, IfdEntry>();
  for (let i = 0; i < n; i++) {
    const at = 2 + i * 12;
    const tag = u16(block, at, le);
    const type = u16(block, at + 2, le);
    const count = u32(block, at + 4, le);
    const size = (TYPE_SIZES[type] ?? 0) * count;
    if (size === 0) continue; // unknown type: skip the entry, keep the rest
    const valueAt = size <= 4 ? offset + at + 8 : u32(block, at + 8, le);
    if (!entries.has(tag)) entries.set(tag, { tag, type, count, valueAt });
  }
  const next = block.length >= 2 + n * 12 + 4 ? u32(block, 2 + n * 12, le) : 0;
  return { offset, littleEndian: le, entries, next, block };
}

export async function readIfd(src: ByteSource, offset: number, le: boolean): Promise<Ifd | undefined> {
  if (!Number.isInteger(offset) || offset < 8 || offset + 2 > src.size) return undefined;
  const count = await src.read(offset, 2);
  if (count.length < 2) return undefined;
  const n = u16(count, 0, le);
  return parseIfdBlock(await src.read(offset, 2 + n * 12 + 4), offset, le);
}

/** First value of a SHORT/LONG (or BYTE) entry stored inline; undefined otherwise. */
export function inlineValue(ifd: Ifd, tag: number): number | undefined {
  const e = ifd.entries.get(tag);
  if (!e) return undefined;
  const at = e.valueAt - ifd.offset;
  if (at < 0 || at + 4 > ifd.block.length) return undefined; // stored out of line
  if (e.type === 3 || e.type === 8) return u16(ifd.block, at, ifd.littleEndian);
  if (e.type === 4 || e.type === 9 || e.type === 13) return u32(ifd.block, at, ifd.littleEndian);
  if (e.type === 1 || e.type === 7) return ifd.block[at];
  return undefined;
}

/** All values of a SHORT/LONG entry (inline or not), at most `max` of them. */
export async function readValues(src: ByteSource, ifd: Ifd, tag: number, max = 64): Promise<number[]> {
  const e = ifd.entries.get(tag);
  if (!e || (e.type !== 3 && e.type !== 4 && e.type !== 13)) return [];
  const size = e.type === 3 ? 2 : 4;
  const n = Math.min(e.count, max);
  const bytes = await src.read(e.valueAt, n * size);
  const out: number[] = [];
  for (let i = 0; (i + 1) * size <= bytes.length && i < n; i++) {
    out.push(size === 2 ? u16(bytes, i * size, ifd.littleEndian) : u32(bytes, i * size, ifd.littleEndian));
  }
  return out;
}

/** EXIF orientation 1–8, or undefined when absent or out of range. */
export function orientationOf(ifd: Ifd | undefined): number | undefined {
  const o = ifd ? inlineValue(ifd, TAG.Orientation) : undefined;
  return o !== undefined && o >= 1 && o <= 8 ? o : undefined;
}
