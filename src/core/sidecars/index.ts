import { writeJsonSidecar, writeTxtSidecar } from './json-txt.js';
import { sidecarPath, type SidecarKind, type SidecarNaming } from './sidecar-path.js';
import { createXmpWriter, type XmpWriter } from './xmp.js';
import { resolveSidecarNaming, type SidecarNamingChoice } from './sidecar-naming.js';
import path from 'node:path';

export { sidecarPath, type SidecarKind, type SidecarNaming } from './sidecar-path.js';
export { resolveSidecarNaming, type SidecarNamingChoice } from './sidecar-naming.js';
export { DEFAULT_EXIFTOOL_CONFIG, photobatchExiftoolArgs } from './xmp.js';

export interface LangFields {
  caption?: string;
  altText?: string;
  headline?: string;
  /** dc:title / IPTC ObjectName: only when a title was asked for (--preset stock). */
  title?: string;
  /** Iptc4xmpCore:ExtDescrAccessibility: the long description beside alt text. */
  extendedDescription?: string;
  keywords?: string[];
  /** `Parent|Child` paths of the keywords (lr:hierarchicalSubject); the flat keyword when there is no vocabulary. */
  hierarchical?: string[];
}

/** What a model's answer contributes to metadata. Top-level values are the x-default ones. */
export interface SidecarFields extends LangFields {
  byLang?: Record<string, LangFields>;
}

export interface Provenance {
  model: string;
  promptHash: string;
  costUsd: number | null;
  /** ISO 8601. */
  date: string;
}

export interface SidecarWriter {
  /** Returns the sidecar files written, absolute. */
  write(photo: { path: string; file: string }, fields: SidecarFields, provenance: Provenance): Promise<string[]>;
  close(): Promise<void>;
}

export interface SidecarWriterOptions {
  kinds: SidecarKind[];
  outDir: string;
  inPlace: boolean;
  naming: SidecarNaming | SidecarNamingChoice;
  /** Override of the ExifTool config defining XMP-photobatch (tests, unusual installs). */
  exiftoolConfigPath?: string;
}

/**
 * Writes each photo's sidecars. Writes to one sidecar path run one after another: with
 * default naming a RAW and its JPEG (IMG_1.CR2, IMG_1.JPG) share IMG_1.xmp, and two
 * concurrent read-merge-write cycles would lose one photo's keywords.
 */
export function createSidecarWriter(opts: SidecarWriterOptions): SidecarWriter {
  const kinds = [...new Set(opts.kinds)];
  let xmp: XmpWriter | undefined;
  const queues = new Map<string, Promise<unknown>>();

  const serialised = <T>(key: string, job: () => Promise<T>): Promise<T> => {
    const prev = queues.get(key) ?? Promise.resolve();
    const next = prev.then(job, job);
    const settled = next.then(
      () => undefined,
      () => undefined,
    );
    queues.set(key, settled);
    void settled.then(() => {
      if (queues.get(key) === settled) queues.delete(key);
    });
    return next;
  };

  const writeOne = async (kind: SidecarKind, target: string, fields: SidecarFields, provenance: Provenance) => {
    if (kind === 'xmp') {
      xmp ??= createXmpWriter(opts.exiftoolConfigPath === undefined ? {} : { configPath: opts.exiftoolConfigPath });
      await xmp.write(target, fields, provenance);
      return true;
    }
    if (kind === 'json') {
      await writeJsonSidecar(target, fields, provenance);
      return true;
    }
    return writeTxtSidecar(target, fields);
  };

  return {
    async write(photo, fields, provenance) {
      const written: string[] = [];
      const outFolder = path.join(path.resolve(opts.outDir), path.dirname(photo.file));
      const dirs = opts.inPlace ? [path.dirname(photo.path)] : [outFolder, path.dirname(photo.path)];
      const naming = await resolveSidecarNaming(photo.path, opts.naming, dirs);
      for (const kind of kinds) {
        const target = sidecarPath(photo, { kind, outDir: opts.outDir, inPlace: opts.inPlace, naming });
        // The original image is never touched, whatever name the photo has.
        if (target === photo.path) throw new Error(`Sidecar path equals the photo itself: ${photo.path}`);
        if (await serialised(target, () => writeOne(kind, target, fields, provenance))) written.push(target);
      }
      return written;
    },
    async close() {
      await Promise.all([...queues.values()]);
      await xmp?.close();
    },
  };
}
