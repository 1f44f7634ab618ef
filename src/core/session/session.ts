import { setMaxListeners } from 'node:events';
import pLimit from 'p-limit';
import type { BatchEvent, BatchOptions, BatchStopReason } from './options.js';
import { preparePhoto, type PreparedPhoto } from '../images/prepare.js';
import { readInputFile } from '../images/read-input.js';
import type { Journal } from '../record/journal.js';
import { ReportTally, roundSpendSummary, type CostReport } from '../outputs/report.js';
import { retryPolicy, shrunkEdge, type RetryPolicy } from '../send/retry-policy.js';
import { sendPhoto, type SendContext } from '../send/send-photo.js';
import { SpendCaps, type SpendHistory } from '../pricing/spend-caps.js';
import { StdoutClosedError } from '../safety/env-errors.js';
import type { PhotoRef, ResultRecord } from '../types.js';
import { Claims } from './claims.js';
import type { JobSettings } from './job-settings.js';
import { claimKey, preparePhotoStep, type PrepareContext, type PhotoStep } from './prepare-step.js';
import { answerRecord, failedRecord, reusedRecord, unreadableRecord, type RecordBase } from './records.js';
import { sessionSender } from './sender-setup.js';
import type { PhotoFiles } from './sinks/photo-files.js';
import { fanOut, type OutputSink } from './sinks/sink.js';

export type SessionOptions = Omit<BatchOptions, 'photos'>;

export interface SessionDeps {
  settings: JobSettings;
  journal: Journal;
  /** What was billed into --out before this session (the caps count it). */
  spentBefore: SpendHistory;
  /** Per-photo writers: their files are named in the record, so they run before it is written (also one of `sinks`). */
  files: PhotoFiles;
  /** Outputs, in order; the first is the journal. */
  sinks: readonly OutputSink[];
  emit: (event: BatchEvent) => void;
}

/**
 * A long-lived run over one --out: it owns what photos share (identical photos in flight, the budget,
 * the sender and its flow control, the tally, why it stopped) and processes one photo at a time through
 * `process`, from whatever source feeds it. Outputs are sinks told about each record as it is written.
 */
export class Session {
  readonly settings: JobSettings;
  readonly policy: RetryPolicy;
  readonly caps: SpendCaps;
  #stopped: { reason: BatchStopReason; message: string } | undefined;
  #skipped = 0;
  readonly #records: ResultRecord[] = [];
  readonly #tally: ReportTally;
  readonly #hard = new AbortController();
  readonly #sendCtx: SendContext;
  readonly #prepare: PrepareContext;
  readonly #out: Required<OutputSink>;
  readonly #detach: () => void;

  constructor(private readonly opts: SessionOptions, private readonly deps: SessionDeps) {
    this.settings = deps.settings;
    this.policy = retryPolicy({ ...opts.retryPolicy, retries: Math.max(0, Math.floor(opts.retries)) });
    this.#tally = new ReportTally(opts.model);
    this.#out = fanOut(deps.sinks);
    // Every photo waiting for a request slot listens on this signal; dozens is normal, not a leak.
    setMaxListeners(0, this.#hard.signal);
    this.caps = new SpendCaps({
      ...(opts.maxCostUsd === undefined ? {} : { maxCostUsd: opts.maxCostUsd }),
      ...(opts.maxCostPerDayUsd === undefined ? {} : { maxCostPerDayUsd: opts.maxCostPerDayUsd }),
      history: deps.spentBefore,
    });
    const s = this.settings;
    this.#sendCtx = {
      sender: sessionSender(opts, this.policy, this.#hard.signal, (event) => deps.emit({ type: 'sender', event })),
      budget: this.caps.active ? this.caps : undefined, family: s.family, price: opts.price, model: opts.model, fallbackModels: s.fallbackModels,
      maxTokens: opts.maxTokens, expectedOutputTokens: opts.expectedOutputTokens, requestExtra: s.requestExtra, parse: s.plan.parse, signal: this.#hard.signal,
      ...(opts.reasoning ? { reasoningTokens: opts.reasoning.expectedTokens } : {}),
      ...(opts.expectedRequestsPerPhoto === undefined ? {} : { expectedRequests: opts.expectedRequestsPerPhoto }),
      isStopped: () => this.#stopped !== undefined, stop: (reason, message) => this.stop(reason, message), policy: this.policy,
    };
    this.#prepare = {
      settings: s, journal: deps.journal, claims: new Claims(),
      // Enough slots that the event-loop hops of one photo (read, hash, metadata, encode) overlap with the others' and
      // -c 64 is fed (on a busy machine each step waits its turn for a core or a libuv thread); few enough that 12 MP
      // originals stay bounded in memory (-c of them). The decodes themselves are bounded by libuv's thread pool.
      limit: pLimit(Math.max(4, Math.min(64, opts.concurrency))),
      maxEdge: opts.maxEdge, quality: opts.quality, maxInputBytes: opts.maxInputBytes, force: opts.force === true,
      thumbnails: opts.contactSheet ?? true, metadataContext: opts.metadataContext,
      isStopped: () => this.#stopped !== undefined, onPrepared: (photo, sha, prepared) => this.#out.onPrepared(photo, sha, prepared),
    };
    // Last: a stop signal already raised stops the sender made above.
    this.#detach = this.#wireSignals();
  }

  get stopped() {
    return this.#stopped;
  }

  /** Ends the session early: nothing new starts; the first reason stands. */
  stop(reason: BatchStopReason, message: string): void {
    if (this.#stopped) return;
    this.#stopped = { reason, message };
    this.#sendCtx.sender.stop();
    this.deps.emit({ type: 'stopping', reason, message });
  }

  /** Replaces the stop message (the budget's, counted once the photos in flight have finished). */
  restate(message: string): void {
    if (this.#stopped) this.#stopped = { ...this.#stopped, message };
  }

  /** A photo was taken from the source. */
  take(photo: PhotoRef): void {
    this.#out.onTake(photo);
    this.deps.emit({ type: 'taken', photo });
  }

  /** One photo: prepare (read, hash, resume check, compress), send, record. */
  async process(photo: PhotoRef): Promise<void> {
    if (this.#stopped) return;
    const t0 = Date.now();
    try {
      let step = await preparePhotoStep(this.#prepare, photo, true);
      const base: RecordBase = { file: photo.file, path: photo.path, sha256: step.sha, job: step.job };
      if (!step.done && !step.prepared) step = await this.#afterIdentical(photo, step);
      if (!step.done && !step.prepared) return;
      if (step.done) return this.#reuse(photo, step.done, base);
      try {
        await this.#send(photo, step.prompt, step.prepared!, base, t0);
      } finally {
        // Once recorded, later copies find the answer in the journal; holding it here would keep every record.
        step.unclaim?.();
      }
    } catch (err) {
      const record = unreadableRecord(photo, err, t0);
      if (!record) throw err;
      this.#record(record);
    }
  }

  /** The run's cost report from what this session recorded. */
  report(total: number, elapsedMs: number): CostReport {
    const report = this.#tally.finish({ total, skipped: this.#skipped, elapsedMs });
    if (this.#stopped) report.stopped = this.#stopped;
    if (this.caps.active) report.budget = roundSpendSummary(this.caps.summary());
    return report;
  }

  get okCount(): number {
    return this.#tally.ok;
  }

  /** Records this session wrote (kept only with keepRecords). */
  get records(): ResultRecord[] {
    return this.#records;
  }

  /** Stops listening to the caller's signals and finishes every sink (pending deliveries, thumbnails, live reports). */
  async close(): Promise<void> {
    this.#detach();
    await this.#out.close();
  }

  /** The same bytes are being answered for another file: wait, then reuse its answer, or try again if it failed. */
  async #afterIdentical(photo: PhotoRef, step: PhotoStep): Promise<PhotoStep> {
    await this.#prepare.claims.settled(claimKey(step.sha, step.job));
    const done = this.opts.force ? undefined : this.deps.journal.findDone(step.sha, step.job, photo.file);
    if (done) return { ...step, done };
    if (this.#stopped) return step;
    return preparePhotoStep(this.#prepare, photo, false);
  }

  async #send(photo: PhotoRef, prompt: string, prepared: PreparedPhoto, base: RecordBase, t0: number): Promise<void> {
    const outcome = await sendPhoto(this.#sendCtx, prompt, prepared, (current) => this.#shrink(photo, current));
    if (outcome.status === 'not_started') return;
    if (outcome.status === 'failed') return this.#record(failedRecord(base, outcome, t0));
    const record = answerRecord(base, outcome, this.opts.model, t0);
    await this.deps.files.attach(record, photo, outcome.result.images, outcome.parsed.fields);
    this.#record(record);
  }

  /** After the provider refused the image: smaller (by default half the edge, at least 512 px) and a lower quality. */
  async #shrink(photo: PhotoRef, current: PreparedPhoto): Promise<PreparedPhoto | undefined> {
    const edge = shrunkEdge(this.policy, current);
    const quality = Math.min(this.opts.quality, this.policy.imageRefusal.maxQuality);
    try {
      return await this.#prepare.limit(async () => preparePhoto(await readInputFile(photo.path, this.opts.maxInputBytes), { maxEdge: edge, quality, fileName: photo.path }));
    } catch {
      return undefined;
    }
  }

  #reuse(photo: PhotoRef, done: ResultRecord, base: RecordBase): void {
    if (done.path === photo.path || this.deps.journal.isDoneAt(photo.path, base.sha256, base.job)) {
      this.#skipped++;
      const record = { ...done, ...base };
      this.#out.onSkip(record, photo);
      this.deps.emit({ type: 'skipped', record });
      this.deps.files.redeliver(photo, done);
      return;
    }
    // Answered under a path that is gone (moved) or under another name (a copy): recorded again at no cost,
    // and its delivered copy written too.
    this.deps.files.redeliver(photo, done);
    this.#record(reusedRecord(done, base));
  }

  /** The journal first (it is the first sink), then every other output, then the caller's event. */
  #record(record: ResultRecord): void {
    this.#tally.add(record);
    if (this.opts.keepRecords ?? true) this.#records.push(record);
    this.#out.onRecord(record);
    this.deps.emit({ type: 'record', record });
  }

  /** First abort: start nothing new, let in-flight requests finish (for at most graceMs); the hard abort cancels them. */
  #wireSignals(): () => void {
    const { stopSignal, abortSignal } = this.opts;
    const onHardAbort = () => this.#hard.abort();
    const onSoftStop = () => {
      // stdout closed by its reader (`| head -1`): stop like a Unix filter, but keep what is in flight and paid for.
      if (stopSignal?.reason instanceof StdoutClosedError) this.stop('stdout_closed', 'stdout was closed; finishing the photos in flight.');
      else this.stop('interrupted', 'Interrupted: finishing the photos in flight. Press Ctrl-C again to abort them.');
      setTimeout(() => this.#hard.abort(), this.opts.graceMs ?? 30_000).unref();
    };
    abortSignal?.addEventListener('abort', onHardAbort, { once: true });
    if (stopSignal?.aborted) onSoftStop();
    stopSignal?.addEventListener('abort', onSoftStop, { once: true });
    return () => {
      stopSignal?.removeEventListener('abort', onSoftStop);
      abortSignal?.removeEventListener('abort', onHardAbort);
    };
  }
}
