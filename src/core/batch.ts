import { setMaxListeners } from 'node:events';
import { existsSync } from 'node:fs';
import { readFile, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import pLimit from 'p-limit';
import type { PhotoRef, RecordError, ResultRecord } from './types.js';
import { ImageError, PhotobatchError, type StopReason } from './errors.js';
import type { OpenRouterClient } from './openrouter/client.js';
import type { ApiError } from './openrouter/api-error.js';
import { createSender, type SenderEvent } from './openrouter/sender.js';
import { waitForCredits } from './openrouter/credits.js';
import { preparePhoto, type PreparedPhoto } from './images/prepare.js';
import { familyFor, modelTargetSize } from './pricing/image-tokens.js';
import type { ModelPrice } from './pricing/prices.js';
import { planPrompt, type PromptPlan } from './presets.js';
import { pathTemplateVars, readTemplateVars, usesVar } from './template.js';
import type { SidecarWriter } from './sidecars/index.js';
import { CONTACT_SHEET_FILE, writeContactSheet, writeThumbnail } from './contact-sheet/index.js';
import { THUMB_MAX_PX } from './contact-sheet/thumbnail.js';
import { jobFingerprint, sha256Hex } from './job.js';
import { openJournal } from './journal.js';
import { COST_CSV_FILE, COST_REPORT_FILE, ReportTally, roundSpendSummary, type CostReport } from './report.js';
import { openResults } from './results-merge.js';
import { writeCostCsv, writeCostReport } from './report-files.js';
import { SpendCaps, SpendHistory } from './spend-caps.js';
import { sendPhoto, type SendContext } from './send-photo.js';
import { saveAiImages } from './ai-images.js';
import { readInputFile } from './images/read-input.js';
import { acquireOutLock } from './safety/out-lock.js';
import { OutputManifest, reportReplaceable } from './safety/output-manifest.js';
import { describeOutputFailure, isOutputFailure, OutputWriteError, StdoutClosedError } from './safety/env-errors.js';
import { flexRatio, withTier, type TierOptions } from './tiers/flex.js';
import { knownInputs, pullFrom, type PhotoSource } from './photo-source.js';
import { runPool } from './pool.js';
import { retryPolicy, shrunkEdge, type RetryPolicy } from './retry-policy.js';

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
}

export type BatchEvent =
  | { type: 'start'; total: number }
  | { type: 'taken'; photo: PhotoRef }
  | { type: 'record'; record: ResultRecord }
  | { type: 'skipped'; record: ResultRecord }
  | { type: 'stopping'; reason: BatchStopReason; message: string }
  | { type: 'warning'; message: string }
  | { type: 'sender'; event: SenderEvent };

interface PhotoStep {
  sha: string;
  job: string;
  prompt: string;
  done?: ResultRecord;
  prepared?: PreparedPhoto;
  /** Lets identical photos waiting on this one go on. */
  unclaim?: () => void;
}

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
 * scan → prepare → send → record → report, for one output folder. One run per folder at a time:
 * a second writer would pay for every photo again and tear results.jsonl lines.
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
  const fallbackModels = opts.fallbackModels ?? [];
  const plan = typeof opts.prompt === 'string' ? planPrompt({ customPrompt: opts.prompt }) : opts.prompt;
  const needsExif = usesVar(plan.template, 'date') || usesVar(plan.template, 'camera');
  const jobExtra = plan.extra || opts.requestExtra || opts.reasoning?.inJob
    ? { ...plan.extra, ...opts.requestExtra, ...(opts.reasoning?.inJob && opts.reasoning.field ? { reasoning: opts.reasoning.field } : {}) }
    : undefined;
  const requestExtra = opts.reasoning?.field ? { ...jobExtra, reasoning: opts.reasoning.field } : jobExtra;
  const family = familyFor(opts.model);
  const policy = retryPolicy({ ...opts.retryPolicy, retries: Math.max(0, Math.floor(opts.retries)) });
  const spentBefore = new SpendHistory();
  const journal = await outputStep(opts.outDir, async () => openJournal(opts.outDir, { onPrevious: (r) => spentBefore.add(r) }));
  if (journal.skippedLines > 0) {
    emit({ type: 'warning', message: `${journal.skippedLines} line${journal.skippedLines === 1 ? '' : 's'} of results.jsonl ${journal.skippedLines === 1 ? 'is' : 'are'} not photobatch records (torn or foreign); skipped` });
  }
  // What photobatch created in --out: only those files may be replaced; input photos never.
  const manifest = opts.manifest ?? new OutputManifest(opts.outDir, knownInputs(opts.photos));
  const records: ResultRecord[] = [];
  const keepRecords = opts.keepRecords ?? true;
  const tally = new ReportTally(opts.model);
  let skipped = 0;
  let stopped: BatchResult['stopped'];

  const hard = new AbortController();
  // Every photo waiting for a request slot listens on this signal; dozens is normal, not a leak.
  setMaxListeners(0, hard.signal);
  const onHardAbort = () => hard.abort();
  opts.abortSignal?.addEventListener('abort', onHardAbort, { once: true });

  let creditDeadline: number | undefined;
  const sender = createSender({
    client: opts.tier ? { chatCompletion: withTier((b, o) => opts.client.chatCompletion(b, o), opts.tier) } : opts.client,
    concurrency: opts.concurrency,
    ...(opts.autoConcurrency ? { autoInitial: Math.min(4, opts.concurrency) } : {}),
    retries: opts.retries, policy,
    ...(opts.rpm === undefined ? {} : { rpm: opts.rpm }),
    ...(opts.sleep === undefined ? {} : { sleep: opts.sleep }),
    ...(opts.waitForCreditsMs === undefined
      ? {}
      : {
          // --wait-for-credits is one deadline for the whole run, counted from the first time credits ran out:
          // later waits get what is left of it, so the run gives up when it says it will.
          creditDeadline: () => (creditDeadline ??= Date.now() + opts.waitForCreditsMs!),
          waitForCredits: (_err: ApiError, signal?: AbortSignal) => {
            creditDeadline ??= Date.now() + opts.waitForCreditsMs!;
            const left = Math.max(0, creditDeadline - Date.now());
            return waitForCredits({
              client: opts.client, intervalMs: Math.min(opts.creditPollMs ?? 30_000, Math.max(1, left)), maxWaitMs: left,
              ...(opts.sleep === undefined ? {} : { sleep: opts.sleep }), signal: signal ?? hard.signal,
            });
          },
        }),
    onEvent: (event) => emit({ type: 'sender', event }),
  });

  const stop = (reason: BatchStopReason, message: string) => {
    if (stopped) return;
    stopped = { reason, message };
    sender.stop();
    emit({ type: 'stopping', reason, message });
  };
  const onSoftStop = () => {
    // stdout closed by its reader (`| head -1`): stop like a Unix filter, but keep what is in flight and paid for.
    if (opts.stopSignal?.reason instanceof StdoutClosedError) stop('stdout_closed', 'stdout was closed; finishing the photos in flight.');
    else stop('interrupted', 'Interrupted: finishing the photos in flight. Press Ctrl-C again to abort them.');
    setTimeout(() => hard.abort(), opts.graceMs ?? 30_000).unref();
  };
  if (opts.stopSignal?.aborted) onSoftStop();
  opts.stopSignal?.addEventListener('abort', onSoftStop, { once: true });

  const sizing = opts.maxEdgeExplicit ? `edge:${opts.maxEdge}` : `model:${opts.maxEdge}`;
  const extraKey = jobExtra === undefined ? '' : JSON.stringify(jobExtra);
  const jobFor = (prompt: string) =>
    jobFingerprint({ model: opts.model, fallbackModels, prompt, maxTokens: opts.jobMaxTokens ?? opts.maxTokens, sizing, quality: opts.quality, extra: extraKey });
  const promptHash = jobFingerprint({ model: '', fallbackModels: [], prompt: plan.template, maxTokens: 0, sizing: '', quality: 0, extra: extraKey });
  const target = (w: number, h: number) =>
    opts.maxEdgeExplicit ? { width: opts.maxEdge, height: opts.maxEdge } : modelTargetSize(family, w, h, opts.maxEdge);
  const contactSheet = opts.contactSheet ?? true;
  const caps = new SpendCaps({
    ...(opts.maxCostUsd === undefined ? {} : { maxCostUsd: opts.maxCostUsd }),
    ...(opts.maxCostPerDayUsd === undefined ? {} : { maxCostPerDayUsd: opts.maxCostPerDayUsd }),
    history: spentBefore,
  });
  const budget = caps.active ? caps : undefined;
  // Reading, hashing and compressing share one small pool, so at most a few originals sit in memory.
  // Enough slots that the event-loop hops of one photo (read, hash, metadata, encode) overlap with the
  // others' and -c 64 is fed; few enough that 12 MP originals stay bounded in memory.
  // As many as there are request slots to feed (at least 4): on a busy machine each step of a preparation waits its
  // turn for a core or a libuv thread, and a pool smaller than -c left -c 64 with 33-53 requests in flight. Memory is
  // bounded by -c originals; the decodes themselves by libuv's thread pool (UV_THREADPOOL_SIZE, set in bin/).
  const prepLimit = pLimit(Math.max(4, Math.min(64, opts.concurrency)));
  // Thumbnails are written while the photo is sent: off the critical path, awaited before the contact sheet.
  const thumbnails = new Set<Promise<void>>();

  const sendCtx: SendContext = {
    sender, budget, family, price: opts.price, model: opts.model, fallbackModels, maxTokens: opts.maxTokens,
    expectedOutputTokens: opts.expectedOutputTokens, requestExtra, parse: plan.parse, signal: hard.signal,
    ...(opts.reasoning ? { reasoningTokens: opts.reasoning.expectedTokens } : {}),
    ...(opts.expectedRequestsPerPhoto === undefined ? {} : { expectedRequests: opts.expectedRequestsPerPhoto }),
    isStopped: () => stopped !== undefined, stop, policy,
  };
  /** After the provider refused the image: smaller (by default half the edge, at least 512 px) and a lower quality. */
  const shrinkFor = (photo: PhotoRef) => async (current: PreparedPhoto) => {
    const edge = shrunkEdge(policy, current);
    try {
      return await prepLimit(async () => preparePhoto(await readInputFile(photo.path, opts.maxInputBytes), { maxEdge: edge, quality: Math.min(opts.quality, policy.imageRefusal.maxQuality), fileName: photo.path }));
    } catch {
      return undefined;
    }
  };

  // Once results.jsonl cannot be written, every later answer (already paid for) is kept here and saved elsewhere.
  const unsaved: ResultRecord[] = [];
  const write = (record: ResultRecord) => {
    tally.add(record);
    if (keepRecords) records.push(record);
    if (unsaved.length > 0) unsaved.push(record);
    else {
      try {
        journal.append(record);
      } catch (err) {
        if (!isOutputFailure(err)) throw err;
        unsaved.push(record);
        stop('output_failed', `Cannot write ${journal.file}: ${describeOutputFailure(err)}. No new requests are started; free space or make --out writable, then re-run the same command.`);
      }
    }
    emit({ type: 'record', record });
  };
  // Byte-identical photos in one run are sent once: later copies wait for the first.
  const inProgress = new Map<string, Promise<void>>();

  /** Reads, hashes and (unless it is already answered or being answered) compresses one photo. */
  const preparePhotoStep = (photo: PhotoRef, mayReuse: boolean) =>
    prepLimit(async (): Promise<PhotoStep> => {
      const original = await readInputFile(photo.path, opts.maxInputBytes);
      const sha = sha256Hex(original);
      const vars = needsExif ? await readTemplateVars(photo, original) : pathTemplateVars(photo);
      if (opts.metadataContext) {
        const metadata = await opts.metadataContext(photo);
        if (metadata) vars.metadata = metadata;
      }
      const prompt = plan.prompt(vars);
      const job = jobFor(prompt);
      const done = opts.force ? undefined : journal.findDone(sha, job, photo.file);
      const key = `${sha}:${job}`;
      if (mayReuse && (done || inProgress.has(key) || stopped)) return { sha, job, prompt, ...(done ? { done } : {}) };
      // Claim the content now, before any await, so an identical photo prepared at the same moment waits for this one.
      let release!: () => void;
      inProgress.set(key, new Promise<void>((resolve) => (release = resolve)));
      const unclaim = () => {
        inProgress.delete(key);
        release();
      };
      try {
        const prepared = await preparePhoto(original, {
          maxEdge: opts.maxEdge, quality: opts.quality, target, fileName: photo.path, ...(contactSheet ? { thumbnailPx: THUMB_MAX_PX } : {}),
        });
        if (contactSheet) {
          const pending = writeThumbnail(opts.outDir, sha, prepared.data, prepared).then(
            () => undefined,
            (err: Error) => emit({ type: 'warning', message: `${photo.file}: no thumbnail for report.html (${err.message})` }),
          );
          thumbnails.add(pending);
          void pending.finally(() => thumbnails.delete(pending));
        }
        return { sha, job, prompt, prepared, unclaim };
      } catch (err) {
        unclaim();
        throw err;
      }
    });

  const processPhoto = async (photo: PhotoRef): Promise<void> => {
    if (stopped) return;
    const t0 = Date.now();
    try {
      let step = await preparePhotoStep(photo, true);
      const base = { file: photo.file, path: photo.path, sha256: step.sha, job: step.job };
      if (!step.done && !step.prepared) {
        // The same bytes are being answered for another file: wait, then reuse its answer.
        await inProgress.get(`${step.sha}:${step.job}`);
        const done = opts.force ? undefined : journal.findDone(step.sha, step.job, photo.file);
        if (done) step = { ...step, done };
        else if (stopped) return;
        // The first copy failed: this one gets its own try.
        else step = await preparePhotoStep(photo, false);
      }
      if (step.done) return reuse(photo, step.done, base);
      try {
        await finishPhoto(photo, step.prompt, step.prepared!, base, t0);
      } finally {
        // Once recorded, later copies find the answer in the journal; holding it here would keep every record.
        step.unclaim?.();
      }
    } catch (err) {
      const base = { file: photo.file, path: photo.path, job: '', status: 'failed' as const, attempts: 0, ms: Date.now() - t0, at: new Date().toISOString() };
      if (err instanceof ImageError) return void write({ ...base, error: oneLine(err.kind, err.message) });
      if (isFsError(err)) {
        return void write({ ...base, error: oneLine('unreadable', `Cannot read the file (${(err as NodeJS.ErrnoException).code}); check that it exists and is readable`) });
      }
      throw err;
    }
  };

  const finishPhoto = async (
    photo: PhotoRef, prompt: string, prepared: PreparedPhoto, base: { file: string; path: string; sha256: string; job: string }, t0: number,
  ): Promise<void> => {
    const outcome = await sendPhoto(sendCtx, prompt, prepared, shrinkFor(photo));
    if (outcome.status === 'not_started') return;
    const sent = { width: outcome.prepared.width, height: outcome.prepared.height, bytes: outcome.prepared.bytes };
    if (outcome.status === 'failed') {
      write({
        ...base, status: 'failed', attempts: outcome.attempts, ms: Date.now() - t0, sent, error: outcome.error,
        ...(outcome.usage ? { usage: outcome.usage } : {}), ...(outcome.model ? { model: outcome.model } : {}),
        ...(outcome.raw === undefined ? {} : { raw_output: outcome.raw }),
        ...(outcome.estimate ? { image_tokens: outcome.estimate.imageTokens, estimated_cost_usd: outcome.estimate.expectedUsd } : {}),
        at: new Date().toISOString(),
      });
      return;
    }
    const { result, parsed } = outcome;
    const record: ResultRecord = {
      ...base, status: 'ok', model: result.model, output: parsed.output, usage: outcome.usage, attempts: outcome.attempts,
      generation_id: result.id, ms: Date.now() - t0, sent, image_tokens: outcome.estimate.imageTokens,
      ...(result.serviceTier !== undefined ? { service_tier: result.serviceTier } : {}),
      ...(result.costSource ? { cost_source: result.costSource } : {}),
      estimated_cost_usd: tierEstimate(outcome.estimate.expectedUsd, result.serviceTier, opts.model), at: new Date().toISOString(),
    };
    await attachFiles(record, photo, result.images, parsed.fields);
    write(record);
  };

  /** Sidecars and returned images: their failure is a warning, never a lost answer. */
  const attachFiles = async (record: ResultRecord, photo: PhotoRef, images: readonly string[], fields: import('./sidecars/index.js').SidecarFields) => {
    try {
      if (images.length > 0) {
        record.images = await saveAiImages(opts.outDir, photo.file, images, {
          manifest, photoPath: photo.path, provenance: { model: record.model ?? opts.model, date: record.at },
        });
      }
    } catch (err) {
      emit({ type: 'warning', message: `${photo.file}: could not save the returned image (${(err as Error).message})` });
    }
    const provenance = { model: record.model ?? opts.model, promptHash, costUsd: record.usage?.cost_usd ?? null, date: record.at };
    if (opts.deliverer) {
      const delivered = await deliverResult(photo, fields, provenance);
      if (delivered) record.delivered = delivered;
    }
    if (!opts.sidecars) return;
    try {
      record.sidecars = await opts.sidecars.write(photo, fields, provenance);
    } catch (err) {
      record.sidecar_error = oneLine('unreadable', (err as Error).message).message;
      emit({ type: 'warning', message: `${photo.file}: sidecar not written (${record.sidecar_error})` });
    }
  };

  /** The delivered copy; a failure is a warning, the paid answer is kept either way. */
  const deliverResult = async (photo: PhotoRef, fields: import('./sidecars/index.js').SidecarFields, provenance: import('./sidecars/index.js').Provenance) => {
    try {
      return await opts.deliverer!.deliver(photo, fields, provenance);
    } catch (err) {
      emit({ type: 'warning', message: `${photo.file}: not delivered (${oneLine('unreadable', (err as Error).message).message})` });
      return undefined;
    }
  };

  const reuse = (photo: PhotoRef, done: ResultRecord, base: { file: string; path: string; sha256: string; job: string }): void => {
    if (done.path === photo.path || journal.isDoneAt(photo.path, base.sha256, base.job)) {
      skipped++;
      emit({ type: 'skipped', record: { ...done, ...base } });
      // Re-running with --deliver (re)writes the delivered copy from the answer already paid for.
      if (opts.deliverer) pendingDeliveries.push(redeliver(photo, done));
      return;
    }
    // Answered under a path that is gone: the folder was moved or renamed. The record moves with it, so the
    // photo is counted once; otherwise the same bytes under another name: recorded again at no cost (and its
    // delivered copy written too).
    if (opts.deliverer) pendingDeliveries.push(redeliver(photo, done));
    const moved = done.file === photo.file && !existsSync(done.path);
    const { duplicate_of: _d, moved_from: _m, delivered: _theirs, ...answer } = done;
    write({
      ...answer, ...base, attempts: 0, ms: 0, ...(moved ? { moved_from: done.path } : { duplicate_of: done.file }), sidecars: [],
      usage: { prompt_tokens: 0, completion_tokens: 0, cost_usd: 0 }, estimated_cost_usd: 0, at: new Date().toISOString(),
    });
  };

  const pendingDeliveries: Promise<unknown>[] = [];
  const redeliver = async (photo: PhotoRef, done: ResultRecord) => {
    const parsed = done.output === undefined ? undefined : plan.parse(typeof done.output === 'string' ? done.output : JSON.stringify(done.output));
    if (!parsed?.ok) return;
    await deliverResult(photo, parsed.fields, { model: done.model ?? opts.model, promptHash, costUsd: done.usage?.cost_usd ?? null, date: done.at });
  };

  const source = pullFrom(opts.photos);
  emit({ type: 'start', total: source.known ?? 0 });
  try {
    // 2 × concurrency photos in the pipeline: one being sent and one prepared and waiting, per slot.
    const bug = await runPool(source, processPhoto, {
      workers: Math.max(2, opts.concurrency * 2), stopped: () => stopped !== undefined,
      onTake: (photo) => {
        // A photo from an endless source was not known at the start: it is an input, never replaced.
        if (source.known === undefined) manifest.addInput(photo.path);
        emit({ type: 'taken', photo });
      },
    }).then(() => undefined, (err: unknown) => ({ reason: err }));
    await Promise.allSettled(pendingDeliveries);
    if (bug) throw bug.reason;
  } finally {
    opts.stopSignal?.removeEventListener('abort', onSoftStop);
    opts.abortSignal?.removeEventListener('abort', onHardAbort);
    try {
      journal.close();
    } catch (err) {
      if (!isOutputFailure(err)) throw err;
      stop('output_failed', `Cannot flush ${journal.file}: ${describeOutputFailure(err)}`);
    }
    await Promise.all(thumbnails);
  }

  if (stopped?.reason === 'budget' || stopped?.reason === 'daily_budget') {
    // Counted at the end: photos in flight when the cap was hit still finished.
    const ok = tally.ok;
    stopped = { reason: stopped.reason, message: caps.stopMessage(ok) };
  }
  const report = tally.finish({ total: source.known ?? source.taken, skipped, elapsedMs: Date.now() - started });
  if (stopped) report.stopped = stopped;
  if (budget) report.budget = roundSpendSummary(budget.summary());
  let reportFile = path.join(opts.outDir, COST_REPORT_FILE);
  try {
    // Reports, CSV and contact sheet are built by streaming results.jsonl, never from records held in memory.
    const results = await openResults([opts.outDir]);
    report.all_runs = (await results.report()).all_runs!;
    const mayWrite = async (name: string, mark: string) => {
      if (await reportReplaceable(path.join(opts.outDir, name), mark)) return true;
      emit({ type: 'warning', message: `${path.join(opts.outDir, name)} exists and photobatch did not write it; not replacing it (move it away, or use another --out)` });
      return false;
    };
    if (await mayWrite(COST_REPORT_FILE, '"cost_usd"')) reportFile = await writeCostReport(opts.outDir, report);
    if (await mayWrite(COST_CSV_FILE, 'file,status,model')) await writeCostCsv(opts.outDir, results);
    if (contactSheet && (await mayWrite(CONTACT_SHEET_FILE, 'photobatch'))) await writeContactSheet(opts.outDir, { results, report });
  } catch (err) {
    // The reports are derived from results.jsonl and rebuilt by `photobatch report`; the answers matter more.
    if (!isOutputFailure(err)) throw err;
    emit({ type: 'warning', message: `reports not written in ${opts.outDir}: ${describeOutputFailure(err)}; \`photobatch report\` rebuilds them later` });
    if (!stopped) stopped = { reason: 'output_failed', message: `Cannot write the reports in ${opts.outDir}: ${describeOutputFailure(err)}` };
  }
  const result: BatchResult = { report, records, reportFile, skippedLines: journal.skippedLines, ...(stopped ? { stopped } : {}) };
  if (unsaved.length > 0) result.unsaved = await rescueRecords(unsaved);
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

/** Paid answers results.jsonl could not take: saved in the temp folder (usually another file system), else returned. */
async function rescueRecords(unsaved: ResultRecord[]): Promise<{ file?: string; records: ResultRecord[] }> {
  const file = path.join(os.tmpdir(), `photobatch-unsaved-${process.pid}-${Date.now()}.jsonl`);
  try {
    await writeFile(file, unsaved.map((r) => JSON.stringify(r)).join('\n') + '\n', { flag: 'wx' });
    return { file, records: unsaved };
  } catch {
    return { records: unsaved };
  }
}

/** The estimate at the tier that served: a flex answer is compared with the flex price, where one is published. */
function tierEstimate(expectedUsd: number | null, servedTier: string | null | undefined, model: string): number | null {
  const ratio = servedTier === 'flex' ? flexRatio(model.replace(/:floor$/i, '')) : null;
  return expectedUsd === null || ratio === null ? expectedUsd : expectedUsd * ratio;
}

function oneLine(kind: RecordError['kind'], message: string): RecordError {
  return { kind, http_status: null, message: message.replace(/\s+/g, ' ').trim() };
}

function isFsError(err: unknown): boolean {
  return err instanceof Error && typeof (err as NodeJS.ErrnoException).code === 'string' && !(err instanceof PhotobatchError);
}
