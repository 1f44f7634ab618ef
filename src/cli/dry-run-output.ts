import type { DryRunEstimate } from '../core/dry-run.js';
import { escapeJsonControls } from './terminal-text.js';

/**
 * What a dry run puts on stdout, its data: plain, the expected cost in USD as one bare number
 * (`est=$(photobatch run ./photos --dry-run)`), or `unknown` when the model's price is not known;
 * with --json, the whole estimate as one document. The human breakdown goes to stderr.
 */
export function dryRunStdout(e: DryRunEstimate, extra: Record<string, unknown>, json: boolean): string {
  if (json) return escapeJsonControls(JSON.stringify(snakeKeys({ ...e, ...extra }), null, 2)) + '\n';
  const usd = e.totals.expectedUsd;
  return `${usd === null ? 'unknown' : Number(usd.toFixed(6)).toString()}\n`;
}

/**
 * snake_case keys, like results.jsonl and cost-report.json. (Before 0.2 the dry-run document used
 * camelCase: totals.expectedUsd is now totals.expected_usd; the README has the note.)
 */
export function snakeKeys(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(snakeKeys);
  if (value === null || typeof value !== 'object') return value;
  return Object.fromEntries(
    Object.entries(value).map(([k, v]) => [k.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`), snakeKeys(v)]),
  );
}
