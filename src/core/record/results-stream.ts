import { createReadStream, readSync } from 'node:fs';
import type { ResultRecord } from '../types.js';

/**
 * results.jsonl read as a stream of lines, never whole: a folder of a million photos is hundreds of MB.
 * Each valid record comes with its byte position, so an index can keep positions instead of records.
 */
export interface LineStats {
  /** Lines that were not a photobatch record: torn by a kill, foreign JSON, garbage. Skipped, never fatal. */
  skipped: number;
}

export interface PositionedRecord {
  record: ResultRecord;
  offset: number;
  length: number;
}

/** Every valid record of one results.jsonl in file order; a missing file yields nothing. */
export async function* streamRecords(file: string, stats?: LineStats): AsyncGenerator<PositionedRecord> {
  let stream;
  try {
    stream = createReadStream(file, { highWaterMark: 256 * 1024 });
    let pending: Buffer[] = [];
    let pendingStart = 0;
    let pos = 0;
    for await (const chunk of stream as AsyncIterable<Buffer>) {
      let start = 0;
      for (let nl = chunk.indexOf(0x0a); nl !== -1; nl = chunk.indexOf(0x0a, start)) {
        const piece = chunk.subarray(start, nl);
        const line = pending.length === 0 ? piece : Buffer.concat([...pending, piece]);
        const offset = pending.length === 0 ? pos + start : pendingStart;
        pending = [];
        const record = parseLine(line, stats);
        if (record) yield { record, offset, length: line.length };
        start = nl + 1;
      }
      if (start < chunk.length) {
        if (pending.length === 0) pendingStart = pos + start;
        pending.push(chunk.subarray(start));
      }
      pos += chunk.length;
    }
    // A last line without its newline: torn by a kill in the middle of a write, or written by hand.
    if (pending.length > 0) {
      const line = Buffer.concat(pending);
      const record = parseLine(line, stats);
      if (record) yield { record, offset: pendingStart, length: line.length };
    }
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return;
    throw err;
  } finally {
    stream?.destroy();
  }
}

/** One line, or undefined (counted) when it is not a photobatch record. Blank lines are not counted. */
export function parseLine(line: Buffer | string, stats?: LineStats): ResultRecord | undefined {
  const text = typeof line === 'string' ? line : line.toString('utf8');
  if (text.trim() === '') return undefined;
  try {
    const value: unknown = JSON.parse(text);
    if (isRecord(value)) return value;
  } catch {
    // torn or foreign: counted below
  }
  if (stats) stats.skipped++;
  return undefined;
}

export function isRecord(value: unknown): value is ResultRecord {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return false;
  const v = value as Record<string, unknown>;
  return typeof v.file === 'string' && typeof v.path === 'string' && (v.status === 'ok' || v.status === 'failed')
    && (v.sha256 === undefined || typeof v.sha256 === 'string') && (v.job === undefined || typeof v.job === 'string');
}

/** The record whose line starts at `offset`, read up to its newline. */
export function readLineAt(fd: number, offset: number): ResultRecord | undefined {
  let buf = Buffer.allocUnsafe(4096);
  let got = 0;
  for (;;) {
    const n = readSync(fd, buf, got, buf.length - got, offset + got);
    got += n;
    const nl = buf.subarray(0, got).indexOf(0x0a);
    if (nl >= 0) return parseLine(buf.subarray(0, nl));
    if (n === 0) return parseLine(buf.subarray(0, got));
    if (got === buf.length) buf = Buffer.concat([buf, Buffer.allocUnsafe(buf.length)]);
  }
}


/**
 * Records read back by offset through one 64 KB window: the current records of a run are read in path order, which
 * is nearly the order they were written in, so most lines are already in the window. One read a window instead of
 * one read and one 4 KB allocation a line (the end-of-run reports read results.jsonl three times: ~0.3 s for
 * 3,000 photos, bench 9's profile). A line longer than the window is read on its own.
 */
export class LineReader {
  readonly #fd: number;
  readonly #buf = Buffer.allocUnsafe(64 * 1024);
  #start = 0;
  #length = 0;

  constructor(fd: number) {
    this.#fd = fd;
  }

  recordAt(offset: number): ResultRecord | undefined {
    const line = this.#lineInWindow(offset) ?? (this.#fill(offset), this.#lineInWindow(offset));
    return line === undefined ? readLineAt(this.#fd, offset) : parseLine(line);
  }

  #lineInWindow(offset: number): Buffer | undefined {
    if (offset < this.#start || offset >= this.#start + this.#length) return undefined;
    const from = offset - this.#start;
    const nl = this.#buf.indexOf(0x0a, from);
    if (nl >= 0 && nl < this.#length) return this.#buf.subarray(from, nl);
    // The file's last line, without a newline, ends where the file does.
    return this.#length < this.#buf.length ? this.#buf.subarray(from, this.#length) : undefined;
  }

  #fill(offset: number): void {
    this.#start = offset;
    this.#length = 0;
    for (;;) {
      const n = readSync(this.#fd, this.#buf, this.#length, this.#buf.length - this.#length, offset + this.#length);
      this.#length += n;
      if (n === 0 || this.#length === this.#buf.length) return;
    }
  }
}
