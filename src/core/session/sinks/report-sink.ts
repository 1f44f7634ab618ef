import path from 'node:path';
import { CONTACT_SHEET_FILE, writeContactSheet } from '../../outputs/contact-sheet/index.js';
import { COST_CSV_FILE, COST_REPORT_FILE, type CostReport } from '../../outputs/report.js';
import { writeCostCsv, writeCostReport } from '../../outputs/report-files.js';
import { openResults, type MergedResults } from '../../record/results-merge.js';
import { describeOutputFailure, isOutputFailure } from '../../safety/env-errors.js';
import { reportReplaceable } from '../../safety/output-manifest.js';
import type { OutputSink } from './sink.js';

export interface ReportSinkOptions {
  outDir: string;
  /** report.html with thumbnails. */
  contactSheet: boolean;
  warn: (message: string) => void;
  /** report.html shows the newest photos first (a watch's gallery); otherwise in path order, like `photobatch report`. */
  newestFirst?: boolean;
  /** Keep the reports current while the session runs (a watch), the page reloading itself. */
  live?: {
    /** Seconds between reloads of the live report.html. */
    refreshSeconds: number;
    /** At most one rewrite per this many ms, however fast results arrive. */
    minIntervalMs: number;
    now?: () => number;
  };
}

export interface ReportSink extends OutputSink {
  /**
   * The final cost-report.json, cost-report.csv and report.html (no longer reloading), after a live
   * rewrite in progress. Returns the cost report's path, and why the reports could not be written if so.
   */
  finish(report: CostReport): Promise<{ reportFile: string; failure?: string }>;
}

/**
 * The per-run reports, built by streaming results.jsonl (as `photobatch report` does), never from records
 * held in memory. Each file is written only where it is absent or photobatch's own (a user's report.html
 * is never replaced), and replaced atomically: a browser or a script never reads half of one.
 * In live mode each record schedules one rewrite, coalesced so a burst of photos costs one write.
 */
export function createReportSink(opts: ReportSinkOptions): ReportSink {
  const live = opts.live ? liveRewrites(opts.live, async (elapsedMs) => {
    const results = await openResults([opts.outDir]);
    // A file left alone (not photobatch's) is warned about once, at the end.
    await writeReports(opts.outDir, results, await results.report({ elapsedMs }), { ...opts, live: opts.live! });
  }, (err) => opts.warn(`reports not updated (${err.message})`)) : undefined;
  return {
    onRecord: () => live?.changed(),
    onSkip: () => live?.changed(),
    async close() {
      await live?.close();
    },
    async finish(report) {
      await live?.close();
      let reportFile = path.join(opts.outDir, COST_REPORT_FILE);
      try {
        const results = await openResults([opts.outDir]);
        // From the index: a whole pass over results.jsonl just for four totals was a third of the end-of-run reports.
        report.all_runs = results.allRuns();
        // Final: the page no longer reloads itself.
        const written = await writeReports(opts.outDir, results, report, { contactSheet: opts.contactSheet, newestFirst: opts.newestFirst === true });
        for (const name of written.skipped) {
          opts.warn(`${path.join(opts.outDir, name)} exists and photobatch did not write it; not replacing it (move it away, or use another --out)`);
        }
        reportFile = written.reportFile ?? reportFile;
        return { reportFile };
      } catch (err) {
        // The reports are derived from results.jsonl and rebuilt by `photobatch report`; the answers matter more.
        if (!isOutputFailure(err)) throw err;
        opts.warn(`reports not written in ${opts.outDir}: ${describeOutputFailure(err)}; \`photobatch report\` rebuilds them later`);
        return { reportFile, failure: `Cannot write the reports in ${opts.outDir}: ${describeOutputFailure(err)}` };
      }
    },
  };
}

/** Writes the three reports where allowed; returns the names left alone and the cost report's path. */
async function writeReports(
  outDir: string, results: MergedResults, report: CostReport,
  opts: { contactSheet: boolean; newestFirst?: boolean; live?: { refreshSeconds: number } },
): Promise<{ skipped: string[]; reportFile?: string }> {
  const skipped: string[] = [];
  const mayWrite = async (name: string, mark: string) => (await reportReplaceable(path.join(outDir, name), mark)) || (skipped.push(name), false);
  const reportFile = (await mayWrite(COST_REPORT_FILE, '"cost_usd"')) ? await writeCostReport(outDir, report) : undefined;
  if (await mayWrite(COST_CSV_FILE, 'file,status,model')) await writeCostCsv(outDir, results);
  if (opts.contactSheet && (await mayWrite(CONTACT_SHEET_FILE, 'photobatch'))) {
    await writeContactSheet(outDir, {
      results, report, ...(opts.live ? { live: { refreshSeconds: opts.live.refreshSeconds } } : {}), ...(opts.newestFirst ? { newestFirst: true } : {}),
    });
  }
  return { skipped, ...(reportFile ? { reportFile } : {}) };
}

/** Coalesced rewrites: one at a time, at most one per `minIntervalMs`, and one more if results came meanwhile. */
function liveRewrites(
  opts: NonNullable<ReportSinkOptions['live']>, write: (elapsedMs: number) => Promise<void>, onError: (err: Error) => void,
) {
  const now = opts.now ?? Date.now;
  const started = now();
  let timer: NodeJS.Timeout | undefined;
  let writing: Promise<void> | undefined;
  let dirty = false;
  let closed = false;
  let lastWrite = 0;
  const schedule = () => {
    dirty = true;
    if (closed || timer || writing) return;
    const wait = Math.max(0, opts.minIntervalMs - (now() - lastWrite));
    timer = setTimeout(() => {
      timer = undefined;
      dirty = false;
      lastWrite = now();
      writing = write(now() - started)
        .catch(onError)
        .finally(() => {
          writing = undefined;
          if (dirty) schedule();
        });
    }, wait);
  };
  return {
    changed: schedule,
    /** Waits for a write in progress and cancels the next: the final reports follow. */
    async close() {
      closed = true;
      if (timer) clearTimeout(timer);
      timer = undefined;
      await writing;
    },
  };
}
