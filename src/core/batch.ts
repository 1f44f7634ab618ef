import type { PhotoRef, ResultRecord } from './types.js';
import type { StopReason } from './errors.js';
import type { OpenRouterClient } from './openrouter/client.js';
import type { SenderEvent } from './openrouter/sender.js';
import type { ModelPrice } from './pricing/prices.js';
import type { PromptPlan } from './presets.js';
import type { SidecarWriter } from './sidecars/index.js';
import type { CostReport } from './report.js';
import type { RetryPolicy } from './retry-policy.js';
import type { TierOptions } from './tiers/flex.js';
import { openJournal } from './journal.js';
import { SpendHistory } from './spend-caps.js';
import { acquireOutLock } from './safety/out-lock.js';
import { OutputManifest } from './safety/output-manifest.js';
import { describeOutputFailure, isOutputFailure, OutputWriteError } from './safety/env-errors.js';
import { pullFrom, type PhotoSource } from './photo-source.js';
import { runPool } from './pool.js';
import { Session } from './session/session.js';
import { jobSettings } from './session/job-settings.js';
import { createJournalSink } from './session/sinks/journal-sink.js';
import { createPhotoFiles } from './session/sinks/photo-files.js';
import { createReportSink } from './session/sinks/report-sink.js';
import { createThumbnailSink } from './session/sinks/thumbnail-sink.js';
import type { OutputSink } from './session/sinks/sink.js';
export interface BatchOptions {
  /** A list, or an async source that keeps yielding photos (a watched folder) until it ends. */
  photos: PhotoSource;
  outDir: string;
  client: OpenRouterClient;
  model: string;
  fallbackModels?: readonly string[];
  /** A prompt (it may use {filename}, {folder}, {date}, {camera}, {context}), or a plan from planPrompt(). */
  prompt: string | PromptPlan;
  maxTokens: number;
  /**
   * The max_tokens that names the job (resume key), when it differs from what is sent: the automatic reasoning
   * headroom is added to the request but must not make an upgraded photobatch pay again for finished photos.
   */
  jobMaxTokens?: number;
  /** Requests in flight; with autoConcurrency, the ceiling (--max-concurrency). */
  concurrency: number;
  /** -c auto: start low and find the level the provider sustains (see openrouter/auto-concurrency.ts). */
  autoConcurrency?: boolean;
  retries: number;
  /** Retry and second-chance rules (default DEFAULT_RETRY_POLICY); `retries` above sets its retries. */
  retryPolicy?: RetryPolicy;
  quality: number;
  /** Ceiling for the longest edge; with `maxEdgeExplicit` it is the size itself, not model-aware. */
  maxEdge: number;
  maxEdgeExplicit?: boolean;
  force?: boolean;
  rpm?: number;
  /** Hard cap in USD on everything billed into outDir, across runs. */
  maxCostUsd?: number;
  /** Hard cap in USD on what is billed into outDir per local calendar day. */
  maxCostPerDayUsd?: number;
  /** Price of the requested model, for per-photo estimates and the budget. */
  price?: ModelPrice;
  /** Average completion tokens seen before, for the estimate at expected output length. */
  expectedOutputTokens?: number;
  /** Billed answers per photo seen before (re-asks), for the estimate. */
  expectedRequestsPerPhoto?: number;
  /**
   * The `reasoning` field to send (see reasoning.ts) and its expected tokens. Part of the job fingerprint only when
   * the user chose it (`inJob`), so the default setting does not make finished photos look new.
   */
  reasoning?: { field?: Record<string, unknown>; expectedTokens: number; inJob: boolean };
  /** Poll /key until credits return instead of stopping; the longest wait in ms. */
  waitForCreditsMs?: number;
  /** Extra request fields (e.g. modalities); part of the job fingerprint. */
  requestExtra?: Record<string, unknown>;
  /** Writes XMP/JSON/TXT sidecars for each answer; the caller closes it. */
  sidecars?: SidecarWriter;
  /** --deliver: a copy of each answered photo with the results embedded; done photos are delivered again for free. */
  deliverer?: import('./deliver/deliver.js').Deliverer;
  /** --context-from-metadata: the photo's own metadata as prompt context (the `metadata` template variable). */
  metadataContext?: (photo: PhotoRef) => Promise<string | undefined>;
  /** report.html with thumbnails in outDir (default true). */
  contactSheet?: boolean;
  /** First abort: start nothing new, let in-flight requests finish (for at most graceMs). */
  stopSignal?: AbortSignal;
  /** Abort in-flight requests at once. */
  abortSignal?: AbortSignal;
  graceMs?: number;
  onEvent?: (event: BatchEvent) => void;
  /** Keep this run's records for BatchResult.records (default true). The CLI turns it off unless it needs them, so memory stays flat. */
  keepRecords?: boolean;
  /** --tier flex: service_tier "flex" on every request, and what to do when flex capacity is refused. */
  tier?: TierOptions;
  /** Injected for tests. */
  sleep?: (ms: number, signal?: AbortSignal) => Promise<void>;
  creditPollMs?: number;
  /** Files photobatch created in outDir (shared with the sidecar writer); made here when not given. */
  manifest?: OutputManifest;
  /** Largest photo read, in bytes (default MAX_INPUT_BYTES, 512 MiB). */
  maxInputBytes?: number;
  /** How long to wait for another run holding outDir (--wait-lock); default: fail at once. */
  lockWaitMs?: number;
  /** More outputs, told about each photo as it goes (e.g. `--json` lines); closed when the run ends. */
  sinks?: readonly OutputSink[];
  /**
   * Keep cost-report.json, cost-report.csv and report.html current while the run goes on (a watch: the live
   * gallery, newest photos first, reloading itself every `refreshSeconds`; at most one rewrite per `minIntervalMs`,
   * default 1000). The final reports are written when the run ends either way.
   */
  liveReports?: { refreshSeconds: number; minIntervalMs?: number };
}

export type BatchEvent =
  | { type: 'start'; total: number }
  | { type: 'taken'; photo: PhotoRef }
  | { type: 'record'; record: ResultRecord }
  | { type: 'skipped'; record: ResultRecord }
  | { type: 'stopping'; reason: BatchStopReason; message: string }
  | { type: 'warning'; message: string }
  | { type: 'sender'; event: SenderEvent };

/** Why a run ended early: the API's reasons, Ctrl-C, an unwritable --out, or stdout closed by its reader. */
export type BatchStopReason = StopReason | 'interrupted' | 'output_failed' | 'stdout_closed';

export interface BatchResult {
  report: CostReport;
  /** Records this run wrote (empty with keepRecords: false). */
  records: ResultRecord[];
  /** Lines of results.jsonl that were not photobatch records (torn, foreign, malformed): skipped. */
  skippedLines: number;
  stopped?: { reason: BatchStopReason; message: string };
  reportFile: string;
  /**
   * Paid answers that could not be added to results.jsonl (disk full, read-only): where they were
   * saved instead (`file`), or the records themselves when even that failed.
   */
  unsaved?: { file?: string; records: ResultRecord[] };
}

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
  const manifest = opts.manifest ?? new OutputManifest(opts.outDir, Array.isArray(opts.photos) ? (opts.photos as readonly PhotoRef[]).map((p) => p.path) : []);
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
