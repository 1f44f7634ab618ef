import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import { writeFileAtomic } from '../record/atomic-write.js';
import { buildAiXmp, embedXmp, type AiProvenance } from './ai-image-xmp.js';
import { fitFileName } from '../safety/file-names.js';
import type { OutputManifest } from '../safety/output-manifest.js';

const EXT: Record<string, string> = { 'image/png': 'png', 'image/jpeg': 'jpg', 'image/webp': 'webp', 'image/gif': 'gif' };

/**
 * Saves images a model returned (image-output models, e.g. a Tết-styled portrait) beside the
 * results, mirroring the photo's place in the input tree: `<out>/<dir>/<name>.<ext>.ai-1.png`. The
 * photo's extension is kept so IMG_1.jpg and IMG_1.png never share a file; a file photobatch did not
 * create for this photo is never replaced (the image goes under a free name instead).
 * Returns paths relative to outDir.
 */
export async function saveAiImages(
  outDir: string, photoFile: string, dataUrls: readonly string[], opts: { manifest?: OutputManifest; photoPath?: string; provenance?: AiProvenance } = {},
): Promise<string[]> {
  const saved: string[] = [];
  const parsed = path.posix.parse(photoFile);
  for (const [i, url] of dataUrls.entries()) {
    const m = /^data:([^;,]+)(;base64)?,/.exec(url.slice(0, 256));
    if (!m) continue;
    const payload = url.slice(m[0].length);
    const ext = EXT[m[1]!.toLowerCase()] ?? 'bin';
    let rel = '';
    let abs = '';
    for (let n = 1; ; n++) {
      rel = path.posix.join(parsed.dir, fitFileName(parsed.base, `.ai-${i + 1}${n === 1 ? '' : `~${n}`}.${ext}`));
      abs = path.join(outDir, ...rel.split('/'));
      if (!opts.manifest) break;
      const state = await opts.manifest.check(abs, opts.photoPath ?? photoFile).catch(() => 'taken' as const);
      if (state !== 'taken') break;
      if (n >= 100) throw new Error(`no free name for the returned image of ${photoFile}`);
    }
    await mkdir(path.dirname(abs), { recursive: true });
    const bytes = m[2] ? Buffer.from(payload, 'base64') : Buffer.from(decodeURIComponent(payload));
    const packet = opts.provenance ? buildAiXmp(opts.provenance) : undefined;
    const marked = packet === undefined ? undefined : embedXmp(bytes, packet);
    await writeFileAtomic(abs, marked ?? bytes); // a crash mid-write leaves no half image
    opts.manifest?.record(abs, opts.photoPath ?? photoFile);
    if (packet !== undefined && marked === undefined) {
      await writeFileAtomic(`${abs}.xmp`, packet);
      opts.manifest?.record(`${abs}.xmp`, opts.photoPath ?? photoFile);
    }
    saved.push(rel);
  }
  return saved;
}
