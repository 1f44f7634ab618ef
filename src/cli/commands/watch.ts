import path from 'node:path';
import { UsageError } from '../../core/errors.js';
import { readRecords, RESULTS_FILE } from '../../core/journal.js';
import { historyStats } from '../../core/history.js';
import type { BatchEvent } from '../../core/batch.js';
import type { ResultRecord } from '../../core/types.js';
import { style, useColor, useProgress, type CliIO } from '../io.js';
import { parseRunOptions } from '../run-options.js';
import { ExitCode, exitCodeForRun } from '../exit-codes.js';
import { renderRunSummary } from '../render-summary.js';
import { usd } from '../format.js';
import { parseWatchFlags } from '../watch-program.js';

/**
 * `photobatch watch <folder>`: every photo already in the folder, then each new one once complete,
 * through the same batch as `run` (journal, resume, duplicates, budget), with the reports kept current.
 * Ctrl-C or SIGTERM: finish what is in flight, write the reports, exit 0 (3 if photos failed);
 * a second Ctrl-C aborts what is in flight (130).
 */
export async function watchCommand(folder: string, flags: Record<string, unknown>, io: CliIO): Promise<number> {
  const opts = parseRunOptions(flags, io);
  if (opts.dryRun) throw new UsageError('watch sends each photo as it arrives; to estimate first, run: photobatch run <folder> --dry-run');
  const { settleMs, poll, pollIntervalMs, refreshSeconds } = parseWatchFlags(flags);
  const color = useColor(io);
  const s = style(color);
  const info = (line: string) => {
    if (!opts.quiet) io.stderr.write(line + '\n');
  };

  // --max-cost caps the whole event: everything already billed into this out folder counts.
  const previous = readRecords(path.join(opts.outDir, RESULTS_FILE));
  const spentBefore = previous.reduce((sum, r) => sum + (r.usage?.cost_usd ?? 0), 0);
  if (opts.maxCostUsd !== undefined && spentBefore >= opts.maxCostUsd) {
    io.stderr.write(s.yellow(`Stopped: ${usd(spentBefore, 4)} is already billed into ${opts.outDir}, the whole --max-cost of ${usd(opts.maxCostUsd, 4)}; raise --max-cost to go on.`) + '\n');
    return ExitCode.stoppedResumable;
  }
  const stats = historyStats(previous, opts.config.model);

  const { openRunEndpoint, batchSettings, openPhotoOutputs, checkDeliverDir } = await import('../run-setup.js');
  checkDeliverDir(opts);
  const setup = await openRunEndpoint(opts, io, s);
  const { watchFolder } = await import('../../core/watch/watch-folder.js');
  const { createLiveReports } = await import('../../core/watch/live-reports.js');
  const warnings: string[] = [];
  const warn = (m: string) => (progress ? warnings.push(m) : io.stderr.write(s.yellow(`Warning: ${m}`) + '\n'));
  let progress: ReturnType<typeof import('../watch-progress.js').createWatchProgress> | undefined;
  const outputs = await openPhotoOutputs(opts);
  const watched = await watchFolder({ root: path.resolve(io.cwd, folder), outDir: opts.outDir, ...(opts.delivery.deliverDir ? { alsoIgnore: [opts.delivery.deliverDir] } : {}), settleMs, poll, ...(pollIntervalMs ? { pollIntervalMs } : {}), onWarning: warn });
  const live = createLiveReports({
    outDir: opts.outDir, previous, contactSheet: opts.contactSheet, refreshSeconds, minIntervalMs: 1000,
    onError: (err) => warn(`reports not updated (${err.message})`),
  });
  info(s.dim(`Watching ${folder} (settle ${settleMs / 1000} s, ${watched.polling ? `polling: ${watched.polling}` : 'file system events'}) → ${opts.outDir}`)
    + s.dim(`${opts.contactSheet ? ` · live gallery: ${path.join(opts.outDir, 'report.html')}` : ''} · Ctrl-C to finish`));
  if (opts.maxCostUsd !== undefined && spentBefore > 0) info(s.dim(`Budget: ${usd(spentBefore, 4)} of ${usd(opts.maxCostUsd, 4)} already billed into this folder`));

  const stop = new AbortController();
  const abort = new AbortController();
  const unsubscribe = io.onSignal(() => {
    if (!stop.signal.aborted) {
      watched.queue.end();
      stop.abort();
    } else abort.abort();
  });
  if (useProgress(io, opts)) progress = (await import('../watch-progress.js')).createWatchProgress(io);
  const counts = { taken: 0, done: 0, failed: 0, spentUsd: 0, last: undefined as ResultRecord | undefined, status: '' };
  const redraw = () => progress?.draw({
    waiting: watched.queue.waiting, inFlight: counts.taken - counts.done, done: counts.done, failed: counts.failed,
    spentUsd: counts.spentUsd, ...(counts.last ? { last: counts.last } : {}), ...(counts.status ? { status: counts.status } : {}),
  });
  const onEvent = (event: BatchEvent) => {
    if (event.type === 'taken') live.taken(++counts.taken);
    else if (event.type === 'record' || event.type === 'skipped') {
      counts.done++;
      if (opts.json) io.stdout.write(JSON.stringify(event.type === 'skipped' ? { ...event.record, skipped: true } : event.record) + '\n');
      if (event.type === 'skipped') live.skipped();
      else {
        const r = event.record;
        live.record(r);
        counts.last = r;
        counts.spentUsd += r.usage?.cost_usd ?? 0;
        if (r.status === 'failed') {
          counts.failed++;
          // A photo that could not be read may still have been in the writing: it is taken again when it changes.
          if (r.error?.kind === 'invalid_image' || r.error?.kind === 'unreadable') watched.retryOnChange(r.path);
        }
        if (!progress && !opts.quiet && !opts.json) {
          io.stderr.write(r.status === 'ok' ? `${s.green('✓')} ${r.file} ${usd(r.usage?.cost_usd ?? 0, 6)}\n` : `${s.red('✗')} ${r.file}: ${r.error?.kind}: ${r.error?.message}\n`);
        }
      }
    } else if (event.type === 'stopping') {
      // Budget, credits or key: nothing more can be sent, so the watch ends.
      watched.queue.end();
      counts.status = `stopping: ${event.reason}`;
      if (!progress) io.stderr.write(s.yellow(event.message) + '\n');
    } else if (event.type === 'warning') warn(event.message);
    redraw();
  };
  redraw();

  try {
    const { runBatch } = await import('../../core/batch.js');
    const result = await runBatch({
      photos: watched.queue, ...batchSettings(opts, setup, stats),
      ...outputs.batch, stopSignal: stop.signal, abortSignal: abort.signal, onEvent,
    });
    progress?.clear();
    // runBatch wrote the final reports; a live rewrite finishing after them must not leave the page reloading.
    await live.close();
    await writeFinalReports(opts.outDir, previous, result, opts.contactSheet);
    for (const w of warnings) io.stderr.write(s.yellow(`Warning: ${w}`) + '\n');
    if (!opts.quiet) io.stderr.write(renderRunSummary(result, opts.outDir, color));
    else if (result.stopped && result.stopped.reason !== 'interrupted') io.stderr.write(s.yellow(`Stopped: ${result.stopped.message}`) + '\n');
    return watchExitCode(result, abort.signal.aborted);
  } finally {
    progress?.clear();
    unsubscribe();
    await live.close();
    await watched.close();
    await outputs.close();
    await setup.endpoint.close();
  }
}

/** Ending a watch with Ctrl-C or SIGTERM is how an event ends: 0 (3 if photos failed); a second signal: 130. */
export function watchExitCode(result: Parameters<typeof exitCodeForRun>[0], aborted: boolean): number {
  if (result.stopped?.reason === 'interrupted') {
    if (aborted) return ExitCode.interrupted;
    return exitCodeForRun({ report: result.report });
  }
  return exitCodeForRun(result);
}

async function writeFinalReports(outDir: string, previous: readonly ResultRecord[], result: { report: import('../../core/report.js').CostReport; records: ResultRecord[] }, contactSheet: boolean): Promise<void> {
  const { writeCostCsv, writeCostReport } = await import('../../core/report-files.js');
  const history = [...previous, ...result.records];
  await writeCostReport(outDir, result.report);
  await writeCostCsv(outDir, history);
  if (contactSheet) await (await import('../../core/contact-sheet/index.js')).writeContactSheet(outDir, { records: history, report: result.report });
}
