import type { ResultRecord } from './types.js';
import type { SpendSummary } from './spend-caps.js';
import { sameModel } from './model-names.js';

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
  const { records } = input;
  let ok = 0;
  let failed = 0;
  let billed = 0;
  let unreported = 0;
  let estimated: number | null = 0;
  let prompt = 0;
  let completion = 0;
  let paidPhotos = 0;
  let failedBilled = 0;
  let byokUpstream = 0;
  // Keyed by names a server chose (a model called "__proto__" is data): no prototype to write through.
  const byModel: Record<string, ModelTotals> = Object.create(null) as Record<string, ModelTotals>;
  const failuresByKind: Record<string, number> = Object.create(null) as Record<string, number>;
  const modelKey = (m: string | undefined) =>
    m === undefined ? (input.requestedModel ?? 'unknown') : input.requestedModel && sameModel(input.requestedModel, m) ? input.requestedModel : m;

  for (const r of records) {
    byokUpstream += r.usage?.upstream_cost_usd ?? 0;
    if (r.status === 'failed') {
      failed++;
      const kind = r.error?.kind ?? 'unknown';
      failuresByKind[kind] = (failuresByKind[kind] ?? 0) + 1;
      // An answer thrown away (refused, empty, invalid_output) was still billed: the bill must say so.
      const cost = r.usage?.cost_usd;
      if (typeof cost === 'number' && cost !== 0) {
        billed += cost;
        failedBilled += cost;
        if (estimated !== null) estimated = typeof r.estimated_cost_usd === 'number' ? estimated + r.estimated_cost_usd : null;
        const totals = (byModel[modelKey(r.model)] ??= { photos: 0, cost_usd: 0 });
        totals.cost_usd += cost;
      } else if (r.usage && cost === null) {
        unreported++;
      }
      prompt += r.usage?.prompt_tokens ?? 0;
      completion += r.usage?.completion_tokens ?? 0;
      continue;
    }
    ok++;
    const cost = r.usage?.cost_usd;
    prompt += r.usage?.prompt_tokens ?? 0;
    completion += r.usage?.completion_tokens ?? 0;
    if (typeof cost === 'number') {
      billed += cost;
      paidPhotos++;
    } else if (r.duplicate_of === undefined) {
      unreported++;
    }
    // Duplicates cost nothing; one paid photo without an estimate makes the whole estimate unknown.
    if (estimated !== null && r.duplicate_of === undefined) {
      estimated = typeof r.estimated_cost_usd === 'number' ? estimated + r.estimated_cost_usd : null;
    }
    const totals = (byModel[modelKey(r.model)] ??= { photos: 0, cost_usd: 0 });
    totals.photos++;
    totals.cost_usd += typeof cost === 'number' ? cost : 0;
  }

  const perPhoto = paidPhotos > 0 ? billed / paidPhotos : null;
  const report: CostReport = {
    photos: { total: input.total, ok, failed, skipped: input.skipped, pending: Math.max(0, input.total - ok - failed - input.skipped) },
    cost_usd: {
      billed: roundUsd(billed), estimated: estimated === null ? null : roundUsd(estimated), unreported,
      ...(failedBilled > 0 ? { failed_billed: roundUsd(failedBilled) } : {}),
      ...(byokUpstream > 0 ? { byok_upstream: roundUsd(byokUpstream) } : {}),
    },
    tokens: { prompt, completion },
    by_model: Object.fromEntries(Object.entries(byModel).map(([m, t]) => [m, { photos: t.photos, cost_usd: roundUsd(t.cost_usd) }])),
    elapsed_ms: Math.round(input.elapsedMs),
    per_photo_usd: perPhoto === null ? null : roundUsd(perPhoto),
    projection_usd: {
      photos_100: perPhoto === null ? null : roundUsd(perPhoto * 100),
      photos_1000: perPhoto === null ? null : roundUsd(perPhoto * 1000),
    },
    failures_by_kind: { ...failuresByKind },
    generated_at: (input.now ?? new Date()).toISOString(),
  };
  if (input.stopped) report.stopped = input.stopped;
  if (input.budget) report.budget = roundSummary(input.budget);
  if (input.history) report.all_runs = summarizeHistory(input.history);
  return report;
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

function roundSummary(b: SpendSummary): SpendSummary {
  return {
    ...b, spent_usd: roundUsd(b.spent_usd), ...(b.day_spent_usd === undefined ? {} : { day_spent_usd: roundUsd(b.day_spent_usd) }),
  };
}

/** Costs are tiny fractions of a dollar; keep 10 decimals so sums stay exact to what the API sent. */
export function roundUsd(x: number): number {
  return Math.round(x * 1e10) / 1e10;
}
