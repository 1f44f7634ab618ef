import { describe, expect, test } from 'vitest';
import { parseUsage, isDocumentedFree } from '../../src/core/send/openrouter/usage.js';
import { sameModel } from '../../src/core/pricing/model-names.js';
import { planReasoning } from '../../src/core/prompt/reasoning.js';
import { SpendCaps, localDay } from '../../src/core/pricing/spend-caps.js';
import { historyStats } from '../../src/core/record/history.js';
import { buildReport } from '../../src/core/outputs/report.js';
import type { ResultRecord } from '../../src/core/types.js';

const rec = (over: Partial<ResultRecord>): ResultRecord => ({
  file: 'a.jpg', path: '/p/a.jpg', status: 'ok', attempts: 1, job: 'j', at: new Date().toISOString(), ...over,
});

describe('usage as OpenRouter bills it (openrouter-api.md §2.2, §2.3)', () => {
  test('BYOK: cost 0 plus the upstream charge, both kept', () => {
    const u = parseUsage({ prompt_tokens: 326, completion_tokens: 89, cost: 0, is_byok: true, cost_details: { upstream_inference_cost: 0.0003203 } });
    expect(u).toMatchObject({ cost_usd: 0.0003203, openrouter_cost_usd: 0, upstream_cost_usd: 0.0003203, is_byok: true });
  });
  test('BYOK with a fee: the sum', () => {
    expect(parseUsage({ cost: 0.00001, is_byok: true, cost_details: { upstream_inference_cost: 0.0002 } }).cost_usd).toBeCloseTo(0.00021, 12);
  });
  test('a missing cost is unknown, not zero, unless the answer is documented free', () => {
    expect(parseUsage({ prompt_tokens: 17, completion_tokens: 1515 }).cost_usd).toBeNull();
    expect(parseUsage({ prompt_tokens: 0, completion_tokens: 0 }, { free: true }).cost_usd).toBe(0);
  });
  test('reasoning tokens are kept', () => {
    expect(parseUsage({ completion_tokens: 2177, completion_tokens_details: { reasoning_tokens: 960 }, cost: 0.004 }).reasoning_tokens).toBe(960);
  });
  test.each([
    [0, null, true], [0, '', true], [5, 'error', true], [0, 'length', false], [300, 'length', false], [12, 'stop', false], [0, 'content_filter', false],
  ] as const)('completion %i, finish %s → free %s', (tokens, finish, free) => {
    expect(isDocumentedFree(tokens, finish)).toBe(free);
  });
});

describe('dated snapshots match the model asked for', () => {
  test.each([
    ['anthropic/claude-sonnet-4.6', 'anthropic/claude-4.6-sonnet-20260217', true],
    ['anthropic/claude-sonnet-4.5', 'anthropic/claude-4.5-sonnet-20250929', true],
    ['openai/gpt-4.1-mini', 'openai/gpt-4.1-mini-2025-04-14', true],
    ['google/gemini-2.5-flash:free', 'google/gemini-2.5-flash', true],
    ['openai/gpt-4o', 'openai/gpt-4o-mini', false],
    ['anthropic/claude-sonnet-4.6', 'anthropic/claude-4.5-sonnet-20250929', false],
  ])('%s ~ %s: %s', (a, b, same) => {
    expect(sameModel(a, b)).toBe(same);
  });

  test('history and the by-model bill count snapshots under the name asked for', () => {
    const records = [
      rec({ model: 'anthropic/claude-4.6-sonnet-20260217', usage: { prompt_tokens: 500, completion_tokens: 40, cost_usd: 0.002, requests: 1 } }),
      rec({ path: '/p/b.jpg', status: 'failed', model: 'anthropic/claude-4.6-sonnet-20260217', usage: { prompt_tokens: 500, completion_tokens: 20, cost_usd: 0.001, requests: 2 }, error: { kind: 'invalid_output', http_status: null, message: 'x' } }),
    ];
    expect(historyStats(records, 'anthropic/claude-sonnet-4.6')).toMatchObject({ avgCompletionTokens: 20, requestsPerPhoto: 1.5, answers: 2 });
    const report = buildReport({ records, total: 2, skipped: 0, elapsedMs: 1, requestedModel: 'anthropic/claude-sonnet-4.6' });
    expect(Object.keys(report.by_model)).toEqual(['anthropic/claude-sonnet-4.6']);
    expect(report.by_model['anthropic/claude-sonnet-4.6']!.cost_usd).toBeCloseTo(0.003, 12);
    expect(report.cost_usd).toMatchObject({ billed: 0.003, failed_billed: 0.001 });
  });
});

describe('the reasoning setting sent', () => {
  test.each([
    ['anthropic/claude-sonnet-5', 'auto', { enabled: false }],
    ['anthropic/claude-opus-5.5', 'auto', { effort: 'low' }],
    ['anthropic/claude-fable-5.1', 'off', { effort: 'low' }],
    ['openai/gpt-5-mini', 'auto', { effort: 'minimal' }],
    ['openai/gpt-5.1', 'off', { enabled: false }],
    ['openai/o4-mini', 'auto', { effort: 'low' }],
    ['google/gemini-2.5-flash', 'auto', { enabled: false }],
    ['google/gemini-2.5-pro', 'auto', { effort: 'low' }],
    ['anthropic/claude-sonnet-4.5', 'high', { effort: 'high' }],
  ] as const)('%s --reasoning %s → %j', (model, choice, field) => {
    expect(planReasoning(model, choice).field).toEqual(field);
  });
  test('models not known to reason get no field (they may reject it)', () => {
    expect(planReasoning('qwen/qwen2.5-vl-72b-instruct', 'auto').field).toBeUndefined();
  });
  test('/models facts win over the built-in table', () => {
    expect(planReasoning('acme/thinker', 'auto', { defaultEnabled: true, mandatory: true, supportedEfforts: ['low', 'high'] })).toMatchObject({ field: { effort: 'low' }, on: true });
  });
});

describe('spend caps per folder and per day', () => {
  test('what earlier runs billed counts against --max-cost', async () => {
    const caps = new SpendCaps({ maxCostUsd: 0.01, history: [rec({ usage: { prompt_tokens: 1, completion_tokens: 1, cost_usd: 0.009 } })] });
    expect(await caps.reserve(0.002)).toBeNull();
    expect(caps.stopReason).toBe('budget');
    expect(await caps.reserve(0.0009)).not.toBeNull();
  });
  test("the daily cap counts today's records only and starts afresh after local midnight", async () => {
    let now = new Date(2026, 11, 1, 23, 59, 0).getTime();
    const yesterday = new Date(2026, 10, 30, 12).toISOString();
    const today = new Date(2026, 11, 1, 9).toISOString();
    const caps = new SpendCaps({
      maxCostPerDayUsd: 0.01, now: () => now,
      history: [rec({ at: yesterday, usage: { prompt_tokens: 1, completion_tokens: 1, cost_usd: 0.5 } }), rec({ at: today, usage: { prompt_tokens: 1, completion_tokens: 1, cost_usd: 0.0095 } })],
    });
    expect(await caps.reserve(0.001)).toBeNull();
    expect(caps.stopReason).toBe('daily_budget');
    expect(caps.stopMessage()).toMatch(/resumes at local midnight \(2026-12-02 00:00\)/);
    now += 2 * 60_000;
    expect(localDay(now)).toBe('2026-12-02');
    const r = await caps.reserve(0.001);
    expect(r).not.toBeNull();
    caps.settle(r!, 0.0008);
    expect(caps.summary()).toMatchObject({ day: '2026-12-02', day_cap_usd: 0.01 });
    expect(caps.summary().day_spent_usd).toBeCloseTo(0.0008, 12);
  });
});

describe('the summary reads the bill against the estimate the natural way', () => {
  test('positive when the bill is above the estimate', async () => {
    const { percentDiff } = await import('../../src/cli/format.js');
    expect(percentDiff(0.011, 0.01)).toBe('+10.0%');
    expect(percentDiff(0.009, 0.01)).toBe('−10.0%');
    expect(percentDiff(0, 0)).toBe('±0%');
  });
});
