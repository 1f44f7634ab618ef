import { describe, expect, it } from 'vitest';
import { dryRunJson, snakeKeys } from '../../src/cli/dry-run-output.js';
import { escapeJsonControls } from '../../src/cli/terminal-text.js';
import type { DryRunPhoto, DryRunSummary } from '../../src/core/run/dry-run.js';

const summary: DryRunSummary = {
  model: 'openai/gpt-4o-mini', family: 'unknown', familyNote: 'a note', readable: 2, unreadable: 1,
  expectedOutputTokens: 120, expectedOutputSource: 'default', expectedReasoningTokens: 0, requestsPerPhoto: 1,
  totals: { imageTokens: 10, promptTokens: 30, expectedUsd: 0.5, worstUsd: null, perPhotoUsd: 0.25, seconds: 4 },
  count: 3, sentSizes: new Map([['768×512', 2]]), firstErrors: [],
};
const photos: DryRunPhoto[] = [
  { file: 'a.jpg', path: '/p/a.jpg', width: 4000, height: 3000, sentWidth: 768, sentHeight: 576, imageTokens: 5, promptTokens: 15, expectedUsd: 0.25 },
  { file: 'b\u0085\u2028.jpg', path: '/p/b\u0085\u2028.jpg', error: { kind: 'unreadable', message: 'not an image "x"\n' } },
  { file: 'c.jpg', path: '/p/c.jpg', width: 10, height: 10, sentWidth: 10, sentHeight: 10, imageTokens: 5, promptTokens: 15, expectedUsd: 0.25 },
];
const extra = { tiers: { standard_usd: 0.5, flex_usd: null }, prices: { source: 'snapshot', date: '2026-11-01' } };

describe('the --json dry-run document, written as it is computed', () => {
  for (const n of [0, 1, 3]) {
    it(`is byte for byte the whole document pretty-printed (${n} photos)`, () => {
      let out = '';
      const json = dryRunJson((t) => (out += t), { model: summary.model, family: summary.family, familyNote: summary.familyNote! });
      for (const p of photos.slice(0, n)) json.photo(p);
      json.end(summary, extra);
      const { count: _c, sentSizes: _s, firstErrors: _e, ...totals } = summary;
      const { model, family, familyNote, ...rest } = totals;
      const whole = { model, family, familyNote, photos: photos.slice(0, n), ...rest, ...extra };
      expect(out).toBe(escapeJsonControls(JSON.stringify(snakeKeys(whole), null, 2)) + '\n');
      expect((JSON.parse(out) as { photos: unknown[] }).photos).toHaveLength(n);
    });
  }
});
