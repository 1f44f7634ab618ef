import { open } from 'node:fs/promises';
import path from 'node:path';
import sharp from 'sharp';
import { vipsShared } from './images/vips-gate.js';

export interface TemplateVars {
  /** Base name of the photo, e.g. `IMG_0001.CR2`. */
  filename: string;
  /** Folder of the photo relative to the input root (`/` separated), or the parent folder's name at the root. */
  folder: string;
  /** EXIF DateTimeOriginal as `YYYY-MM-DD HH:MM:SS`. */
  date?: string;
  /** EXIF Make and Model, e.g. `Canon EOS R5`. */
  camera?: string;
  /** `--context` text. */
  context?: string;
  /** What the photo's own metadata says (--context-from-metadata); never GPS. */
  metadata?: string;
}

const VAR_RE = /\{(filename|folder|date|camera|context)\}/g;

/**
 * Fills `{filename}`, `{folder}`, `{date}`, `{camera}` and `{context}`.
 * Any other `{...}` is left exactly as written: prompt files often contain JSON examples
 * such as `{"caption": "..."}`, which must reach the model intact.
 * A missing date or camera renders as "unknown" so the sentence still reads; a missing
 * context renders as nothing.
 */
export function renderTemplate(text: string, vars: TemplateVars): string {
  return text.replace(VAR_RE, (_m, name: keyof TemplateVars) => {
    const value = vars[name]?.trim();
    if (value) return value;
    return name === 'date' || name === 'camera' ? 'unknown' : '';
  });
}

/** True when the text uses `{name}`: callers add the context themselves when the template does not. */
export function usesVar(text: string, name: keyof TemplateVars): boolean {
  return text.includes(`{${name}}`);
}

// EXIF sits in the first 64 KB of a JPEG and in the first IFDs of TIFF-based raws,
// so the head of the file is enough and big raws are never read whole.
const HEAD_BYTES = 512 * 1024;

/**
 * Template variables for one photo. Pass the ORIGINAL file's bytes when already in memory
 * (the prepared JPEG sent to the model carries no EXIF); without them the file head is read.
 * A photo without readable EXIF simply has no date or camera: never an error, a caption
 * does not need them.
 */
/** {filename} and {folder} alone: no file access, for prompts that use neither {date} nor {camera}. */
export function pathTemplateVars(photo: { path: string; file: string }): TemplateVars {
  const rel = photo.file.split(/[\\/]+/);
  const filename = rel.pop() ?? path.basename(photo.path);
  const folder = rel.length > 0 ? rel.join('/') : path.basename(path.dirname(photo.path));
  return { filename, folder };
}

export async function readTemplateVars(photo: { path: string; file: string }, buffer?: Buffer): Promise<TemplateVars> {
  const { filename, folder } = pathTemplateVars(photo);
  const bytes = buffer ?? (await readHead(photo.path).catch(() => undefined));
  let basics = bytes ? parseExifBasics(bytes) : {};
  if (!bytes || !isJpegOrTiff(bytes)) {
    // HEIC, PNG and WebP keep EXIF in containers we do not walk: let libvips find it.
    const exif = await vipsShared(() => sharp(buffer ?? photo.path).metadata())
      .then((m) => m.exif)
      .catch(() => undefined);
    if (exif) basics = parseExifBasics(exif);
  }
  return { filename, folder, ...basics };
}

async function readHead(file: string): Promise<Buffer> {
  const fh = await open(file, 'r');
  try {
    const buf = Buffer.alloc(HEAD_BYTES);
    const { bytesRead } = await fh.read(buf, 0, HEAD_BYTES, 0);
    return buf.subarray(0, bytesRead);
  } finally {
    await fh.close();
  }
}

const TAG_MAKE = 0x010f;
const TAG_MODEL = 0x0110;
const TAG_EXIF_IFD = 0x8769;
const TAG_DATE_ORIGINAL = 0x9003;
const TYPE_ASCII = 2;
const TYPE_LONG = 4;

/**
 * Make/Model/DateTimeOriginal from a JPEG, a TIFF-based file (TIFF, CR2, NEF, ARW, DNG),
 * or a bare EXIF block (with or without the `Exif\0\0` prefix). Malformed data yields `{}`.
 */
export function parseExifBasics(buf: Buffer): { date?: string; camera?: string } {
  try {
    const tiff = findTiff(buf);
    if (!tiff) return {};
    const le = tiff.toString('latin1', 0, 2) === 'II';
    const u16 = (o: number) => (le ? tiff.readUInt16LE(o) : tiff.readUInt16BE(o));
    const u32 = (o: number) => (le ? tiff.readUInt32LE(o) : tiff.readUInt32BE(o));
    if (u16(2) !== 42) return {};

    const readIfd = (offset: number): Map<number, string | number> => {
      const out = new Map<number, string | number>();
      if (offset < 8 || offset + 2 > tiff.length) return out;
      const count = u16(offset);
      for (let i = 0; i < count; i++) {
        const e = offset + 2 + i * 12;
        if (e + 12 > tiff.length) break;
        const tag = u16(e);
        const type = u16(e + 2);
        const n = u32(e + 4);
        if (type === TYPE_ASCII) {
          const start = n <= 4 ? e + 8 : u32(e + 8);
          if (start + n > tiff.length) continue;
          out.set(tag, tiff.toString('latin1', start, start + n).replace(/\0[\s\S]*$/, '').trim());
        } else if (type === TYPE_LONG && n === 1) {
          out.set(tag, u32(e + 8));
        }
      }
      return out;
    };

    const ifd0 = readIfd(u32(4));
    const exifPtr = ifd0.get(TAG_EXIF_IFD);
    const exifIfd = typeof exifPtr === 'number' ? readIfd(exifPtr) : new Map<number, string | number>();
    const result: { date?: string; camera?: string } = {};
    const date = formatExifDate(exifIfd.get(TAG_DATE_ORIGINAL));
    if (date) result.date = date;
    const camera = cameraName(ifd0.get(TAG_MAKE), ifd0.get(TAG_MODEL));
    if (camera) result.camera = camera;
    return result;
  } catch {
    return {};
  }
}

const isTiff = (b: Buffer) => b.length >= 8 && (b.toString('latin1', 0, 4) === 'II*\0' || b.toString('latin1', 0, 4) === 'MM\0*');
const isJpegOrTiff = (b: Buffer) => isTiff(b) || (b[0] === 0xff && b[1] === 0xd8);

function findTiff(buf: Buffer): Buffer | undefined {
  if (isTiff(buf)) return buf;
  if (buf.toString('latin1', 0, 6) === 'Exif\0\0') return isTiff(buf.subarray(6)) ? buf.subarray(6) : undefined;
  if (buf[0] !== 0xff || buf[1] !== 0xd8) return undefined;
  // Walk JPEG markers up to the first scan; EXIF is an APP1 segment starting "Exif\0\0".
  let o = 2;
  while (o + 4 <= buf.length && buf[o] === 0xff) {
    const marker = buf[o + 1];
    if (marker === 0xda || marker === 0xd9) return undefined;
    const len = buf.readUInt16BE(o + 2);
    if (marker === 0xe1 && buf.toString('latin1', o + 4, o + 10) === 'Exif\0\0') {
      const seg = buf.subarray(o + 10, o + 2 + len);
      return isTiff(seg) ? seg : undefined;
    }
    o += 2 + len;
  }
  return undefined;
}

function formatExifDate(v: string | number | undefined): string | undefined {
  if (typeof v !== 'string') return undefined;
  const m = /^(\d{4}):(\d{2}):(\d{2})[ T](\d{2}):(\d{2}):(\d{2})/.exec(v);
  // Cameras with an unset clock write "0000:00:00 00:00:00": that is no date at all.
  if (!m || m[1] === '0000') return undefined;
  return `${m[1]}-${m[2]}-${m[3]} ${m[4]}:${m[5]}:${m[6]}`;
}

function cameraName(make: string | number | undefined, model: string | number | undefined): string | undefined {
  const mk = typeof make === 'string' ? make.trim() : '';
  const md = typeof model === 'string' ? model.trim() : '';
  if (!md) return mk || undefined;
  // Most makers repeat the brand in Model ("Canon" + "Canon EOS R5"); "NIKON CORPORATION" + "NIKON Z 6" too.
  const brand = mk.split(/\s+/)[0] ?? '';
  if (!brand || md.toLowerCase().startsWith(brand.toLowerCase())) return md;
  return `${mk} ${md}`;
}
