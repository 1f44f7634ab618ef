import { readdir } from 'node:fs/promises';
import path from 'node:path';
import { latestByPath, type CostReport } from '../report.js';
import type { ResultRecord } from '../types.js';
import { renderContactSheetChunks } from './render-html.js';
import { writeChunksAtomic } from '../atomic-write.js';
import { isThumbnailKey, THUMBS_DIR, thumbnailRelPath } from './thumbnail.js';

export { escapeHtml, formatUsd, renderContactSheet, type ContactSheetInput } from './render-html.js';
export { thumbnailRelPath, writeThumbnail } from './thumbnail.js';

export const CONTACT_SHEET_FILE = 'report.html';

/** One directory listing instead of a stat per photo: sheets can hold thousands. */
async function existingThumbs(outDir: string): Promise<Set<string>> {
  try {
    return new Set(await readdir(path.join(outDir, THUMBS_DIR)));
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return new Set();
    throw err;
  }
}

/**
 * Links only thumbnails that are on disk, so a photo from a run before thumbnails existed shows
 * "no preview" instead of a broken image.
 */
export async function writeContactSheet(
  outDir: string,
  input: { records: readonly ResultRecord[]; report: CostReport; title?: string; live?: { refreshSeconds: number } },
): Promise<string> {
  const thumbs = await existingThumbs(outDir);
  const latest = latestByPath(input.records);
  const chunks = renderContactSheetChunks({
    // A live gallery shows the newest result first: the guest who was just photographed looks for theirs.
    records: input.live ? [...latest].sort((a, b) => (a.at < b.at ? 1 : a.at > b.at ? -1 : 0)) : latest,
    ...(input.live ? { live: input.live } : {}),
    report: input.report,
    ...(input.title === undefined ? {} : { title: input.title }),
    thumbnailFor: (r) =>
      r.sha256 !== undefined && isThumbnailKey(r.sha256) && thumbs.has(`${r.sha256}.jpg`) ? thumbnailRelPath(r.sha256) : undefined,
  });
  const file = path.join(outDir, CONTACT_SHEET_FILE);
  await writeChunksAtomic(file, chunks);
  return file;
}
