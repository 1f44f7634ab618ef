/**
 * `--deliver <dir>`: a copy of each photo with its results inside, for the places where sidecars
 * are not read (Lightroom's JPEG/TIFF/DNG path, clients, agencies, social uploads).
 *
 * The copy starts from the original's bytes every time, and ExifTool rewrites only metadata segments:
 * the JPEG entropy-coded data, and so the pixels, stay byte-identical, and the photographer's own
 * metadata (copyright, creator, camera, GPS) stays as it was. Formats where embedding is unsafe or
 * unread (camera RAW, HEIC/HEIF/AVIF, GIF) get a byte-identical copy plus an XMP sidecar beside it.
 */
import { access, copyFile, mkdir } from 'node:fs/promises';
import path from 'node:path';
import { ExifTool, type WriteTags } from 'exiftool-vendored';
import pLimit from 'p-limit';
import type { PhotoRef } from '../../types.js';
import type { Provenance, SidecarFields } from '../sidecars/index.js';
import { DEFAULT_EXIFTOOL_CONFIG, photobatchExiftoolArgs } from '../sidecars/index.js';
import { buildXmpTags, readKeywords } from '../sidecars/xmp.js';
import { allKeywords, keywordUnion, mainText } from '../sidecars/json-txt.js';
import { replaceAtomically } from '../../record/atomic-write.js';
import { sidecarPath } from '../sidecars/sidecar-path.js';
import { resolveSidecarNaming, type SidecarNamingChoice } from '../sidecars/sidecar-naming.js';
import { openDeliveryManifest, type DeliveryManifest } from './manifest.js';

/** Embedded XMP and IPTC-IIM: formats whose readers (Lightroom, Photo Mechanic, agencies) look inside. */
const EMBED_IPTC = new Set(['.jpg', '.jpeg', '.tif', '.tiff', '.dng']);
/** Embedded XMP only: IPTC-IIM has no place in PNG or WebP that readers agree on. */
const EMBED_XMP_ONLY = new Set(['.png', '.webp']);

export type DeliveryMode = 'embedded' | 'sidecar';

export function deliveryMode(file: string): DeliveryMode {
  const ext = path.extname(file).toLowerCase();
  return EMBED_IPTC.has(ext) || EMBED_XMP_ONLY.has(ext) ? 'embedded' : 'sidecar';
}

/**
 * IPTC-IIM twins of the XMP fields. CodedCharacterSet UTF8 is declared so Lightroom and Photo Mechanic
 * read accents right (PhotoScribe 1.5.4 saw "?" without it). IIM caps fields (Keywords 64 bytes, caption
 * 2,000): ExifTool truncates them with a minor warning, and XMP keeps the full text.
 */
export function buildIptcTags(fields: SidecarFields, existingIptcKeywords: readonly string[]): Record<string, unknown> {
  const tags: Record<string, unknown> = { 'IPTC:CodedCharacterSet': 'UTF8' };
  const first = Object.values(fields.byLang ?? {})[0];
  const caption = fields.caption ?? first?.caption ?? fields.altText ?? first?.altText;
  if (caption !== undefined) tags['IPTC:Caption-Abstract'] = caption;
  const title = fields.title ?? first?.title;
  if (title !== undefined) tags['IPTC:ObjectName'] = title;
  const headline = fields.headline ?? first?.headline ?? title;
  if (headline !== undefined) tags['IPTC:Headline'] = headline;
  const existing = keywordUnion([], existingIptcKeywords);
  const added = keywordUnion(existing, allKeywords(fields)).slice(existing.length);
  if (added.length > 0) tags['IPTC:Keywords+'] = added;
  return tags;
}

export interface DelivererOptions {
  dir: string;
  naming?: SidecarNamingChoice;
  exiftoolConfigPath?: string;
}

export interface Deliverer {
  readonly dir: string;
  /** Writes (or updates) the photo's delivered copy; returns the files written, absolute. */
  deliver(photo: PhotoRef, fields: SidecarFields, provenance: Provenance): Promise<string[]>;
  close(): Promise<void>;
}

export function createDeliverer(opts: DelivererOptions): Deliverer {
  const dir = path.resolve(opts.dir);
  const configPath = opts.exiftoolConfigPath ?? DEFAULT_EXIFTOOL_CONFIG;
  let et: ExifTool | undefined;
  let manifest: Promise<DeliveryManifest> | undefined;
  // One write at a time per target: two photos may share one sidecar name (IMG.CR2 + IMG.HEIC → IMG.xmp).
  const queues = new Map<string, Promise<unknown>>();
  const serialised = <T>(key: string, job: () => Promise<T>): Promise<T> => {
    const next = (queues.get(key) ?? Promise.resolve()).then(job, job);
    queues.set(key, next.catch(() => undefined));
    return next;
  };
  const tool = () => (et ??= new ExifTool({ maxProcs: 1, exiftoolArgs: photobatchExiftoolArgs(configPath) }));
  // A re-run redelivers thousands of done photos at once: a few copies in flight keep file handles and disk sane.
  const limit = pLimit(4);

  const within = (file: string): string => {
    const target = path.resolve(dir, file);
    const rel = path.relative(dir, target);
    if (path.isAbsolute(file) || rel.startsWith('..') || path.isAbsolute(rel)) {
      throw new Error(`Delivered copy of "${file}" would fall outside the delivery folder ${dir}`);
    }
    return target;
  };

  /** Edits a temp copy of `source` and swaps it in: a reader never sees a half-written file. */
  const writeFrom = async (source: string | undefined, target: string, tags: Record<string, unknown> | undefined, copyOf?: string) => {
    const m = await (manifest ??= openDeliveryManifest(dir));
    await m.assertReplaceable(target, copyOf);
    await mkdir(path.dirname(target), { recursive: true });
    await replaceAtomically(target, async (tmp) => {
      if (source !== undefined) await copyFile(source, tmp);
      if (tags) await tool().write(tmp, tags as WriteTags, { useMWG: false, writeArgs: ['-overwrite_original'] });
    });
    await m.record(target, copyOf);
  };

  return {
    dir,
    deliver(photo, fields, provenance) {
      return limit(() => deliverOne(photo, fields, provenance));
    },
    async close() {
      await Promise.all([...queues.values()]);
      const current = et;
      et = undefined;
      await current?.end();
    },
  };

  async function deliverOne(photo: PhotoRef, fields: SidecarFields, provenance: Provenance): Promise<string[]> {
    if (mainText(fields) === undefined && fields.title === undefined) return [];
    const target = within(photo.file);
    if (path.resolve(target) === path.resolve(photo.path)) throw new Error(`The delivered copy would be the original itself: ${photo.path}`);
    const ext = path.extname(photo.path).toLowerCase();
    if (deliveryMode(photo.path) === 'embedded') {
      return serialised(target, async () => {
        const existing = await readKeywords(tool(), photo.path);
        const tags = {
          ...buildXmpTags(fields, provenance, existing),
          ...(EMBED_IPTC.has(ext) ? buildIptcTags(fields, existing.iptc) : {}),
        };
        await writeFrom(photo.path, target, tags, photo.path);
        return [target];
      });
    }
    // RAW, HEIC and friends: the copy is the original's bytes; the results go in a sidecar beside it,
    // named as the photographer's own sidecar is (if any), which is copied first so their edits travel too.
    const naming = await resolveSidecarNaming(photo.path, opts.naming ?? 'auto', [path.dirname(photo.path)]);
    const own = sidecarPath({ path: photo.path, file: path.basename(photo.path) }, { kind: 'xmp', outDir: '', inPlace: true, naming });
    const sidecar = sidecarPath({ path: target, file: photo.file }, { kind: 'xmp', outDir: dir, inPlace: false, naming });
    const written = await serialised(target, async () => {
      await writeFrom(photo.path, target, undefined, photo.path);
      return [target];
    });
    await serialised(sidecar, async () => {
      const base = (await fileExists(sidecar)) ? sidecar : (await fileExists(own)) ? own : undefined;
      const existing = base ? await readKeywords(tool(), base) : { subject: [], hierarchical: [] };
      await writeFrom(base === sidecar ? sidecar : base, sidecar, buildXmpTags(fields, provenance, existing));
    });
    return [...written, sidecar];
  }
}

async function fileExists(file: string): Promise<boolean> {
  return access(file).then(
    () => true,
    () => false,
  );
}
