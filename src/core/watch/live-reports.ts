import type { ResultRecord } from '../types.js';
import path from 'node:path';
import { buildReport, COST_CSV_FILE, COST_REPORT_FILE, type CostReport } from '../report.js';
import { writeCostCsv, writeCostReport } from '../report-files.js';
import { CONTACT_SHEET_FILE, writeContactSheet } from '../contact-sheet/index.js';
import { reportReplaceable } from '../safety/output-manifest.js';

/**
 * cost-report.json, cost-report.csv and report.html from the whole history, each only where the file
 * is absent or was written by photobatch (the same marks the batch checks): a user's file is never replaced.
 * Returns the names left alone.
 */
export async function writeReports(
  outDir: string, history: readonly ResultRecord[], report: CostReport, opts: { contactSheet: boolean; live?: { refreshSeconds: number } },
): Promise<string[]> {
  const skipped: string[] = [];
  const mayWrite = async (name: string, mark: string) => (await reportReplaceable(path.join(outDir, name), mark)) || (skipped.push(name), false);
  if (await mayWrite(COST_REPORT_FILE, '"cost_usd"')) await writeCostReport(outDir, report);
  if (await mayWrite(COST_CSV_FILE, 'file,status,model')) await writeCostCsv(outDir, history);
  if (opts.contactSheet && (await mayWrite(CONTACT_SHEET_FILE, 'photobatch'))) {
    await writeContactSheet(outDir, { records: history, report, ...(opts.live ? { live: opts.live } : {}) });
  }
  return skipped;
}

export interface LiveReportsOptions {
  outDir: string;
  /** results.jsonl before this watch started. */
  previous: readonly ResultRecord[];
  contactSheet: boolean;
  /** Seconds between reloads of the live report.html. */
  refreshSeconds: number;
  /** At most one rewrite per this many ms, however fast results arrive. */
  minIntervalMs: number;
  onError?: (err: Error) => void;
  now?: () => number;
}

export interface LiveReports {
  record(r: ResultRecord): void;
  skipped(): void;
  /** Photos taken from the source so far (the report's total). */
  taken(n: number): void;
  /** Waits for a write in progress and cancels the next; the batch writes the final reports itself. */
  close(): Promise<void>;
}

/**
 * Keeps cost-report.json, cost-report.csv and report.html current while a watch runs: each result
 * schedules one rewrite, coalesced so a burst of photos costs one write. Each file is replaced
 * atomically, so a browser or script never reads half of one.
 */
export function createLiveReports(opts: LiveReportsOptions): LiveReports {
  const now = opts.now ?? Date.now;
  const started = now();
  const records: ResultRecord[] = [];
  let skipped = 0;
  let total = 0;
  let timer: NodeJS.Timeout | undefined;
  let writing: Promise<void> | undefined;
  let dirty = false;
  let closed = false;
  let lastWrite = 0;

  const write = async () => {
    dirty = false;
    lastWrite = now();
    const history = [...opts.previous, ...records];
    const report = buildReport({ records, total, skipped, elapsedMs: now() - started, history });
    // A file left alone (not photobatch's) is warned about once, by the batch at the end.
    await writeReports(opts.outDir, history, report, { contactSheet: opts.contactSheet, live: { refreshSeconds: opts.refreshSeconds } });
  };
  const schedule = () => {
    dirty = true;
    if (closed || timer || writing) return;
    const wait = Math.max(0, opts.minIntervalMs - (now() - lastWrite));
    timer = setTimeout(() => {
      timer = undefined;
      writing = write()
        .catch((err: Error) => opts.onError?.(err))
        .finally(() => {
          writing = undefined;
          if (dirty) schedule();
        });
    }, wait);
  };
  return {
    record(r) {
      records.push(r);
      schedule();
    },
    skipped() {
      skipped++;
      schedule();
    },
    taken(n) {
      total = n;
    },
    async close() {
      closed = true;
      if (timer) clearTimeout(timer);
      timer = undefined;
      await writing;
    },
  };
}
