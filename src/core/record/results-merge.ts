import { closeSync, existsSync, openSync } from 'node:fs';
import path from 'node:path';
import { UsageError } from '../errors.js';
import { RESULTS_FILE } from './journal.js';
import { ReportTally } from '../outputs/report.js';
import { LineReader, readLineAt, streamRecords, type LineStats } from './results-stream.js';
import type { ResultRecord } from '../types.js';

/**
 * One or more output folders (the shards of one job, or runs of the same photos) read as one set of results:
 * the record that stands for each photo, merged across folders, without ever holding the records in memory.
 * The index keeps, per photo, only where its current line is (folder, byte offset, length); records are
 * read back one at a time, in path order. `photobatch report`, `photobatch export`, the CSV and the contact
 * sheet all read results through this, so they agree with each other and with the sum of the shards.
 */
export interface MergedResults {
  readonly dirs: readonly string[];
  /** Photos: one per path (the latest record, an ok answer never undone by a later failure; a moved file counted once). */
  readonly photos: number;
  /** Lines that were not photobatch records (torn, foreign, malformed), skipped. */
  readonly skippedLines: number;
  /** Every answer ever paid for in these folders, including ones redone with --force, and the tokens. */
  readonly billedUsd: number;
  /** The current record of each photo, sorted by path, with the folder it came from. */
  current(): AsyncGenerator<{ record: ResultRecord; dir: string }>;
  /** The folders' totals (photos, OK, failed, billed) from the index alone: no record is read again. */
  allRuns(): NonNullable<import('../outputs/report.js').CostReport['all_runs']>;
  /** A report: photos from the current records, money from every record (see ReportTally). */
  report(opts?: { elapsedMs?: number; now?: Date }): Promise<import('../outputs/report.js').CostReport>;
}

/** Where a photo's current line is, packed in one number (no object per photo): offset × 2^12 + folder × 2 + ok. */
const pack = (dir: number, offset: number, ok: boolean): number => offset * 4096 + dir * 2 + (ok ? 1 : 0);
const unpack = (v: number) => ({ offset: Math.floor(v / 4096), dir: Math.floor((v % 4096) / 2), ok: v % 2 === 1 });

/**
 * The --out folders a reading command (report, results, export) was given, resolved against `base`: each must hold a
 * results.jsonl, or the user named the wrong folder.
 */
export function outDirsWithResults(dirs: readonly string[], base = process.cwd()): string[] {
  return dirs.map((dir) => {
    const folder = path.resolve(base, dir);
    if (!existsSync(path.join(folder, RESULTS_FILE))) throw new UsageError(`No ${RESULTS_FILE} in ${dir}; pass the --out folder of a run.`);
    return folder;
  });
}

/** Indexes results.jsonl in each folder (missing files count as empty). */
export async function openResults(dirs: readonly string[]): Promise<MergedResults> {
  const stats: LineStats = { skipped: 0 };
  if (dirs.length > 2048) throw new RangeError('openResults merges at most 2048 folders at once');
  const latest = new Map<string, number>();
  const money = new ReportTally();
  const resolved = dirs.map((d) => path.resolve(d));
  // Within a folder the file is in time order; between folders (the same photo in two of them, which shards never
  // do) the newer answer wins whichever folder was named first. Rare, so the older line is read back to compare.
  const readers = new Map<number, number>();
  const readBack = (dir: number, offset: number) => {
    let fd = readers.get(dir);
    if (fd === undefined) readers.set(dir, (fd = openSync(path.join(resolved[dir]!, RESULTS_FILE), 'r')));
    return readLineAt(fd, offset);
  };
  try {
    for (const [dirIndex, dir] of dirs.entries()) {
      for await (const { record, offset } of streamRecords(path.join(dir, RESULTS_FILE), stats)) {
        money.addBilled(record);
        if (record.moved_from !== undefined && record.moved_from !== record.path) latest.delete(record.moved_from);
        const prev = latest.get(record.path);
        const ok = record.status === 'ok';
        let replace = prev === undefined || ok || !unpack(prev).ok;
        if (replace && prev !== undefined && unpack(prev).dir !== dirIndex) {
          const old = readBack(unpack(prev).dir, unpack(prev).offset);
          if (old && (old.at ?? '') > (record.at ?? '') && (old.status === 'ok' || !ok)) replace = false;
        }
        if (replace) latest.set(record.path, pack(dirIndex, offset, ok));
      }
    }
  } finally {
    for (const fd of readers.values()) closeSync(fd);
  }

  async function* current(): AsyncGenerator<{ record: ResultRecord; dir: string }> {
    const order = [...latest.keys()].sort(compareStrings);
    const fds = new Map<number, number>();
    const readers = new Map<number, LineReader>();
    try {
      for (const key of order) {
        const e = unpack(latest.get(key)!);
        let reader = readers.get(e.dir);
        if (reader === undefined) {
          const fd = openSync(path.join(resolved[e.dir]!, RESULTS_FILE), 'r');
          fds.set(e.dir, fd);
          readers.set(e.dir, (reader = new LineReader(fd)));
        }
        const record = reader.recordAt(e.offset);
        if (record) yield { record, dir: resolved[e.dir]! };
      }
    } finally {
      for (const fd of fds.values()) closeSync(fd);
    }
  }

  const billedReport = money.finish({ total: 0, skipped: 0, elapsedMs: 0 });
  let ok = 0;
  for (const v of latest.values()) if (unpack(v).ok) ok++;
  const allRuns = () => ({ photos: latest.size, ok, failed: latest.size - ok, billed_usd: billedReport.cost_usd.billed });
  return {
    dirs: resolved,
    photos: latest.size,
    skippedLines: stats.skipped,
    billedUsd: billedReport.cost_usd.billed,
    current,
    allRuns,
    async report(opts = {}) {
      const tally = new ReportTally();
      let ms = 0;
      for await (const { record } of current()) {
        tally.addPhoto(record);
        ms += record.ms ?? 0;
      }
      const photos = tally.finish({ total: latest.size, skipped: 0, elapsedMs: opts.elapsedMs ?? ms, ...(opts.now ? { now: opts.now } : {}) });
      // Money is every answer paid for, not only the current ones: a --force redo was billed twice.
      return {
        ...photos,
        cost_usd: { ...photos.cost_usd, billed: billedReport.cost_usd.billed },
        tokens: billedReport.tokens,
        by_model: mergeByModel(photos.by_model, billedReport.by_model),
        per_photo_usd: billedReport.per_photo_usd,
        projection_usd: billedReport.projection_usd,
        all_runs: allRuns(),
      };
    },
  };
}

function mergeByModel(
  photos: Record<string, { photos: number; cost_usd: number }>,
  money: Record<string, { photos: number; cost_usd: number }>,
): Record<string, { photos: number; cost_usd: number }> {
  const out: Record<string, { photos: number; cost_usd: number }> = {};
  for (const m of new Set([...Object.keys(photos), ...Object.keys(money)])) {
    out[m] = { photos: photos[m]?.photos ?? 0, cost_usd: money[m]?.cost_usd ?? 0 };
  }
  return out;
}

/** Byte-wise order, the same on every machine and locale. */
function compareStrings(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** The same view over records already in memory (tests, library callers with their own records), as if read from `dir`. */
export function resultsFromRecords(records: readonly ResultRecord[], dir: string): MergedResults {
  const latest = new Map<string, ResultRecord>();
  const money = new ReportTally();
  for (const r of records) {
    money.addBilled(r);
    if (r.moved_from !== undefined && r.moved_from !== r.path) latest.delete(r.moved_from);
    const prev = latest.get(r.path);
    if (!prev || r.status === 'ok' || prev.status !== 'ok') latest.set(r.path, r);
  }
  const resolved = path.resolve(dir);
  const billed = money.finish({ total: 0, skipped: 0, elapsedMs: 0 });
  async function* current(): AsyncGenerator<{ record: ResultRecord; dir: string }> {
    for (const key of [...latest.keys()].sort(compareStrings)) yield { record: latest.get(key)!, dir: resolved };
  }
  const allRuns = () => {
    const ok = [...latest.values()].filter((r) => r.status === 'ok').length;
    return { photos: latest.size, ok, failed: latest.size - ok, billed_usd: billed.cost_usd.billed };
  };
  return {
    dirs: [resolved], photos: latest.size, skippedLines: 0, billedUsd: billed.cost_usd.billed, current, allRuns,
    async report(opts = {}) {
      const tally = new ReportTally();
      for (const r of latest.values()) tally.addPhoto(r);
      const photos = tally.finish({ total: latest.size, skipped: 0, elapsedMs: opts.elapsedMs ?? 0, ...(opts.now ? { now: opts.now } : {}) });
      return {
        ...photos, cost_usd: { ...photos.cost_usd, billed: billed.cost_usd.billed }, tokens: billed.tokens,
        by_model: mergeByModel(photos.by_model, billed.by_model), per_photo_usd: billed.per_photo_usd, projection_usd: billed.projection_usd,
        all_runs: allRuns(),
      };
    },
  };
}
