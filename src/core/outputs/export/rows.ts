/**
 * What `photobatch export` reads: the answers already paid for, from one or more --out folders
 * (shards of one job are merged: the newest `ok` answer per photo wins), as agency-neutral rows.
 */
import path from 'node:path';
import { openResults, outDirsWithResults } from '../../record/results-merge.js';
import type { ResultRecord } from '../../types.js';
import { splitKeywordList } from '../../prompt/presets-parse.js';

export interface ExportRow {
  /** The photo's file name, as uploaded. */
  filename: string;
  /** Where it is on disk (for messages and the generic CSV). */
  path: string;
  title?: string;
  description?: string;
  keywords: string[];
  altText?: string;
  /** As the model answered it (--preset stock): an Adobe Stock category name or number. */
  category?: string;
  shutterstockCategories: string[];
}

/**
 * The current successful answer per photo across the folders (shards merged exactly), read through the same streamed
 * index as `photobatch report` and the contact sheet (openResults); failed and never-answered photos are not exported.
 */
export async function readPaidResults(dirs: readonly string[]): Promise<ResultRecord[]> {
  const out: ResultRecord[] = [];
  for await (const { record } of (await openResults(outDirsWithResults(dirs))).current()) {
    if (record.status === 'ok' && record.output !== undefined) out.push(record);
  }
  return out;
}

export function toExportRow(record: ResultRecord): ExportRow {
  const row: ExportRow = { filename: path.basename(record.path || record.file), path: record.path, keywords: [], shutterstockCategories: [] };
  const output = record.output;
  if (typeof output === 'string') {
    // A plain answer is a caption, or (the keywords preset) a comma list of short terms.
    if (looksLikeKeywordList(output)) row.keywords = splitKeywordList(output);
    else row.description = output;
    return row;
  }
  if (!output) return row;
  const obj = firstLanguage(output);
  const s = (k: string) => (typeof obj[k] === 'string' && (obj[k] as string).trim() !== '' ? (obj[k] as string).trim() : undefined);
  const title = s('title') ?? s('headline') ?? (s('description') !== undefined ? s('caption') : undefined);
  const description = s('description') ?? s('caption') ?? s('tet_greeting') ?? s('alt_text');
  if (title !== undefined) row.title = title;
  if (description !== undefined) row.description = description;
  if (s('alt_text') !== undefined) row.altText = s('alt_text')!;
  const kw = obj.keywords ?? obj.subject ?? obj.tags;
  if (Array.isArray(kw)) row.keywords = kw.filter((k): k is string => typeof k === 'string');
  const category = obj.category;
  if (typeof category === 'string' || typeof category === 'number') row.category = String(category);
  const ss = obj.shutterstock_categories;
  if (Array.isArray(ss)) row.shutterstockCategories = ss.filter((c): c is string => typeof c === 'string');
  return row;
}

/** With --lang vi,en the answer is { vi: {...}, en: {...} }: the first language is the row's. */
function firstLanguage(o: Record<string, unknown>): Record<string, unknown> {
  const values = Object.values(o);
  const nested = values.length > 0 && values.every((v) => v && typeof v === 'object' && !Array.isArray(v));
  return nested ? (values[0] as Record<string, unknown>) : o;
}

function looksLikeKeywordList(text: string): boolean {
  const parts = splitKeywordList(text);
  return parts.length >= 2 && !/[.!?]\s*$/.test(text.trim()) && parts.every((p) => p.split(/\s+/).length <= 4);
}
