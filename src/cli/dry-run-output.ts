import type { DryRunPhoto, DryRunSummary, DryRunTotals } from '../core/run/dry-run.js';
import { escapeJsonControls } from './terminal-text.js';

/**
 * What a dry run puts on stdout, its data, plain: the expected cost in USD as one bare number
 * (`est=$(photobatch run ./photos --dry-run)`), or `unknown` when the model's price is not known.
 * With --json it is the whole estimate as one document (`dryRunJson`). The human breakdown goes to stderr.
 */
export function dryRunCostLine(t: DryRunTotals): string {
  const usd = t.totals.expectedUsd;
  return `${usd === null ? 'unknown' : Number(usd.toFixed(6)).toString()}\n`;
}

/** Where `photos` sits in the pretty-printed document: a newline is never inside a JSON string, so this is the key. */
const PHOTOS_KEY = '\n  "photos": [';

/**
 * The --json document written as it is computed: its head, then each photo's estimate as it comes, then the totals.
 * Byte for byte what `JSON.stringify(document, null, 2)` gives, so readers see the same document; only the
 * photo being written is in memory (issue 14: a dry run of 100,000 photos keeps none of their estimates).
 */
export function dryRunJson(write: (text: string) => void, head: Pick<DryRunTotals, 'model' | 'family' | 'familyNote'>) {
  const pretty = (value: unknown) => escapeJsonControls(JSON.stringify(snakeKeys(value), null, 2));
  const start = pretty({ ...head, photos: [] });
  write(start.slice(0, start.indexOf(PHOTOS_KEY) + PHOTOS_KEY.length));
  let written = 0;
  return {
    photo(p: DryRunPhoto): void {
      write(`${written++ === 0 ? '' : ','}\n    ${pretty(p).split('\n').join('\n    ')}`);
    },
    end(summary: DryRunSummary, extra: Record<string, unknown>): void {
      const { count: _count, sentSizes: _sizes, firstErrors: _errors, model: _model, family: _family, familyNote: _note, ...totals } = summary;
      const whole = pretty({ ...head, photos: [], ...totals, ...extra });
      write(`${written > 0 ? '\n  ' : ''}${whole.slice(whole.indexOf(PHOTOS_KEY) + PHOTOS_KEY.length)}\n`);
    },
  };
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
