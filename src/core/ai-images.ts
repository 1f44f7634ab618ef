import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';

const EXT: Record<string, string> = { 'image/png': 'png', 'image/jpeg': 'jpg', 'image/webp': 'webp', 'image/gif': 'gif' };

/**
 * Saves images a model returned (image-output models, e.g. a Tết-styled portrait) beside the
 * results, mirroring the photo's place in the input tree: `<out>/<dir>/<name>.ai-1.png`.
 * Returns paths relative to outDir.
 */
export async function saveAiImages(outDir: string, photoFile: string, dataUrls: readonly string[]): Promise<string[]> {
  const saved: string[] = [];
  const parsed = path.posix.parse(photoFile);
  for (const [i, url] of dataUrls.entries()) {
    const m = /^data:([^;,]+)(;base64)?,(.*)$/s.exec(url);
    if (!m) continue;
    const ext = EXT[m[1]!.toLowerCase()] ?? 'bin';
    const rel = path.posix.join(parsed.dir, `${parsed.name}.ai-${i + 1}.${ext}`);
    const abs = path.join(outDir, ...rel.split('/'));
    await mkdir(path.dirname(abs), { recursive: true });
    await writeFile(abs, m[2] ? Buffer.from(m[3]!, 'base64') : Buffer.from(decodeURIComponent(m[3]!)));
    saved.push(rel);
  }
  return saved;
}
