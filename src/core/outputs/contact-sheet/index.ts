import { readdir } from 'node:fs/promises';
import path from 'node:path';
import type { CostReport } from '../report.js';
import type { MergedResults } from '../../record/results-merge.js';
import { renderContactSheetStream } from './render-html.js';
import { writeChunksAtomic } from '../../record/atomic-write.js';
import { isThumbnailKey, THUMBS_DIR, thumbnailRelPath } from './thumbnail.js';

export { renderContactSheet, type ContactSheetInput } from './render-html.js';
export { escapeHtml, formatUsd } from './render-output.js';
export { thumbnailRelPath, writeThumbnail } from './thumbnail.js';

export const CONTACT_SHEET_FILE = 'report.html';

/** One directory listing per folder instead of a stat per photo: sheets can hold thousands. */
async function existingThumbs(outDir: string): Promise<Set<string>> {
  try {
    return new Set(await readdir(path.join(outDir, THUMBS_DIR)));
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return new Set();
    throw err;
  }
}

/**
 * report.html from results.jsonl, streamed: one card per photo (its current record), merged across the
 * folders of `results` (the shards of one job). Links only thumbnails that are on disk, so a photo from a
 * run before thumbnails existed shows "no preview" instead of a broken image; thumbnails of other
 * folders are linked relative to the page. Written to `file` (default report.html in outDir).
 */
export async function writeContactSheet(
  outDir: string,
  input: {
    results: MergedResults; report: CostReport; title?: string; file?: string; live?: { refreshSeconds: number };
    /** Newest photos first (a watch's gallery: the guest looks for the photo just taken); otherwise path order. */
    newestFirst?: boolean;
  },
): Promise<string> {
  const file = input.file ?? path.join(outDir, CONTACT_SHEET_FILE);
  const pageDir = path.dirname(path.resolve(file));
  const thumbs = new Map<string, Set<string>>();
  for (const dir of input.results.dirs) thumbs.set(dir, await existingThumbs(dir));
  async function* cards() {
    for await (const { record: r, dir } of input.results.current()) {
      const has = r.sha256 !== undefined && isThumbnailKey(r.sha256) && thumbs.get(dir)!.has(`${r.sha256}.jpg`);
      const rel = has ? toUrlPath(path.relative(pageDir, path.join(dir, ...thumbnailRelPath(r.sha256!).split('/')))) : undefined;
      yield { record: r, thumbnail: rel };
    }
  }
  const chunks = renderContactSheetStream({
    records: input.newestFirst ? newestFirst(cards()) : cards(), total: input.results.photos, report: input.report,
    ...(input.live ? { live: input.live } : {}),
    ...(input.title === undefined ? {} : { title: input.title }),
  });
  await writeChunksAtomic(file, chunks);
  return file;
}

/**
 * The cards by the time of their record, newest first (a stable sort: photos recorded in the same
 * millisecond keep path order). The order needs every card, so this one sheet holds them in memory.
 */
async function* newestFirst<T extends { record: { at?: string } }>(cards: AsyncIterable<T>): AsyncGenerator<T> {
  const all: T[] = [];
  for await (const card of cards) all.push(card);
  const time = (c: T) => Date.parse(c.record.at ?? '') || 0;
  yield* all.sort((a, b) => time(b) - time(a));
}

/** Relative URL of a file path: forward slashes, each segment percent-encoded. */
function toUrlPath(rel: string): string {
  return rel.split(path.sep).map(encodeURIComponent).join('/');
}
