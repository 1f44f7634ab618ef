/**
 * `run --reconcile`: checks the inline `usage.cost` each answer carried against what OpenRouter's
 * billing record says (`GET /generation?id=`, openrouter-api.md §7). The inline figure is what the
 * cost report sums, so this is an audit of the report, not something a run needs.
 */
import { DEFAULT_RETRY_POLICY } from '../send/retry-policy.js';
import path from 'node:path';
import pLimit from 'p-limit';
import { writeFileAtomic } from '../record/atomic-write.js';
import { ApiError } from '../send/openrouter/api-error.js';
import type { OpenRouterClient } from '../send/openrouter/client.js';
import type { ResultRecord } from '../types.js';

export const RECONCILE_FILE = 'reconcile.json';
/** Costs are decimals of a dollar; anything below this is float noise, not a billing difference. */
export const COST_TOLERANCE_USD = 1e-9;
/** /generation can 404 for a moment after the answer; clients retry after ~0.5–1 s. */
export const DEFAULT_RETRY_DELAY_MS = DEFAULT_RETRY_POLICY.reconcile.delayMs;
export const DEFAULT_RETRIES = DEFAULT_RETRY_POLICY.reconcile.retries;

export interface ReconcileOptions {
  client: Pick<OpenRouterClient, 'getGeneration'>;
  /** The records of this run; only `ok` answers with a generation id are checked (copies of duplicates are not). */
  records: readonly ResultRecord[];
  /** Lookups at once (default 4): it is an audit, not worth crowding the rate limit. */
  concurrency?: number;
  /** Extra attempts after a 404 or a transient failure (default 3). */
  retries?: number;
  retryDelayMs?: number;
  /** Injectable so tests need not wait. */
  sleep?: (ms: number) => Promise<void>;
  signal?: AbortSignal;
  now?: () => number;
}

export type ReconcileStatus = 'matched' | 'differs' | 'unavailable';

export interface ReconcileEntry {
  file: string;
  generation_id: string;
  status: ReconcileStatus;
  /** `usage.cost` from the answer (null when the answer did not carry one). */
  inline_cost_usd: number | null;
  /** `total_cost` from /generation (null when unavailable). */
  billed_cost_usd: number | null;
  /** billed − inline, when both are known. */
  diff_usd: number | null;
  attempts: number;
  /** Why the billing record could not be read. */
  error?: string;
}

export interface ReconcileReport {
  checked: number;
  matched: number;
  differing: number;
  unavailable: number;
  /** Sums over the records whose billing record was read. */
  inline_total_usd: number;
  billed_total_usd: number;
  at: string;
  entries: ReconcileEntry[];
}

const defaultSleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** A 404 right after the answer, or a transient failure: worth another look after a short pause. */
function worthRetry(err: unknown): boolean {
  if (!(err instanceof ApiError)) return false;
  return err.status === 404 || ['rate_limited', 'timeout', 'network', 'server'].includes(err.kind);
}

export async function reconcileCosts(opts: ReconcileOptions): Promise<ReconcileReport> {
  const sleep = opts.sleep ?? defaultSleep;
  const retries = Math.max(0, opts.retries ?? DEFAULT_RETRIES);
  const delay = opts.retryDelayMs ?? DEFAULT_RETRY_DELAY_MS;
  const limit = pLimit(Math.max(1, opts.concurrency ?? 4));
  const targets = opts.records.filter(
    (r): r is ResultRecord & { generation_id: string } =>
      r.status === 'ok' && typeof r.generation_id === 'string' && r.generation_id !== '' && r.duplicate_of === undefined,
  );

  const checkOne = async (r: ResultRecord & { generation_id: string }): Promise<ReconcileEntry> => {
    const inline = r.usage?.cost_usd ?? null;
    const base = { file: r.file, generation_id: r.generation_id, inline_cost_usd: inline };
    let attempts = 0;
    for (;;) {
      attempts++;
      try {
        const data = await opts.client.getGeneration(r.generation_id, opts.signal ? { signal: opts.signal } : {});
        const total = typeof data.total_cost === 'number' && Number.isFinite(data.total_cost) ? data.total_cost : null;
        // BYOK: total_cost is OpenRouter's fee; the provider's charge is upstream_inference_cost (openrouter-api.md §7).
        const upstream = data.is_byok === true && typeof data.upstream_inference_cost === 'number' ? data.upstream_inference_cost : 0;
        const billed = total === null ? null : total + upstream;
        if (billed === null) return { ...base, status: 'unavailable', billed_cost_usd: null, diff_usd: null, attempts, error: 'the billing record has no total_cost' };
        const diff = inline === null ? null : billed - inline;
        const status: ReconcileStatus = diff !== null && Math.abs(diff) <= COST_TOLERANCE_USD ? 'matched' : 'differs';
        return { ...base, status, billed_cost_usd: billed, diff_usd: diff, attempts };
      } catch (err) {
        if (opts.signal?.aborted) throw err;
        if (attempts <= retries && worthRetry(err)) {
          await sleep(delay);
          continue;
        }
        const message = err instanceof Error ? err.message.split('\n')[0]! : String(err);
        return { ...base, status: 'unavailable', billed_cost_usd: null, diff_usd: null, attempts, error: message };
      }
    }
  };

  const entries = await Promise.all(targets.map((r) => limit(() => checkOne(r))));
  const count = (s: ReconcileStatus) => entries.filter((e) => e.status === s).length;
  const read = entries.filter((e) => e.billed_cost_usd !== null);
  return {
    checked: entries.length,
    matched: count('matched'),
    differing: count('differs'),
    unavailable: count('unavailable'),
    inline_total_usd: sum(read.map((e) => e.inline_cost_usd ?? 0)),
    billed_total_usd: sum(read.map((e) => e.billed_cost_usd ?? 0)),
    at: new Date((opts.now ?? Date.now)()).toISOString(),
    entries,
  };
}

// Integer units of 1e-10 USD, as the budget keeps them, so a long sum does not drift.
const sum = (xs: readonly number[]) => xs.reduce((a, x) => a + Math.round(x * 1e10), 0) / 1e10;

/** Writes `<out>/reconcile.json` atomically, like the cost report, so a reader never sees half of it. */
export async function writeReconcileFile(outDir: string, report: ReconcileReport): Promise<string> {
  const file = path.join(outDir, RECONCILE_FILE);
  await writeFileAtomic(file, JSON.stringify(report, null, 2) + '\n');
  return file;
}

/** One paragraph for stderr: the counts, the money, and which files differ (the first few). */
export function summarizeReconcile(report: ReconcileReport, file: string): string {
  if (report.checked === 0) return `Reconcile: no answers of this run to check against OpenRouter's billing records. Details: ${file}.`;
  const usd = (x: number) => `$${x.toFixed(6)}`;
  const parts = [
    `Reconcile: checked ${report.checked} answers against OpenRouter's billing records: ${report.matched} matched, ` +
      `${report.differing} differ, ${report.unavailable} unavailable.`,
  ];
  if (report.matched + report.differing > 0) {
    parts.push(`Inline costs ${usd(report.inline_total_usd)}, billed ${usd(report.billed_total_usd)}.`);
  }
  const differing = report.entries.filter((e) => e.status === 'differs');
  if (differing.length > 0) {
    const shown = differing.slice(0, 5).map((e) => `${e.file} (${e.inline_cost_usd === null ? 'no inline cost' : usd(e.inline_cost_usd)} vs ${usd(e.billed_cost_usd ?? 0)})`);
    parts.push(`Differing: ${shown.join(', ')}${differing.length > 5 ? ` and ${differing.length - 5} more` : ''}.`);
  }
  if (report.unavailable > 0) parts.push('Unavailable records may appear later; OpenRouter\'s activity page shows the final bill.');
  parts.push(`Details: ${file}.`);
  return parts.join(' ');
}
