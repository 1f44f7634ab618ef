import { closeSync, constants, fdatasync, fdatasyncSync, fstatSync, ftruncateSync, mkdirSync, openSync, readFileSync, readSync, writeSync } from 'node:fs';
import path from 'node:path';
import type { ResultRecord } from '../types.js';
import { parseLine, readLineAt, streamRecords, type LineStats } from './results-stream.js';
import { OffsetIndex } from './offset-index.js';

export const RESULTS_FILE = 'results.jsonl';

/**
 * results.jsonl: one JSON object per line, appended and flushed the moment a photo finishes.
 * It is the source of truth for resume and for `photobatch report`; the cost report is derived from it.
 * It is read as a stream when opened and never held whole: what resume needs is an index of byte
 * positions (one small entry per answered content and job), and a record is read back only when a photo
 * reuses it.
 */
export interface Journal {
  readonly file: string;
  /** Lines in the file when it was opened that were not photobatch records (torn, foreign, malformed): skipped. */
  readonly skippedLines: number;
  /** Valid records in the file when it was opened. */
  readonly previousRecords: number;
  /**
   * The last `ok` record for this content and job, if any: the photo needs no new request. With `file`
   * (the name relative to its input), one of the same name is preferred: the same photo in a moved folder.
   */
  findDone(sha256: string, job: string, file?: string): ResultRecord | undefined;
  /** Whether this path already has an ok record for this content and job (so a re-run records nothing new). */
  isDoneAt(filePath: string, sha256: string, job: string): boolean;
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
  /** Called with each valid record already in the file, as it is streamed at open (e.g. to sum what was billed). */
  onPrevious?: (record: ResultRecord) => void;
}

export async function openJournal(outDir: string, opts: JournalOptions = {}): Promise<Journal> {
  mkdirSync(outDir, { recursive: true });
  const file = path.join(outDir, RESULTS_FILE);
  // Positions, not records: 100,000 answered photos must not mean 100,000 records in memory. One index of three keys
  // per answer (content+job, path+content+job, name+content+job) to the byte offset of its line, in typed arrays
  // (offset-index.ts); the record is read back (and checked) only when a photo is reused.
  const index = new OffsetIndex();
  const remember = (r: ResultRecord, offset: number) => {
    if (r.status !== 'ok' || !r.sha256) return;
    index.add(doneKey(r.sha256, r.job), offset);
    index.add(nameKey('p', r.path, r.sha256, r.job), offset);
    index.add(nameKey('n', r.file, r.sha256, r.job), offset);
  };
  const stats: LineStats = { skipped: 0 };
  let previousRecords = 0;
  for await (const { record, offset } of streamRecords(file, stats)) {
    previousRecords++;
    remember(record, offset);
    opts.onPrevious?.(record);
  }

  // O_NOFOLLOW: a symlink planted as results.jsonl must not make photobatch append to someone else's file.
  const fd = openSync(file, constants.O_RDWR | constants.O_APPEND | constants.O_CREAT | constants.O_NOFOLLOW, 0o644);
  let size = fstatSync(fd).size;
  // A kill -9 in the middle of a write can leave a torn last line; start ours on a fresh line.
  if (!endsWithNewline(fd)) size += writeSync(fd, '\n');
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
  const readAt = (offset: number): ResultRecord | undefined => readLineAt(fd, offset);
  const matches = (r: ResultRecord | undefined, sha256: string, job: string): r is ResultRecord =>
    r !== undefined && r.status === 'ok' && r.sha256 === sha256 && r.job === job;
  /** The newest record stored under `key` that passes `ok` (keys share a 32-bit tag now and then: each is checked). */
  const newest = (key: string, ok: (r: ResultRecord | undefined) => r is ResultRecord): ResultRecord | undefined => {
    for (const at of closed ? [] : index.candidates(key)) {
      const r = readAt(at);
      if (ok(r)) return r;
    }
    return undefined;
  };

  return {
    file,
    skippedLines: stats.skipped,
    previousRecords,
    findDone: (sha256, job, file) => {
      if (closed) return undefined;
      const named = file === undefined ? undefined : newest(nameKey('n', file, sha256, job), (r): r is ResultRecord => matches(r, sha256, job) && r.file === file);
      return named ?? newest(doneKey(sha256, job), (r): r is ResultRecord => matches(r, sha256, job));
    },
    isDoneAt: (filePath, sha256, job) =>
      newest(nameKey('p', filePath, sha256, job), (r): r is ResultRecord => matches(r, sha256, job) && r.path === filePath) !== undefined,
    append(record) {
      if (closed) throw new Error('journal is closed');
      // One line, written whole or not at all: on a full disk write() stores part of it and reports
      // a short count; the part is cut off again so the file stays clean and the caller keeps the record.
      const line = Buffer.from(JSON.stringify(record) + '\n');
      const offset = writeWhole(fd, line);
      size = offset + line.length;
      if (durable) {
        dirty = true;
        flush();
      }
      remember(record, offset);
    },
    close() {
      if (closed) return;
      if (durable) fdatasyncSync(fd);
      closed = true;
      closeSync(fd);
      index.clear(); // the reports are built after this, from the file: the index must not outlive the run
    },
  };
}

/**
 * Reads every parseable record of a small file at once; torn or foreign lines are skipped, never fatal.
 * For a results.jsonl of any size use streamRecords or openResults, which never hold the file.
 */
export function readRecords(file: string, stats?: LineStats): ResultRecord[] {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw err;
  }
  const records: ResultRecord[] = [];
  for (const line of text.split('\n')) {
    const record = parseLine(line, stats);
    if (record) records.push(record);
  }
  return records;
}

/** Index keys: hashed by OffsetIndex and never stored; the record each one finds is checked on every read. */
function doneKey(sha256: string, job: string): string {
  return `d\0${sha256}\0${job}`;
}

function nameKey(kind: 'p' | 'n', name: string, sha256: string, job: string): string {
  return `${kind}\0${name}\0${sha256}\0${job}`;
}

function endsWithNewline(fd: number): boolean {
  const size = fstatSync(fd).size;
  if (size === 0) return true;
  const last = Buffer.alloc(1);
  readSync(fd, last, 0, 1, size - 1);
  return last[0] === 0x0a;
}

/** Appends the line whole and returns the offset it starts at (the file's size before), or throws. */
function writeWhole(fd: number, line: Buffer): number {
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
  return start;
}
