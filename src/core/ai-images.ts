import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { buildAiXmp, embedXmp, type AiProvenance } from './ai-image-xmp.js';

const EXT: Record<string, string> = { 'image/png': 'png', 'image/jpeg': 'jpg', 'image/webp': 'webp', 'image/gif': 'gif' };

/**
 * Saves images a model returned (image-output models, e.g. a Tết-styled portrait) beside the
 * results, mirroring the photo's place in the input tree: `<out>/<dir>/<name>.ai-1.png`.
 * With `provenance`, each is marked AI-made in its own XMP (JPEG, PNG) or an `.xmp` beside it (others).
 * Returns paths relative to outDir.
 */
export async function saveAiImages(outDir: string, photoFile: string, dataUrls: readonly string[], provenance?: AiProvenance): Promise<string[]> {
  const saved: string[] = [];
  const parsed = path.posix.parse(photoFile);
  for (const [i, url] of dataUrls.entries()) {
    const m = /^data:([^;,]+)(;base64)?,(.*)$/s.exec(url);
    if (!m) continue;
    const ext = EXT[m[1]!.toLowerCase()] ?? 'bin';
    const rel = path.posix.join(parsed.dir, `${parsed.name}.ai-${i + 1}.${ext}`);
    const abs = path.join(outDir, ...rel.split('/'));
    await mkdir(path.dirname(abs), { recursive: true });
    const bytes = m[2] ? Buffer.from(m[3]!, 'base64') : Buffer.from(decodeURIComponent(m[3]!));
    const packet = provenance ? buildAiXmp(provenance) : undefined;
    const marked = packet === undefined ? undefined : embedXmp(bytes, packet);
    await writeFile(abs, marked ?? bytes);
    if (packet !== undefined && marked === undefined) await writeFile(`${abs}.xmp`, packet);
    saved.push(rel);
  }
  return saved;
}
