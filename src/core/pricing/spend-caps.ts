/**
 * --max-cost and --max-cost-per-day: caps on everything billed into one --out folder, across runs. What earlier
 * runs billed (results.jsonl) counts against the cap, so re-running the same command never spends a second budget;
 * the daily cap counts what was billed on the current local calendar day and starts afresh at local midnight.
 */
import { Budget, type Reservation } from './budget.js';
import type { ResultRecord } from '../types.js';

export interface SpendCapsOptions {
  maxCostUsd?: number;
  maxCostPerDayUsd?: number;
  /** Every record already in the folder's results.jsonl. */
  /** What was billed into the folder before this run: its records, or a SpendHistory summed while streaming them. */
  history: readonly ResultRecord[] | SpendHistory;
  now?: () => number;
}

/** What earlier runs billed, in total and per local day: summed one record at a time, never holding them. */
export class SpendHistory {
  total = 0;
  readonly byDay = new Map<string, number>();
  add(r: ResultRecord): void {
    const billed = billedOf(r);
    if (billed === 0) return;
    this.total += billed;
    if (r.at) {
      const day = localDay(Date.parse(r.at));
      this.byDay.set(day, (this.byDay.get(day) ?? 0) + billed);
    }
  }
  static of(records: Iterable<ResultRecord>): SpendHistory {
    const h = new SpendHistory();
    for (const r of records) h.add(r);
    return h;
  }
}

export interface CapReservation {
  total?: Reservation;
  daily?: { budget: Budget; r: Reservation };
}

export interface SpendSummary {
  cap_usd?: number;
  /** Billed into the folder across runs (what --max-cost counts). */
  spent_usd: number;
  day_cap_usd?: number;
  day?: string;
  day_spent_usd?: number;
}

/** YYYY-MM-DD of the local calendar day. */
export function localDay(ms: number): string {
  const d = new Date(ms);
  return `${d.getFullYear()}-${String(d.getMonth() + 1).padStart(2, '0')}-${String(d.getDate()).padStart(2, '0')}`;
}

/** Epoch ms of the next local midnight. */
export function nextLocalMidnight(ms: number): number {
  const d = new Date(ms);
  return new Date(d.getFullYear(), d.getMonth(), d.getDate() + 1).getTime();
}

/** What a record was billed: its usage.cost, else (cost unreported) its estimate, so the cap errs on the safe side. */
function billedOf(r: ResultRecord): number {
  if (r.duplicate_of !== undefined) return 0;
  const cost = r.usage?.cost_usd;
  if (typeof cost === 'number') return cost;
  return r.usage && typeof r.estimated_cost_usd === 'number' ? r.estimated_cost_usd : 0;
}

const money = (x: number) => `$${x.toFixed(x >= 1 ? 2 : 4)}`;

export class SpendCaps {
  readonly maxCostUsd: number | undefined;
  readonly maxCostPerDayUsd: number | undefined;
  readonly #now: () => number;
  readonly #total: Budget | undefined;
  readonly #history: SpendHistory;
  #daily: { day: string; budget: Budget } | undefined;
  #blocked: 'budget' | 'daily_budget' = 'budget';
  /** Billed into the folder before this run, and by this run (settled). */
  #before: number;
  #settled = 0;

  constructor(opts: SpendCapsOptions) {
    this.maxCostUsd = opts.maxCostUsd;
    this.maxCostPerDayUsd = opts.maxCostPerDayUsd;
    this.#now = opts.now ?? Date.now;
    this.#history = opts.history instanceof SpendHistory ? opts.history : SpendHistory.of(opts.history);
    this.#before = this.#history.total;
    this.#total = opts.maxCostUsd === undefined ? undefined : new Budget(opts.maxCostUsd, this.#before);
  }

  get active(): boolean {
    return this.maxCostUsd !== undefined || this.maxCostPerDayUsd !== undefined;
  }

  /** The daily budget of today, rebuilt from the history when the local date has changed. */
  #today(): Budget | undefined {
    if (this.maxCostPerDayUsd === undefined) return undefined;
    const day = localDay(this.#now());
    if (this.#daily?.day !== day) {
      // A run that crosses midnight starts the new day at zero: its settled spend belongs to the day before.
      const earlier = this.#daily ? 0 : (this.#history.byDay.get(day) ?? 0);
      this.#daily = { day, budget: new Budget(this.maxCostPerDayUsd, earlier) };
    }
    return this.#daily.budget;
  }

  /** Reserves one request's worst case under every cap, or null (and remembers which cap refused). */
  async reserve(worstUsd: number, signal?: AbortSignal): Promise<CapReservation | null> {
    const out: CapReservation = {};
    if (this.#total) {
      const r = await this.#total.reserve(worstUsd, signal);
      if (!r) {
        this.#blocked = 'budget';
        return null;
      }
      out.total = r;
    }
    const daily = this.#today();
    if (daily) {
      const r = await daily.reserve(worstUsd, signal);
      if (!r) {
        if (out.total) this.#total!.release(out.total);
        this.#blocked = 'daily_budget';
        return null;
      }
      out.daily = { budget: daily, r };
    }
    return out;
  }

  /** Turns a reservation into what was billed (null = unknown: the worst case counts). */
  settle(res: CapReservation, billedUsd: number | null): void {
    this.#settled += billedUsd ?? 0;
    if (res.total) this.#total!.settle(res.total, billedUsd);
    if (res.daily) res.daily.budget.settle(res.daily.r, billedUsd);
  }

  release(res: CapReservation): void {
    if (res.total) this.#total!.release(res.total);
    if (res.daily) res.daily.budget.release(res.daily.r);
  }

  get stopReason(): 'budget' | 'daily_budget' {
    return this.#blocked;
  }

  summary(): SpendSummary {
    const s: SpendSummary = { spent_usd: this.#total ? this.#total.spentUsd : this.#before + this.#settled };
    if (this.maxCostUsd !== undefined) s.cap_usd = this.maxCostUsd;
    if (this.maxCostPerDayUsd !== undefined) {
      const daily = this.#today()!;
      s.day_cap_usd = this.maxCostPerDayUsd;
      s.day = this.#daily!.day;
      s.day_spent_usd = daily.spentUsd;
    }
    return s;
  }

  /** The stop message: what was spent against which cap, and exactly what to do. */
  stopMessage(okPhotos?: number): string {
    const after = okPhotos === undefined ? '' : ` after ${okPhotos} photo${okPhotos === 1 ? '' : 's'}`;
    if (this.#blocked === 'daily_budget') {
      const s = this.summary();
      const resume = nextLocalMidnight(this.#now());
      return `Daily budget reached${after}: ${money(s.day_spent_usd ?? 0)} of --max-cost-per-day ${money(this.maxCostPerDayUsd!)} is billed into this folder on ${s.day}. ` +
        `It resumes at local midnight (${localDay(resume)} 00:00): re-run the same command then, or raise --max-cost-per-day.`;
    }
    const spent = this.#total?.spentUsd ?? 0;
    return `Budget reached${after}: ${money(spent)} of --max-cost ${money(this.maxCostUsd!)} is billed into this folder (all runs). ` +
      `--max-cost caps the folder's total, so re-run with a higher --max-cost to continue.`;
  }
}
