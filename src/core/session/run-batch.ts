import type { PhotoRef } from '../types.js';
import type { BatchOptions, BatchResult } from './options.js';
import { openJournal } from '../record/journal.js';
import { SpendHistory } from '../pricing/spend-caps.js';
import { acquireOutLock } from '../safety/out-lock.js';
import { OutputManifest } from '../safety/output-manifest.js';
import { describeOutputFailure, isOutputFailure, OutputWriteError } from '../safety/env-errors.js';
import { knownInputs, pullFrom } from '../source/photo-source.js';
import { runPool } from './pool.js';
import { Session } from './session.js';
import { jobSettings } from './job-settings.js';
import { createJournalSink } from './sinks/journal-sink.js';
import { createPhotoFiles } from './sinks/photo-files.js';
import { createReportSink } from './sinks/report-sink.js';
import { createThumbnailSink } from './sinks/thumbnail-sink.js';

export type { BatchEvent, BatchOptions, BatchResult, BatchStopReason } from './options.js';

/**
 * scan → prepare → send → record → report, for one output folder: a session fed by a pool of workers
 * over the photo source. One run per folder at a time: a second writer would pay for every photo again
 * and tear results.jsonl lines.
 */
export async function runBatch(opts: BatchOptions): Promise<BatchResult> {
  const emit = opts.onEvent ?? (() => {});
  const lock = await outputStep(opts.outDir, () => acquireOutLock(opts.outDir, {
    waitMs: opts.lockWaitMs ?? 0,
    ...(opts.stopSignal ? { signal: opts.stopSignal } : {}),
    onWait: (holder) => emit({ type: 'warning', message: `${opts.outDir} is in use by ${holder ? `process ${holder.pid} on ${holder.host}` : 'another run'}; waiting for it (--wait-lock)` }),
  }));
  try {
    return await runBatchLocked(opts);
  } finally {
    lock.release();
  }
}

async function runBatchLocked(opts: BatchOptions): Promise<BatchResult> {
  const started = Date.now();
  const emit = opts.onEvent ?? (() => {});
  const warn = (message: string) => emit({ type: 'warning', message });
  const spentBefore = new SpendHistory();
  const journal = await outputStep(opts.outDir, async () => openJournal(opts.outDir, { onPrevious: (r) => spentBefore.add(r) }));
  if (journal.skippedLines > 0) {
    warn(`${journal.skippedLines} line${journal.skippedLines === 1 ? '' : 's'} of results.jsonl ${journal.skippedLines === 1 ? 'is' : 'are'} not photobatch records (torn or foreign); skipped`);
  }
  // What photobatch created in --out: only those files may be replaced; input photos never.
  const manifest = opts.manifest ?? new OutputManifest(opts.outDir, knownInputs(opts.photos));
  const contactSheet = opts.contactSheet ?? true;
  const settings = jobSettings(opts);
  const files = createPhotoFiles({
    outDir: opts.outDir, model: opts.model, manifest, plan: settings.plan, promptHash: settings.promptHash, warn,
    ...(opts.sidecars ? { sidecars: opts.sidecars } : {}), ...(opts.deliverer ? { deliverer: opts.deliverer } : {}),
  });
  const reports = createReportSink({
    outDir: opts.outDir, contactSheet, warn,
    ...(opts.liveReports ? { newestFirst: true, live: { refreshSeconds: opts.liveReports.refreshSeconds, minIntervalMs: opts.liveReports.minIntervalMs ?? 1000 } } : {}),
  });
  // The journal is the first sink: a paid answer is on disk before any other output hears of it.
  const journalSink = createJournalSink(journal, (message) => session.stop('output_failed', message));
  const sinks = [journalSink, files, ...(contactSheet ? [createThumbnailSink(opts.outDir, warn)] : []), reports, ...(opts.sinks ?? [])];
  const session: Session = new Session(opts, { settings, journal, spentBefore, files, sinks, emit });

  const source = pullFrom(opts.photos);
  emit({ type: 'start', total: source.known ?? 0 });
  try {
    // 2 × concurrency photos in the pipeline: one being sent and one prepared and waiting, per slot.
    await runPool(source, (photo) => session.process(photo), {
      workers: Math.max(2, opts.concurrency * 2), stopped: () => session.stopped !== undefined,
      onTake: (photo) => {
        // A photo from an endless source was not known at the start: it is an input, never replaced.
        if (source.known === undefined) manifest.addInput(photo.path);
        session.take(photo);
      },
    });
  } finally {
    try {
      journal.close();
    } catch (err) {
      if (!isOutputFailure(err)) throw err;
      session.stop('output_failed', `Cannot flush ${journal.file}: ${describeOutputFailure(err)}`);
    }
    await session.close();
  }

  // Counted at the end: photos in flight when the cap was hit still finished.
  if (session.stopped?.reason === 'budget' || session.stopped?.reason === 'daily_budget') session.restate(session.caps.stopMessage(session.okCount));
  const report = session.report(source.known ?? source.taken, Date.now() - started);
  const { reportFile, failure } = await reports.finish(report);
  const stopped = session.stopped ?? (failure ? { reason: 'output_failed' as const, message: failure } : undefined);
  const result: BatchResult = { report, records: session.records, reportFile, skippedLines: journal.skippedLines, ...(stopped ? { stopped } : {}) };
  const unsaved = await journalSink.rescue();
  if (unsaved) result.unsaved = unsaved;
  return result;
}

/** Turns an unwritable --out at the start of a run into a one-line error that names the cause. */
async function outputStep<T>(outDir: string, step: () => Promise<T>): Promise<T> {
  try {
    return await step();
  } catch (err) {
    if (!isOutputFailure(err)) throw err;
    throw new OutputWriteError(`Cannot write to the output folder ${outDir}: ${describeOutputFailure(err)}. Pick a writable --out.`, err.code ?? 'EIO', err);
  }
}
