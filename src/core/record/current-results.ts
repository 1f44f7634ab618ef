import { openResults } from './results-merge.js';
import type { ResultRecord } from '../types.js';

/**
 * The current result of each photo. results.jsonl is append-only: a photo that failed and was
 * answered by a later run has both lines, and only the later one is true now. This is the same
 * merged, streamed index `photobatch report` and `export` read (results-merge.ts), so the three
 * agree: per photo path the latest record, except that an ok answer is never undone by a later
 * failure; several folders merge. Records come back one at a time, sorted by path.
 */
export async function* currentResults(dirs: readonly string[]): AsyncGenerator<ResultRecord> {
  const merged = await openResults(dirs);
  for await (const { record } of merged.current()) yield record;
}

/** A result's answer as one line of text: the string, or compact JSON for preset/schema objects. */
export function outputText(record: ResultRecord): string {
  if (record.status === 'failed') return `${record.error?.kind ?? 'failed'}: ${record.error?.message ?? ''}`;
  const out: unknown = record.output;
  const text = typeof out === 'string' ? out : out === undefined || out === null ? '' : JSON.stringify(out);
  // One line per photo, tab-separated: tabs and line breaks inside an answer become spaces.
  return text.replace(/[\t\r\n]+/g, ' ').trim();
}
