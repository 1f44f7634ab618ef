import { open } from 'node:fs/promises';
import path from 'node:path';
import sharp from 'sharp';
import { readExif, type ExifFields } from '../images/exif.js';
import { vipsShared } from '../images/vips-gate.js';

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
  let basics = bytes ? dateAndCamera(readExif(bytes)) : {};
  if (!bytes || !isJpegOrTiff(bytes)) {
    // HEIC, PNG and WebP keep EXIF in containers we do not walk: let libvips find it.
    const exif = await vipsShared(() => sharp(buffer ?? photo.path).metadata())
      .then((m) => m.exif)
      .catch(() => undefined);
    if (exif) basics = dateAndCamera(readExif(exif));
  }
  return { filename, folder, ...basics };
}

const dateAndCamera = ({ date, camera }: ExifFields) => ({ ...(date ? { date } : {}), ...(camera ? { camera } : {}) });
const isJpegOrTiff = (b: Buffer) =>
  b.length >= 8 && (b.toString('latin1', 0, 4) === 'II*\0' || b.toString('latin1', 0, 4) === 'MM\0*' || (b[0] === 0xff && b[1] === 0xd8));

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
