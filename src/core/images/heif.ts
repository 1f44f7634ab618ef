import type { ByteSource } from './bytes.js';
import { child, parseBoxes, readTopLevelBoxes, uintBE, type Box } from './bmff.js';
import { readExif } from './exif.js';

/** What the HEIF container says about its primary image, read without decoding any pixels. */
export interface HeifInfo {
  /** Item type of the primary image: 'hvc1' (HEVC), 'grid' (tiles, iPhone), 'av01' (AV1), … */
  itemType: string;
  /** Size as libheif outputs it: ispe, cropped by clap, turned by irot. */
  width: number;
  height: number;
  /** irot or imir is attached to the primary image: libheif applies it while decoding. */
  hasTransform: boolean;
  /** The EXIF Orientation tag of the primary image's Exif item, when there is one. */
  exifOrientation?: number;
  /** ICC profile from a 'prof'/'rICC' colr property (iPhones: Display P3). */
  icc?: Buffer;
}

interface Extent { offset: number; length: number }
/** The meta box of a HEIC is a few kilobytes; this bounds what a damaged size field can make us read. */
const MAX_META_BYTES = 16 * 1024 * 1024;
const MAX_EXIF_BYTES = 1024 * 1024;

/** Parses the primary image's properties from the meta box. Undefined when there is no usable one. */
export async function readHeifInfo(src: ByteSource): Promise<HeifInfo | undefined> {
  const meta = (await readTopLevelBoxes(src)).find((b) => b.type === 'meta');
  if (!meta || meta.end - meta.start > MAX_META_BYTES) return undefined;
  const m = await src.read(meta.start, meta.end - meta.start);
  const root = parseBoxes(m, 0, m.length)[0];
  if (!root || root.type !== 'meta') return undefined;
  const kids = parseBoxes(m, root.body + 4, root.end); // meta is a full box: skip version and flags
  const find = (type: string) => kids.find((b) => b.type === type);
  const pitm = find('pitm');
  const iprp = find('iprp');
  if (!pitm || !iprp) return undefined;
  const primary = m[pitm.body] === 0 ? m.readUInt16BE(pitm.body + 4) : m.readUInt32BE(pitm.body + 4);
  const types = itemTypes(m, find('iinf'));
  const props = itemProperties(m, iprp, primary);
  const ispe = props.find((p) => p.type === 'ispe');
  if (!ispe) return undefined;
  let width = m.readUInt32BE(ispe.body + 4);
  let height = m.readUInt32BE(ispe.body + 8);
  const clap = props.find((p) => p.type === 'clap');
  if (clap) {
    // libheif crops to the clean aperture before turning: the output is this size.
    const frac = (at: number) => m.readUInt32BE(at) / (m.readUInt32BE(at + 4) || 1);
    width = Math.round(frac(clap.body)) || width;
    height = Math.round(frac(clap.body + 8)) || height;
  }
  const irot = props.find((p) => p.type === 'irot');
  if (irot && (m[irot.body]! & 3) % 2 === 1) [width, height] = [height, width];
  const hasTransform = irot !== undefined || props.some((p) => p.type === 'imir');
  const iref = find('iref');
  // iPhones put the profile on the grid's tiles, not on the grid: libheif uses the first tile's then.
  const firstTile = references(m, iref, 'dimg').get(primary)?.[0];
  const icc = iccOf(m, props) ?? (firstTile === undefined ? undefined : iccOf(m, itemProperties(m, iprp, firstTile)));
  const exifOrientation = await exifOrientationOf(src, m, kids, types, primary, meta.start);
  return {
    itemType: types.get(primary) ?? '',
    width,
    height,
    hasTransform,
    ...(exifOrientation === undefined ? {} : { exifOrientation }),
    ...(icc ? { icc } : {}),
  };
}

/** item ID → item type, from the infe entries (version 2 and 3 carry the type). */
function itemTypes(m: Buffer, iinf: Box | undefined): Map<number, string> {
  const out = new Map<number, string>();
  if (!iinf) return out;
  const from = iinf.body + 4 + (m[iinf.body] === 0 ? 2 : 4);
  for (const infe of parseBoxes(m, from, iinf.end)) {
    if (infe.type !== 'infe') continue;
    const version = m[infe.body]!;
    if (version < 2) continue;
    const at = infe.body + 4;
    const id = version === 2 ? m.readUInt16BE(at) : m.readUInt32BE(at);
    const typeAt = at + (version === 2 ? 2 : 4) + 2; // after item_ID and item_protection_index
    if (typeAt + 4 <= infe.end) out.set(id, m.toString('latin1', typeAt, typeAt + 4));
  }
  return out;
}

/** The property boxes (ipco) associated with `item` through ipma, in association order. */
function itemProperties(m: Buffer, iprp: Box, item: number): Box[] {
  const ipco = child(m, iprp, 'ipco');
  const ipmas = parseBoxes(m, iprp.body, iprp.end).filter((b) => b.type === 'ipma');
  if (!ipco) return [];
  const all = parseBoxes(m, ipco.body, ipco.end);
  const out: Box[] = [];
  for (const ipma of ipmas) {
    const version = m[ipma.body]!;
    const wide = (m[ipma.body + 3]! & 1) === 1; // flags bit 0: 15-bit property indices
    let at = ipma.body + 8;
    const count = m.readUInt32BE(ipma.body + 4);
    for (let i = 0; i < count && at < ipma.end; i++) {
      const id = version < 1 ? m.readUInt16BE(at) : m.readUInt32BE(at);
      at += version < 1 ? 2 : 4;
      const n = m[at]!;
      at += 1;
      for (let j = 0; j < n; j++) {
        const index = wide ? m.readUInt16BE(at) & 0x7fff : m[at]! & 0x7f;
        at += wide ? 2 : 1;
        const prop = all[index - 1]; // 1-based; 0 means "no property"
        if (id === item && prop) out.push(prop);
      }
    }
  }
  return out;
}

function iccOf(m: Buffer, props: Box[]): Buffer | undefined {
  for (const colr of props.filter((p) => p.type === 'colr')) {
    const kind = m.toString('latin1', colr.body, colr.body + 4);
    if ((kind === 'prof' || kind === 'rICC') && colr.end > colr.body + 4) return Buffer.from(m.subarray(colr.body + 4, colr.end));
  }
  return undefined;
}

/** Orientation in the Exif item describing the primary image ('cdsc' reference), or the only Exif item. */
async function exifOrientationOf(
  src: ByteSource, m: Buffer, kids: Box[], types: Map<number, string>, primary: number, metaStart: number,
): Promise<number | undefined> {
  const exifItems = [...types].filter(([, t]) => t === 'Exif').map(([id]) => id);
  if (exifItems.length === 0) return undefined;
  const describes = references(m, kids.find((b) => b.type === 'iref'), 'cdsc');
  const item = exifItems.find((id) => describes.get(id)?.includes(primary)) ?? (exifItems.length === 1 ? exifItems[0] : undefined);
  if (item === undefined) return undefined;
  const extents = itemExtents(m, kids, item, metaStart);
  if (!extents) return undefined;
  const parts: Buffer[] = [];
  let total = 0;
  for (const e of extents) {
    if (total + e.length > MAX_EXIF_BYTES) return undefined;
    parts.push(await src.read(e.offset, e.length));
    total += e.length;
  }
  const data = Buffer.concat(parts);
  if (data.length < 4) return undefined;
  // HEIF Exif items start with a 32-bit offset to the TIFF header (past an optional "Exif\0\0").
  const tiffAt = 4 + data.readUInt32BE(0);
  return tiffAt < data.length ? readExif(data.subarray(tiffAt)).orientation : undefined;
}

/** from item → to items, for one reference type ('cdsc': describes, 'dimg': derived from). */
function references(m: Buffer, iref: Box | undefined, type: string): Map<number, number[]> {
  const out = new Map<number, number[]>();
  if (!iref) return out;
  const wide = m[iref.body] !== 0;
  const idAt = (at: number) => (wide ? m.readUInt32BE(at) : m.readUInt16BE(at));
  const w = wide ? 4 : 2;
  for (const ref of parseBoxes(m, iref.body + 4, iref.end)) {
    if (ref.type !== type || ref.body + w + 2 > ref.end) continue;
    const from = idAt(ref.body);
    const n = m.readUInt16BE(ref.body + w);
    const to: number[] = [];
    for (let i = 0; i < n && ref.body + w + 2 + (i + 1) * w <= ref.end; i++) to.push(idAt(ref.body + w + 2 + i * w));
    out.set(from, to);
  }
  return out;
}

/** Absolute file extents of an item, from iloc (file offsets, or inside idat). */
function itemExtents(m: Buffer, kids: Box[], item: number, metaStart: number): Extent[] | undefined {
  const iloc = kids.find((b) => b.type === 'iloc');
  if (!iloc) return undefined;
  const version = m[iloc.body]!;
  let at = iloc.body + 4;
  const offsetSize = m[at]! >> 4;
  const lengthSize = m[at]! & 15;
  const baseSize = m[at + 1]! >> 4;
  const indexSize = version >= 1 ? m[at + 1]! & 15 : 0;
  at += 2;
  const count = version < 2 ? m.readUInt16BE(at) : m.readUInt32BE(at);
  at += version < 2 ? 2 : 4;
  for (let i = 0; i < count && at < iloc.end; i++) {
    const id = version < 2 ? m.readUInt16BE(at) : m.readUInt32BE(at);
    at += version < 2 ? 2 : 4;
    const method = version >= 1 ? m.readUInt16BE(at) & 15 : 0;
    if (version >= 1) at += 2;
    at += 2; // data_reference_index
    const base = uintBE(m, at, baseSize);
    at += baseSize;
    const n = m.readUInt16BE(at);
    at += 2;
    const extents: Extent[] = [];
    for (let j = 0; j < n; j++) {
      at += indexSize;
      const offset = uintBE(m, at, offsetSize);
      const length = uintBE(m, at + offsetSize, lengthSize);
      at += offsetSize + lengthSize;
      extents.push({ offset: base + offset, length });
    }
    if (id !== item) continue;
    if (method === 0) return extents;
    if (method !== 1) return undefined; // item-offset construction: not used for Exif in practice
    const idat = kids.find((b) => b.type === 'idat');
    return idat ? extents.map((e) => ({ offset: metaStart + idat.body + e.offset, length: e.length })) : undefined;
  }
  return undefined;
}
