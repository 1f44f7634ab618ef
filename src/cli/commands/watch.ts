import path from 'node:path';
import { UsageError } from '../../core/errors.js';
import { RESULTS_FILE } from '../../core/record/journal.js';
import { historyStatsFromFile } from '../../core/record/history.js';
import type { BatchEvent } from '../../core/session/run-batch.js';
import type { ResultRecord } from '../../core/types.js';
import { style, useColor, useProgress, type CliIO } from '../io.js';
import { parseRunOptions } from '../run-options.js';
import { ExitCode, exitCodeForRun } from '../exit-codes.js';
import { renderRunSummary } from '../render-summary.js';
import { usd } from '../format.js';
import { shardOf } from '../../core/source/shard.js';
import { describeUnsaved, runWithSignals } from '../run-signals.js';
import { terminalSafe } from '../terminal-text.js';
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
  const { openResults } = await import('../../core/record/results-merge.js');
  // Streamed, never held in memory: an event's results.jsonl can hold tens of thousands of lines.
  const spentBefore = (await openResults([opts.outDir])).billedUsd;
  if (opts.maxCostUsd !== undefined && spentBefore >= opts.maxCostUsd) {
    io.stderr.write(s.yellow(`Stopped: ${usd(spentBefore, 4)} is already billed into ${opts.outDir}, the whole --max-cost of ${usd(opts.maxCostUsd, 4)}; raise --max-cost to go on.`) + '\n');
    return ExitCode.stoppedResumable;
  }
  const stats = await historyStatsFromFile(path.join(opts.outDir, RESULTS_FILE), opts.config.model);

  const { openRunEndpoint, batchSettings, openPhotoOutputs, checkDeliverDir } = await import('../run-setup.js');
  checkDeliverDir(opts);
  const setup = await openRunEndpoint(opts, io, s);
  const { watchFolder } = await import('../../core/source/watch/watch-folder.js');
  const warnings: string[] = [];
  let progress: ReturnType<typeof import('../watch-progress.js').createWatchProgress> | undefined;
  const warn = (m: string) => (progress ? warnings.push(m) : io.stderr.write(s.yellow(`Warning: ${terminalSafe(m)}`) + '\n'));
  const cleanup: (() => Promise<void>)[] = [() => setup.endpoint.close()];
  try {
    // Photos arriving later are added to the inputs that must never be replaced as they are taken.
    const outputs = await openPhotoOutputs(opts, []);
    cleanup.unshift(() => outputs.close());
    const watched = await watchFolder({
      root: path.resolve(io.cwd, folder), outDir: opts.outDir, ...(opts.delivery.deliverDir ? { alsoIgnore: [opts.delivery.deliverDir] } : {}),
      settleMs, poll, ...(pollIntervalMs ? { pollIntervalMs } : {}), onWarning: warn,
      // --shard: several machines watch one share, each takes its share (stable by file name, as in run).
      ...(opts.shard ? { accept: (p: { file: string }) => shardOf(p, opts.shard!.count) === opts.shard!.index } : {}),
    });
    cleanup.unshift(() => watched.close());
    info(s.dim(`Watching ${folder} (settle ${settleMs / 1000} s, ${watched.polling ? `polling: ${watched.polling}` : 'file system events'}) → ${opts.outDir}`)
      + s.dim(`${opts.contactSheet ? ` · live gallery: ${path.join(opts.outDir, 'report.html')}` : ''} · Ctrl-C to finish`));
    if (opts.maxCostUsd !== undefined && spentBefore > 0) info(s.dim(`Budget: ${usd(spentBefore, 4)} of ${usd(opts.maxCostUsd, 4)} already billed into this folder`));
    if (useProgress(io, opts)) progress = (await import('../watch-progress.js')).createWatchProgress(io);

    return await runWithSignals(io, async (stopSignal, abortSignal, stdoutClosed) => {
      // The first Ctrl-C (or SIGTERM, or stdout closed) ends the watch: no new photo is taken.
      stopSignal.addEventListener('abort', () => watched.queue.end(), { once: true });
      const counts = { taken: 0, done: 0, failed: 0, spentUsd: 0, last: undefined as ResultRecord | undefined, status: '' };
      const redraw = () => progress?.draw({
        waiting: watched.queue.waiting, inFlight: counts.taken - counts.done, done: counts.done, failed: counts.failed,
        spentUsd: counts.spentUsd, ...(counts.last ? { last: counts.last } : {}), ...(counts.status ? { status: counts.status } : {}),
      });
      const onEvent = (event: BatchEvent) => {
        if (event.type === 'taken') ++counts.taken;
        else if (event.type === 'record' || event.type === 'skipped') {
          counts.done++;
          if (event.type === 'record') onRecord(event.record);
        } else if (event.type === 'stopping') {
          // Budget, credits, key or a closed stdout: the watch ends.
          watched.queue.end();
          counts.status = `stopping: ${event.reason}`;
          if (!progress && event.reason !== 'stdout_closed') io.stderr.write(s.yellow(terminalSafe(event.message)) + '\n');
        } else if (event.type === 'warning') warn(event.message);
        redraw();
      };
      const onRecord = (r: ResultRecord) => {
        counts.last = r;
        counts.spentUsd += r.usage?.cost_usd ?? 0;
        if (r.status === 'failed') {
          counts.failed++;
          // A photo that could not be read may still have been in the writing: it is taken again when it changes.
          if (r.error?.kind === 'invalid_image' || r.error?.kind === 'unreadable') watched.retryOnChange(r.path);
        }
        if (!progress && !opts.quiet && !opts.json) {
          io.stderr.write(r.status === 'ok'
            ? `${s.green('✓')} ${terminalSafe(r.file)} ${usd(r.usage?.cost_usd ?? 0, 6)}\n`
            : `${s.red('✗')} ${terminalSafe(r.file)}: ${r.error?.kind}: ${terminalSafe(r.error?.message ?? '')}\n`);
        }
      };
      redraw();
      const { runBatch } = await import('../../core/session/run-batch.js');
      // The reports are kept current as results arrive (the live gallery, newest first); the final ones stop reloading.
      const result = await runBatch({
        photos: watched.queue, ...batchSettings(opts, setup, stats), ...outputs.batch, stopSignal, abortSignal, onEvent, keepRecords: false,
        liveReports: { refreshSeconds }, ...(opts.json ? { sinks: [(await import('../json-lines-sink.js')).jsonLinesSink(io, stdoutClosed)] } : {}),
      });
      progress?.clear();
      for (const w of warnings) io.stderr.write(s.yellow(`Warning: ${terminalSafe(w)}`) + '\n');
      if (result.unsaved) io.stderr.write(describeUnsaved(result.unsaved) + '\n');
      if (!opts.quiet) io.stderr.write(renderRunSummary(result, opts.outDir, color));
      else if (result.stopped && result.stopped.reason !== 'interrupted') io.stderr.write(s.yellow(`Stopped: ${terminalSafe(result.stopped.message)}`) + '\n');
      return watchExitCode(result, abortSignal.aborted);
    });
  } finally {
    progress?.clear();
    for (const close of cleanup) await close();
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
