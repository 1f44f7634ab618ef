import { closeSync, constants, fdatasync, fdatasyncSync, fstatSync, ftruncateSync, mkdirSync, openSync, readFileSync, readSync, writeSync } from 'node:fs';
import path from 'node:path';
import type { ResultRecord } from './types.js';

export const RESULTS_FILE = 'results.jsonl';

/**
 * results.jsonl: one JSON object per line, appended and flushed the moment a photo finishes.
 * It is the source of truth for resume and for `photobatch report`; the cost report is derived from it.
 */
export interface Journal {
  readonly file: string;
  /** Every valid record already in the file when it was opened, in file order. */
  readonly previous: readonly ResultRecord[];
  /** The last `ok` record for this content and job, if any: the photo needs no new request. */
  findDone(sha256: string, job: string): ResultRecord | undefined;
  append(record: ResultRecord): void;
  close(): void;
}

export interface JournalOptions {
  /**
   * Flush lines to the disk itself, not just the OS, so a power cut loses at most the last few
   * milliseconds. Default true. (A killed process loses nothing either way: each line is written
   * to the OS before the next photo starts.)
   */
  durable?: boolean;
}

export function openJournal(outDir: string, opts: JournalOptions = {}): Journal {
  mkdirSync(outDir, { recursive: true });
  const file = path.join(outDir, RESULTS_FILE);
  const previous = readRecords(file);
  const done = new Map<string, ResultRecord>();
  const remember = (r: ResultRecord) => {
    if (r.status === 'ok' && r.sha256) done.set(doneKey(r.sha256, r.job), r);
  };
  previous.forEach(remember);

  // O_NOFOLLOW: a symlink planted as results.jsonl must not make photobatch append to someone else's file.
  const fd = openSync(file, constants.O_RDWR | constants.O_APPEND | constants.O_CREAT | constants.O_NOFOLLOW, 0o644);
  // A kill -9 in the middle of a write can leave a torn last line; start ours on a fresh line.
  if (!endsWithNewline(fd)) writeSync(fd, '\n');
  const durable = opts.durable ?? true;
  let closed = false;
  // Group commit: one fdatasync at a time, off the main thread, covering every line written before it
  // started. A synchronous flush per line cost a second of event-loop time per 2,000 photos.
  let syncing = false;
  let dirty = false;
  const flush = () => {
    if (syncing || !dirty || closed) return;
    syncing = true;
    dirty = false;
    fdatasync(fd, () => {
      syncing = false;
      flush();
    });
  };

  return {
    file,
    previous,
    findDone: (sha256, job) => done.get(doneKey(sha256, job)),
    append(record) {
      if (closed) throw new Error('journal is closed');
      // One line, written whole or not at all: on a full disk write() stores part of it and reports
      // a short count; the part is cut off again so the file stays clean and the caller keeps the record.
      writeWhole(fd, Buffer.from(JSON.stringify(record) + '\n'));
      if (durable) {
        dirty = true;
        flush();
      }
      remember(record);
    },
    close() {
      if (closed) return;
      if (durable) fdatasyncSync(fd);
      closed = true;
      closeSync(fd);
    },
  };
}

/** Reads every parseable record; torn or foreign lines are skipped, never fatal. */
export function readRecords(file: string): ResultRecord[] {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw err;
  }
  const records: ResultRecord[] = [];
  for (const line of text.split('\n')) {
    if (line.trim() === '') continue;
    try {
      const value: unknown = JSON.parse(line);
      if (isRecord(value)) records.push(value);
    } catch {
      // A torn line from an interrupted write: the photo simply counts as not done.
    }
  }
  return records;
}

function isRecord(value: unknown): value is ResultRecord {
  if (typeof value !== 'object' || value === null) return false;
  const v = value as Record<string, unknown>;
  return typeof v.file === 'string' && typeof v.path === 'string' && (v.status === 'ok' || v.status === 'failed');
}

function doneKey(sha256: string, job: string): string {
  return `${sha256}:${job}`;
}

function endsWithNewline(fd: number): boolean {
  const size = fstatSync(fd).size;
  if (size === 0) return true;
  const last = Buffer.alloc(1);
  readSync(fd, last, 0, 1, size - 1);
  return last[0] === 0x0a;
}

function writeWhole(fd: number, line: Buffer): void {
  const start = fstatSync(fd).size;
  let done = 0;
  try {
    while (done < line.length) done += writeSync(fd, line, done, line.length - done, null);
  } catch (err) {
    if (done > 0) {
      try {
        ftruncateSync(fd, start);
      } catch {
        // a device such as /dev/full cannot be truncated; the torn line is skipped on reading
      }
    }
    throw err;
  }
}
