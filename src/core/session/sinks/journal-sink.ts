import { writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { Journal } from '../../record/journal.js';
import { describeOutputFailure, isOutputFailure } from '../../safety/env-errors.js';
import type { ResultRecord } from '../../types.js';
import type { OutputSink } from './sink.js';

export interface JournalSink extends OutputSink {
  onRecord(record: ResultRecord): void;
  /** Paid answers results.jsonl could not take: saved in the temp folder (usually another file system), else returned. */
  rescue(): Promise<{ file?: string; records: ResultRecord[] } | undefined>;
}

/**
 * The first sink: each record goes to results.jsonl before anything else hears of it. Once the journal
 * cannot be written (disk full, read-only), every later answer (already paid for) is kept in memory and
 * saved elsewhere at the end, and `onFailure` stops the session from starting new requests.
 */
export function createJournalSink(journal: Journal, onFailure: (message: string) => void): JournalSink {
  const unsaved: ResultRecord[] = [];
  return {
    onRecord(record) {
      if (unsaved.length > 0) return void unsaved.push(record);
      try {
        journal.append(record);
      } catch (err) {
        if (!isOutputFailure(err)) throw err;
        unsaved.push(record);
        onFailure(`Cannot write ${journal.file}: ${describeOutputFailure(err)}. No new requests are started; free space or make --out writable, then re-run the same command.`);
      }
    },
    async rescue() {
      if (unsaved.length === 0) return undefined;
      const file = path.join(os.tmpdir(), `photobatch-unsaved-${process.pid}-${Date.now()}.jsonl`);
      try {
        await writeFile(file, unsaved.map((r) => JSON.stringify(r)).join('\n') + '\n', { flag: 'wx' });
        return { file, records: unsaved };
      } catch {
        return { records: unsaved };
      }
    },
  };
}
