import { createReadStream } from 'node:fs';
import readline from 'node:readline';
import { isRecord } from './journal.js';
import type { ResultRecord } from './types.js';

/**
 * The current result of each photo. results.jsonl is append-only: a photo that failed and was
 * answered by a later run has both lines, and only the later one is true now. Lines are read one
 * at a time (never the whole file), torn or foreign lines are skipped, and several files merge:
 * per photo path, the record with the latest `at` wins (file order breaks ties).
 */
export async function readCurrentResults(files: string | readonly string[]): Promise<ResultRecord[]> {
  const latest = new Map<string, ResultRecord>();
  for (const file of typeof files === 'string' ? [files] : files) {
    for await (const record of streamRecords(file)) {
      const prev = latest.get(record.path);
      if (!prev || !(record.at < prev.at)) latest.set(record.path, record);
    }
  }
  return [...latest.values()].sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
}

/** Every valid record of one results.jsonl, in file order, streamed. A missing file yields nothing. */
export async function* streamRecords(file: string): AsyncGenerator<ResultRecord> {
  const input = createReadStream(file, { encoding: 'utf8' });
  const opened = new Promise<boolean>((resolve, reject) => {
    input.once('open', () => resolve(true));
    input.once('error', (err: NodeJS.ErrnoException) => (err.code === 'ENOENT' ? resolve(false) : reject(err)));
  });
  if (!(await opened)) return;
  const lines = readline.createInterface({ input, crlfDelay: Infinity });
  try {
    for await (const line of lines) {
      if (line.trim() === '') continue;
      let value: unknown;
      try {
        value = JSON.parse(line);
      } catch {
        continue; // a torn last line from a killed run: that photo simply is not done
      }
      if (isRecord(value)) yield value;
    }
  } finally {
    lines.close();
    input.destroy();
  }
}

/** A result's answer as one line of text: the string, or compact JSON for preset/schema objects. */
export function outputText(record: ResultRecord): string {
  if (record.status === 'failed') return `${record.error?.kind ?? 'failed'}: ${record.error?.message ?? ''}`;
  const out: unknown = record.output;
  const text = typeof out === 'string' ? out : out === undefined || out === null ? '' : JSON.stringify(out);
  // One line per photo, tab-separated: tabs and line breaks inside an answer become spaces.
  return text.replace(/[\t\r\n]+/g, ' ').trim();
}
