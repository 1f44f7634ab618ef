import { access } from 'node:fs/promises';
import path from 'node:path';
import type { SidecarNaming } from './sidecar-path.js';

/**
 * How the user chose to name sidecars. `auto` follows what is already there: Lightroom, Capture One
 * and Photo Mechanic read `IMG_0001.xmp`, darktable and digiKam `IMG_0001.CR2.xmp`, and a photo with
 * one of them must not get the other as well (two sidecars that disagree; FastRawViewer's manual calls
 * it the "XMP naming conflict"). `lightroom` (alias `default`) and `darktable` force one convention.
 */
export type SidecarNamingChoice = 'auto' | 'lightroom' | 'darktable' | 'default';

/**
 * The naming for one photo's sidecars. With `auto`, an existing `IMG.CR2.xmp` (beside the target or
 * beside the photo) means darktable naming; otherwise the basename form, which also reuses an existing
 * `IMG.xmp` (shared by a RAW+JPEG pair, as Lightroom does).
 */
export async function resolveSidecarNaming(
  photoPath: string,
  choice: SidecarNamingChoice,
  targetDirs: readonly string[],
): Promise<SidecarNaming> {
  if (choice === 'darktable') return 'darktable';
  if (choice !== 'auto') return 'default';
  const base = path.basename(photoPath);
  const stem = base.slice(0, base.length - path.extname(base).length) || base;
  for (const dir of [...new Set(targetDirs)]) {
    // The basename form wins when both exist: that is the one Lightroom-style tools read.
    if (await anyExists(dir, [`${stem}.xmp`, `${stem}.XMP`])) return 'default';
    if (await anyExists(dir, [`${base}.xmp`, `${base}.XMP`])) return 'darktable';
  }
  return 'default';
}

async function anyExists(dir: string, names: string[]): Promise<boolean> {
  for (const name of names) {
    if (await access(path.join(dir, name)).then(() => true, () => false)) return true;
  }
  return false;
}
