import path from 'node:path';
import { COST_CSV_FILE, COST_REPORT_FILE, type CostReport } from '../report.js';
import { writeCostCsv, writeCostReport } from '../report-files.js';
import { CONTACT_SHEET_FILE, writeContactSheet } from '../contact-sheet/index.js';
import { reportReplaceable } from '../safety/output-manifest.js';
import { openResults, type MergedResults } from '../results-merge.js';

/**
 * cost-report.json, cost-report.csv and report.html, each only where the file is absent or was written
 * by photobatch (the marks the batch checks): a user's file is never replaced. Returns the names left alone.
 */
export async function writeReports(
  outDir: string, results: MergedResults, report: CostReport, opts: { contactSheet: boolean; live?: { refreshSeconds: number } },
): Promise<string[]> {
  const skipped: string[] = [];
  const mayWrite = async (name: string, mark: string) => (await reportReplaceable(path.join(outDir, name), mark)) || (skipped.push(name), false);
  if (await mayWrite(COST_REPORT_FILE, '"cost_usd"')) await writeCostReport(outDir, report);
  if (await mayWrite(COST_CSV_FILE, 'file,status,model')) await writeCostCsv(outDir, results);
  if (opts.contactSheet && (await mayWrite(CONTACT_SHEET_FILE, 'photobatch'))) {
    await writeContactSheet(outDir, { results, report, ...(opts.live ? { live: opts.live } : {}) });
  }
  return skipped;
}

export interface LiveReportsOptions {
  outDir: string;
  contactSheet: boolean;
  /** Seconds between reloads of the live report.html. */
  refreshSeconds: number;
  /** At most one rewrite per this many ms, however fast results arrive. */
  minIntervalMs: number;
  onError?: (err: Error) => void;
  now?: () => number;
}

export interface LiveReports {
  /** A result line was written: schedule a rewrite. */
  changed(): void;
  /** Waits for a write in progress and cancels the next; the batch writes the final reports itself. */
  close(): Promise<void>;
}

/**
 * Keeps cost-report.json, cost-report.csv and report.html current while a watch runs. Each result
 * schedules one rewrite, coalesced so a burst of photos costs one write; the reports are built by
 * streaming results.jsonl (as `photobatch report` does), so a watch holds no records in memory.
 * Each file is replaced atomically: a browser or a script never reads half of one.
 */
export function createLiveReports(opts: LiveReportsOptions): LiveReports {
  const now = opts.now ?? Date.now;
  const started = now();
  let timer: NodeJS.Timeout | undefined;
  let writing: Promise<void> | undefined;
  let dirty = false;
  let closed = false;
  let lastWrite = 0;

  const write = async () => {
    dirty = false;
    lastWrite = now();
    const results = await openResults([opts.outDir]);
    const report = await results.report({ elapsedMs: now() - started });
    // A file left alone (not photobatch's) is warned about once, by the batch at the end.
    await writeReports(opts.outDir, results, report, { contactSheet: opts.contactSheet, live: { refreshSeconds: opts.refreshSeconds } });
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
    changed: schedule,
    async close() {
      closed = true;
      if (timer) clearTimeout(timer);
      timer = undefined;
      await writing;
    },
  };
}
