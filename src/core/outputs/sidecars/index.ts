import { writeJsonSidecar, writeTxtSidecar } from './json-txt.js';
import { sidecarPath, type SidecarKind, type SidecarNaming } from './sidecar-path.js';
import { createXmpWriter, type XmpWriter } from './xmp.js';
import { fingerprint, type OutputManifest } from '../../safety/output-manifest.js';
import { SidecarNames, type PhotoName } from './unique-names.js';
import { resolveSidecarNaming, type SidecarNamingChoice } from './sidecar-naming.js';
import path from 'node:path';

export { sidecarPath, type SidecarKind, type SidecarNaming } from './sidecar-path.js';
export { resolveSidecarNaming, type SidecarNamingChoice } from './sidecar-naming.js';
export { DEFAULT_EXIFTOOL_CONFIG, photobatchExiftoolArgs } from './xmp.js';
export type { KeepExisting, LangFields, Provenance, SidecarFields } from './types.js';
import type { KeepExisting, Provenance, SidecarFields } from './types.js';

export interface SidecarWriter {
  /** Returns the sidecar files written, absolute. */
  write(photo: { path: string; file: string }, fields: SidecarFields, provenance: Provenance): Promise<string[]>;
  /**
   * A photo was taken from the source: its sidecar name is decided now, in the source's order, so photos
   * arriving during a watch are named as `run` names them and a name once written never changes.
   */
  arrive?(photo: { path: string; file: string }): void;
  close(): Promise<void>;
}

export interface SidecarWriterOptions {
  kinds: SidecarKind[];
  outDir: string;
  inPlace: boolean;
  naming: SidecarNaming | SidecarNamingChoice;
  /** Override of the ExifTool config defining XMP-photobatch (tests, unusual installs). */
  exiftoolConfigPath?: string;
  /**
   * Every photo of the run: two that would share a sidecar name (IMG_1.jpg, IMG_1.png) get their own,
   * except a RAW and its JPEG, which are one shot and share IMG_1.xmp as Lightroom expects.
   */
  photos?: Iterable<PhotoName>;
  /** Files photobatch created: only those (and merges into XMP/JSON sidecars) may be written. */
  manifest?: OutputManifest;
  /** Replace fields (and .txt files) that were written by hand. */
  overwrite?: boolean;
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

  const writeOne = async (kind: SidecarKind, target: string, fields: SidecarFields, provenance: Provenance, keep: KeepExisting) => {
    if (kind === 'xmp') {
      xmp ??= createXmpWriter(opts.exiftoolConfigPath === undefined ? {} : { configPath: opts.exiftoolConfigPath });
      return xmp.write(target, fields, provenance, keep);
    }
    if (kind === 'json') return writeJsonSidecar(target, fields, provenance, keep);
    return writeTxtSidecar(target, fields, keep);
  };
  const manifest = opts.manifest;
  const recorded = (photo: PhotoName, naming: SidecarNaming) =>
    kinds.map((kind) => manifest?.entry(sidecarPath(photo, { kind, outDir: opts.outDir, inPlace: opts.inPlace, naming }))).find((e) => e !== undefined);
  const names = new SidecarNames(opts.naming === 'darktable' ? 'darktable' : 'default', opts.photos ?? [], {
    shared: (photo) => {
      const e = recorded(photo, 'default');
      return e ? { owner: e.for, sharers: e.by ?? [] } : undefined;
    },
    ownNamed: (photo) => recorded(photo, 'darktable')?.for === path.resolve(photo.path),
  });

  return {
    async write(photo, fields, provenance) {
      const written: string[] = [];
      const decision = names.decide(photo);
      const owner = decision.owner;
      const outFolder = path.join(path.resolve(opts.outDir), path.dirname(photo.file));
      const dirs = opts.inPlace ? [path.dirname(photo.path)] : [outFolder, path.dirname(photo.path)];
      // A photo that would share another's sidecar (IMG_1.jpg, IMG_1.png) gets its own name, whatever the convention.
      const naming = decision.own ? 'darktable' : await resolveSidecarNaming(photo.path, opts.naming, dirs);
      for (const kind of kinds) {
        const target = sidecarPath(photo, { kind, outDir: opts.outDir, inPlace: opts.inPlace, naming });
        // The original image is never touched, whatever name the photo has.
        if (target === photo.path || opts.manifest?.isInput(target)) throw new Error(`Sidecar path equals an input photo: ${target}`);
        const wrote = await serialised(target, async () => {
          const state = opts.manifest ? await opts.manifest.check(target, owner, { merge: kind !== 'txt', overwrite: opts.overwrite === true }) : 'new';
          const before = opts.manifest?.entry(target)?.fields ?? {};
          // A value in the file is the user's unless it is exactly what photobatch wrote there last time.
          const keep: KeepExisting = (field, existing) =>
            opts.overwrite !== true && existing.trim() !== '' && !(state === 'ours' && before[field] === fingerprint(existing));
          const prints = await writeOne(kind, target, fields, provenance, opts.manifest ? keep : () => false);
          if (prints && opts.manifest) opts.manifest.record(target, owner, { ...before, ...prints }, photo.path);
          return prints !== false;
        });
        if (wrote) written.push(target);
      }
      return written;
    },
    arrive(photo) {
      try {
        names.arrive(photo);
      } catch {
        // A photo whose sidecar path is refused: write() says so on its record.
      }
    },
    async close() {
      await Promise.all([...queues.values()]);
      await xmp?.close();
    },
  };
}
