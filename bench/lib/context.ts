import type { Row } from './report.js';
import type { ToolRun } from './photobatch.js';

export interface Ctx {
  quick: boolean;
  /** photobatch runs of this invocation, reused by benchmark 3 (same run, side by side). */
  memo: Map<string, ToolRun>;
  /** Everything measured, written to bench/.work/last-results.json. */
  details: Record<string, unknown>;
  /** Findings printed under the table and written to the README. */
  notes: string[];
}

export interface Bench {
  id: number;
  title: string;
  run(ctx: Ctx): Promise<Row[]>;
}

/** Scenario 1 (latency) and 2 (rate limit) settings, shared by benchmarks 1, 2, 3 and 5. */
export const LATENCY_MS = 250;
export const JITTER = 0.1;
export const latencyFake = () => ({ latencyMs: LATENCY_MS, jitter: JITTER });
