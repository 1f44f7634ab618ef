import { describe, expect, it } from 'vitest';
import { buildReport, latestByPath } from '../../src/core/outputs/report.js';
import type { ResultRecord } from '../../src/core/types.js';

const ok = (file: string, cost: number | null, model = 'm/a', est: number | null = 0.001): ResultRecord => ({
  file, path: `/p/${file}`, status: 'ok', model, attempts: 1, job: 'j', at: '',
  usage: { prompt_tokens: 100, completion_tokens: 10, cost_usd: cost }, estimated_cost_usd: est,
});
const failed = (file: string, kind: 'unreadable' | 'timeout'): ResultRecord => ({
  file, path: `/p/${file}`, status: 'failed', attempts: 1, job: 'j', at: '', error: { kind, http_status: null, message: 'x' },
});

describe('buildReport', () => {
  it('bills the sum of usage.cost, by the model that answered, with projections', () => {
    const r = buildReport({
      records: [ok('a', 0.001), ok('b', 0.003, 'm/b'), failed('c', 'unreadable'), failed('d', 'timeout')],
      total: 5, skipped: 1, elapsedMs: 1234,
    });
    expect(r.photos).toEqual({ total: 5, ok: 2, failed: 2, skipped: 1, pending: 0 });
    expect(r.cost_usd.billed).toBeCloseTo(0.004, 12);
    expect(r.cost_usd.estimated).toBeCloseTo(0.002, 12);
    expect(r.by_model).toEqual({ 'm/a': { photos: 1, cost_usd: 0.001 }, 'm/b': { photos: 1, cost_usd: 0.003 } });
    expect(r.tokens).toEqual({ prompt: 200, completion: 20 });
    expect(r.per_photo_usd).toBeCloseTo(0.002, 12);
    expect(r.projection_usd.photos_1000).toBeCloseTo(2, 9);
    expect(r.failures_by_kind).toEqual({ unreadable: 1, timeout: 1 });
  });

  it('keeps unreported costs out of the bill and says how many there were', () => {
    const r = buildReport({ records: [ok('a', null), ok('b', 0.002, 'm/a', null)], total: 2, skipped: 0, elapsedMs: 0 });
    expect(r.cost_usd.billed).toBe(0.002);
    expect(r.cost_usd.unreported).toBe(1);
    expect(r.cost_usd.estimated).toBeNull();
  });

  it('latestByPath: an ok answer is not undone by a later failure', () => {
    const latest = latestByPath([failed('a', 'timeout'), ok('a', 0.001), failed('a', 'timeout'), ok('b', 0.001)]);
    expect(latest.map((r) => [r.file, r.status])).toEqual([['a', 'ok'], ['b', 'ok']]);
  });
});
