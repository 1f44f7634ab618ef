import type { ByteSource } from './bytes.js';

/** One ISO-BMFF box: `body` is where its payload starts (after size, type and any large size or UUID). */
export interface Box {
  type: string;
  start: number;
  body: number;
  end: number;
  /** For 'uuid' boxes: the 16-byte extended type as lowercase hex. */
  uuid?: string;
}

const MAX_BOXES = 512;

/** Boxes in [start, end) of a buffer held in memory. A box running past `end` is clipped to it. */
export function parseBoxes(buf: Buffer, start: number, end: number): Box[] {
  const out: Box[] = [];
  let pos = start;
  const limit = Math.min(end, buf.length);
  while (pos + 8 <= limit && out.length < MAX_BOXES) {
    const box = boxAt(buf, 0, pos, limit);
    if (!box) break;
    out.push(box);
    pos = box.end;
  }
  return out;
}

/** Top-level boxes of a file, reading only each box header. */
export async function readTopLevelBoxes(src: ByteSource): Promise<Box[]> {
  const out: Box[] = [];
  let pos = 0;
  while (pos + 8 <= src.size && out.length < MAX_BOXES) {
    const header = await src.read(pos, 32);
    const box = boxAt(header, pos, pos, src.size);
    if (!box) break;
    out.push(box);
    pos = box.end;
  }
  return out;
}

/**
 * The box whose header starts at absolute offset `pos`; `buf` holds the bytes from absolute offset
 * `bufStart`. Size 0 means "to the end", size 1 means a 64-bit size follows.
 */
function boxAt(buf: Buffer, bufStart: number, pos: number, limit: number): Box | undefined {
  const at = pos - bufStart;
  if (at + 8 > buf.length) return undefined;
  let size = buf.readUInt32BE(at);
  const type = buf.toString('latin1', at + 4, at + 8);
  let body = pos + 8;
  if (size === 1) {
    if (at + 16 > buf.length) return undefined;
    size = Number(buf.readBigUInt64BE(at + 8));
    body = pos + 16;
  } else if (size === 0) {
    size = limit - pos;
  }
  if (size < body - pos) return undefined; // a box smaller than its own header: garbage
  let uuid: string | undefined;
  if (type === 'uuid') {
    if (body - bufStart + 16 > buf.length) return undefined;
    uuid = buf.toString('hex', body - bufStart, body - bufStart + 16);
    body += 16;
  }
  const end = Math.min(pos + size, limit);
  return { type, start: pos, body, end, ...(uuid === undefined ? {} : { uuid }) };
}

/** The first child of `type` (children start at `from`, e.g. after a full box's version and flags). */
export function child(buf: Buffer, parent: Box, type: string, from = parent.body): Box | undefined {
  return parseBoxes(buf, from, parent.end).find((b) => b.type === type);
}

/** Reads an unsigned big-endian integer of 0, 2, 4 or 8 bytes (iloc's variable field sizes). */
export function uintBE(buf: Buffer, at: number, bytes: number): number {
  if (bytes === 0) return 0;
  if (bytes === 2) return buf.readUInt16BE(at);
  if (bytes === 4) return buf.readUInt32BE(at);
  if (bytes === 8) return Number(buf.readBigUInt64BE(at));
  throw new RangeError(`Unsupported field size ${bytes}`);
}
