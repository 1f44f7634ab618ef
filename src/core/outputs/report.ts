import type { ResultRecord } from '../types.js';
import type { SpendSummary } from '../pricing/spend-caps.js';
import { sameModel } from '../pricing/model-names.js';

export const COST_REPORT_FILE = 'cost-report.json';
export const COST_CSV_FILE = 'cost-report.csv';

export interface ModelTotals {
  photos: number;
  cost_usd: number;
}

/** cost-report.json. The first keys are a contract scripts rely on. */
export interface CostReport {
  photos: { total: number; ok: number; failed: number; skipped: number; pending: number };
  cost_usd: {
    /** Sum of usage.cost that OpenRouter reported for this run's answers. */
    billed: number;
    /** Pre-flight estimate for the photos answered in this run, at the expected output length (null if unknown). */
    estimated: number | null;
    /** Answers whose usage.cost was missing (not included in `billed`). */
    unreported: number;
    /** Part of `billed` paid for answers that were unusable (refusals, empty answers, failed validation). */
    failed_billed?: number;
    /** Bring-your-own-key answers: what the provider billed on your key (included in `billed`). */
    byok_upstream?: number;
  };
  tokens: { prompt: number; completion: number };
  by_model: Record<string, ModelTotals>;
  elapsed_ms: number;
  /** Average billed cost of an answered photo, and what 100 / 1,000 such photos would cost. */
  per_photo_usd: number | null;
  projection_usd: { photos_100: number | null; photos_1000: number | null };
  failures_by_kind: Record<string, number>;
  stopped?: { reason: string; message: string };
  /** --max-cost / --max-cost-per-day: the caps and what is billed against them (folder total, today). */
  budget?: SpendSummary;
  /** Everything results.jsonl holds for this output folder, across runs (latest record per photo). */
  all_runs?: { photos: number; ok: number; failed: number; billed_usd: number };
  generated_at: string;
}

export interface ReportInput {
  /** Records written by this run. */
  records: readonly ResultRecord[];
  /** Photos found by the scan. */
  total: number;
  skipped: number;
  elapsedMs: number;
  stopped?: { reason: string; message: string };
  /** Every record in results.jsonl (previous runs and this one), for the all-runs totals. */
  history?: readonly ResultRecord[];
  /** The model the user asked for: answers from its dated snapshots are billed under this name. */
  requestedModel?: string;
  budget?: SpendSummary;
  now?: Date;
}

export function buildReport(input: ReportInput): CostReport {
  const tally = new ReportTally(input.requestedModel);
  for (const r of input.records) tally.add(r);
  const report = tally.finish({ total: input.total, skipped: input.skipped, elapsedMs: input.elapsedMs, ...(input.now ? { now: input.now } : {}) });
  if (input.stopped) report.stopped = input.stopped;
  if (input.budget) report.budget = roundSpendSummary(input.budget);
  if (input.history) report.all_runs = summarizeHistory(input.history);
  return report;
}

/**
 * The report built one record at a time, so a run of any size is summed without holding its records.
 * `add` counts a record as a photo and as money; `addPhoto` and `addBilled` split the two, for a report
 * whose photos are the latest record per path but whose bill is every answer ever paid for (after --force).
 */
export class ReportTally {
  ok = 0;
  failed = 0;
  #billed = 0;
  #unreported = 0;
  #estimated: number | null = 0;
  #prompt = 0;
  #completion = 0;
  #paidPhotos = 0;
  #failedBilled = 0;
  #byokUpstream = 0;
  // Keyed by names a server chose (a model called "__proto__" is data): no prototype to write through.
  readonly #byModel: Record<string, ModelTotals> = Object.create(null) as Record<string, ModelTotals>;
  readonly #failuresByKind: Record<string, number> = Object.create(null) as Record<string, number>;

  /** `requestedModel`: answers from its dated snapshots are billed under this name. */
  constructor(readonly requestedModel?: string) {}

  #modelKey(m: string | undefined): string {
    const asked = this.requestedModel;
    return m === undefined ? (asked ?? 'unknown') : asked && sameModel(asked, m) ? asked : m;
  }

  add(r: ResultRecord): void {
    this.addPhoto(r);
    this.addBilled(r);
  }

  addPhoto(r: ResultRecord): void {
    const cost = r.usage?.cost_usd;
    const reused = r.duplicate_of !== undefined || r.moved_from !== undefined;
    if (r.status === 'failed') {
      this.failed++;
      const kind = r.error?.kind ?? 'unknown';
      this.#failuresByKind[kind] = (this.#failuresByKind[kind] ?? 0) + 1;
      if (typeof cost === 'number' && cost !== 0) this.#estimate(r);
      else if (r.usage && cost === null) this.#unreported++;
      return;
    }
    this.ok++;
    if (typeof cost !== 'number' && !reused) this.#unreported++;
    // Duplicates cost nothing; one paid photo without an estimate makes the whole estimate unknown.
    if (!reused) this.#estimate(r);
    (this.#byModel[this.#modelKey(r.model)] ??= { photos: 0, cost_usd: 0 }).photos++;
  }

  #estimate(r: ResultRecord): void {
    if (this.#estimated !== null) this.#estimated = typeof r.estimated_cost_usd === 'number' ? this.#estimated + r.estimated_cost_usd : null;
  }

  addBilled(r: ResultRecord): void {
    const cost = r.usage?.cost_usd;
    this.#byokUpstream += r.usage?.upstream_cost_usd ?? 0;
    this.#prompt += r.usage?.prompt_tokens ?? 0;
    this.#completion += r.usage?.completion_tokens ?? 0;
    if (typeof cost !== 'number') return;
    if (r.status === 'failed') {
      // An answer thrown away (refused, empty, invalid_output) was still billed: the bill must say so.
      if (cost === 0) return;
      this.#failedBilled += cost;
    } else {
      this.#paidPhotos++;
    }
    this.#billed += cost;
    (this.#byModel[this.#modelKey(r.model)] ??= { photos: 0, cost_usd: 0 }).cost_usd += cost;
  }

  finish(input: { total: number; skipped: number; elapsedMs: number; now?: Date }): CostReport {
    const perPhoto = this.#paidPhotos > 0 ? this.#billed / this.#paidPhotos : null;
    const { ok, failed } = this;
    return {
      photos: { total: input.total, ok, failed, skipped: input.skipped, pending: Math.max(0, input.total - ok - failed - input.skipped) },
      cost_usd: {
        billed: roundUsd(this.#billed), estimated: this.#estimated === null ? null : roundUsd(this.#estimated), unreported: this.#unreported,
        ...(this.#failedBilled > 0 ? { failed_billed: roundUsd(this.#failedBilled) } : {}),
        ...(this.#byokUpstream > 0 ? { byok_upstream: roundUsd(this.#byokUpstream) } : {}),
      },
      tokens: { prompt: this.#prompt, completion: this.#completion },
      by_model: Object.fromEntries(Object.entries(this.#byModel).map(([m, t]) => [m, { photos: t.photos, cost_usd: roundUsd(t.cost_usd) }])),
      elapsed_ms: Math.round(input.elapsedMs),
      per_photo_usd: perPhoto === null ? null : roundUsd(perPhoto),
      projection_usd: {
        photos_100: perPhoto === null ? null : roundUsd(perPhoto * 100),
        photos_1000: perPhoto === null ? null : roundUsd(perPhoto * 1000),
      },
      failures_by_kind: { ...this.#failuresByKind },
      generated_at: (input.now ?? new Date()).toISOString(),
    };
  }
}

/**
 * The record that stands for each photo: the latest one, except that an ok answer is never
 * undone by a later failure (of a forced redo, say). Sorted by path.
 */
export function latestByPath(records: readonly ResultRecord[]): ResultRecord[] {
  const latest = new Map<string, ResultRecord>();
  for (const r of records) {
    const prev = latest.get(r.path);
    if (!prev || r.status === 'ok' || prev.status !== 'ok') latest.set(r.path, r);
  }
  return [...latest.values()].sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
}

/** Billed sums every answer ever paid for, including redone ones. */
export function summarizeHistory(history: readonly ResultRecord[]): NonNullable<CostReport['all_runs']> {
  let billed = 0;
  for (const r of history) if (typeof r.usage?.cost_usd === 'number') billed += r.usage.cost_usd;
  const latest = latestByPath(history);
  const ok = latest.filter((r) => r.status === 'ok').length;
  return { photos: latest.length, ok, failed: latest.length - ok, billed_usd: roundUsd(billed) };
}

export function roundSpendSummary(b: SpendSummary): SpendSummary {
  return {
    ...b, spent_usd: roundUsd(b.spent_usd), ...(b.day_spent_usd === undefined ? {} : { day_spent_usd: roundUsd(b.day_spent_usd) }),
  };
}

/** Costs are tiny fractions of a dollar; keep 10 decimals so sums stay exact to what the API sent. */
export function roundUsd(x: number): number {
  return Math.round(x * 1e10) / 1e10;
}
