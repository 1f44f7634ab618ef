import path from 'node:path';
import { fitFileName } from '../../safety/file-names.js';

export type SidecarKind = 'xmp' | 'json' | 'txt';
export type SidecarNaming = 'default' | 'darktable';

/**
 * Where a photo's sidecar goes. Default naming replaces the extension (`IMG_0001.xmp`,
 * what Lightroom, Capture One and Photo Mechanic read); darktable naming appends to it
 * (`IMG_0001.CR2.xmp`), so a RAW and its JPEG never share one sidecar.
 * Under `outDir` the input tree is mirrored by `file`; in place the sidecar sits beside `path`.
 */
export function sidecarPath(
  photo: { path: string; file: string },
  opts: { kind: SidecarKind; outDir: string; inPlace: boolean; naming: SidecarNaming },
): string {
  const base = path.basename(photo.file || photo.path);
  // A very long photo name must still give a valid sidecar name (at most 255 bytes), one per photo.
  const name = fitFileName(opts.naming === 'darktable' ? base : stem(base), `.${opts.kind}`);
  if (opts.inPlace) return path.join(path.dirname(photo.path), name);

  const outDir = path.resolve(opts.outDir);
  const target = path.resolve(outDir, path.dirname(photo.file), name);
  const rel = path.relative(outDir, target);
  // `file` comes from the scan and is always relative; anything escaping --out is a bug
  // that would write over files elsewhere, so refuse rather than guess.
  if (path.isAbsolute(photo.file) || rel.startsWith('..') || path.isAbsolute(rel)) {
    throw new Error(`Sidecar for "${photo.file}" would fall outside the output folder ${outDir}`);
  }
  return target;
}

function stem(base: string): string {
  const ext = path.extname(base);
  return ext ? base.slice(0, -ext.length) : base;
}
