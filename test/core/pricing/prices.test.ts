import { mkdtemp, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, test, vi } from 'vitest';
import { familyFor } from '../../../src/core/pricing/image-tokens.js';
import { cacheFileFor, CACHE_FILE, CACHE_TTL_MS, defaultCacheDir } from '../../../src/core/pricing/price-cache.js';
import {
  findPrice,
  loadPrices,
  loadSnapshot,
  parseModelPrice,
  type ModelPrice,
} from '../../../src/core/pricing/prices.js';

/** A `/models` entry as the API returns it (openrouter-api.md §6). */
const apiModel = (id: string, pricing: Record<string, unknown>, extra: Record<string, unknown> = {}) => ({
  id,
  name: `Name of ${id}`,
  context_length: 128000,
  architecture: { modality: 'text+image->text', input_modalities: ['text', 'image'], output_modalities: ['text'] },
  pricing,
  ...extra,
});

describe('parseModelPrice', () => {
  test('price strings become numbers; modalities and context come along', () => {
    const p = parseModelPrice(apiModel('openai/gpt-4o', { prompt: '0.0000025', completion: '0.00001', image: '0.003613', request: '0' }));
    expect(p).toEqual<ModelPrice>({
      id: 'openai/gpt-4o', name: 'Name of openai/gpt-4o', prompt: 0.0000025, completion: 0.00001, image: 0.003613, request: 0,
      discount: 0, inputModalities: ['text', 'image'], outputModalities: ['text'], contextLength: 128000,
    });
  });

  test('"-1" (router models) is unknown: null, never a negative price', () => {
    const p = parseModelPrice(apiModel('openrouter/auto', { prompt: '-1', completion: '-1', image: '-1', request: '-1' }));
    expect(p).toMatchObject({ prompt: null, completion: null, image: null, request: null });
  });

  test('missing prompt/completion are unknown; missing image/request are free', () => {
    const p = parseModelPrice({ id: 'x/y', pricing: {} });
    expect(p).toMatchObject({ prompt: null, completion: null, image: 0, request: 0, discount: 0 });
    expect(parseModelPrice({ id: 'x/y' })).toMatchObject({ prompt: null, completion: null });
  });

  test('garbage prices are unknown, "0" is free', () => {
    const p = parseModelPrice({ id: 'x/y', pricing: { prompt: 'abc', completion: '0', image: '', request: ' 0.01 ' } });
    expect(p).toMatchObject({ prompt: null, completion: 0, image: 0, request: 0.01 });
  });

  test('discount is kept as a fraction (applied by the estimate)', () => {
    expect(parseModelPrice({ id: 'x/y', pricing: { prompt: '1', completion: '1', discount: 0.25 } }).discount).toBe(0.25);
    expect(parseModelPrice({ id: 'x/y', pricing: { prompt: '1', completion: '1', discount: '0.5' } }).discount).toBe(0.5);
    expect(parseModelPrice({ id: 'x/y', pricing: { prompt: '1', completion: '1', discount: -3 } }).discount).toBe(0);
  });

  test('snapshot-shaped entries (modalities at the top level) parse too', () => {
    const p = parseModelPrice({ id: 'a/b', pricing: { prompt: '0.000001', completion: '0.000002' }, input_modalities: ['text', 'image'] });
    expect(p.inputModalities).toEqual(['text', 'image']);
  });

  test.each([null, 42, 'openai/gpt-4o', {}, { id: 3 }, { id: '' }])('rejects %j without a string id', (bad) => {
    expect(() => parseModelPrice(bad)).toThrow(TypeError);
  });
});

describe('loadSnapshot', () => {
  test('a dated list of vision models with per-token prices', async () => {
    const snap = await loadSnapshot();
    expect(snap.date).toMatch(/^\d{4}-\d{2}-\d{2}$/);
    expect(snap.source).toMatch(/photobatch models/);
    expect(snap.models.length).toBeGreaterThanOrEqual(20);
    const ids = snap.models.map((m) => m.id);
    expect(new Set(ids).size).toBe(ids.length);
    for (const id of [
      'anthropic/claude-sonnet-4.5', 'anthropic/claude-haiku-4.5', 'openai/gpt-4o', 'openai/gpt-4o-mini', 'openai/gpt-4.1-mini',
      'openai/gpt-5', 'google/gemini-2.5-flash', 'google/gemini-3-pro-preview', 'qwen/qwen2.5-vl-72b-instruct',
      'meta-llama/llama-3.2-11b-vision-instruct', 'openrouter/auto',
    ]) {
      expect(ids).toContain(id);
    }
    for (const m of snap.models) {
      expect(m.inputModalities).toContain('image');
      if (m.id === 'openrouter/auto') {
        expect(m.prompt).toBeNull();
        expect(m.completion).toBeNull();
        continue;
      }
      expect(m.prompt).toBeGreaterThan(0);
      expect(m.prompt).toBeLessThan(0.0001); // per token, not per million
      expect(m.completion).toBeGreaterThan(0);
      expect(m.image).toBe(0);
    }
  });

  test('every snapshot model except a few named ones has a known image rule', async () => {
    const unknown = (await loadSnapshot()).models.filter((m) => familyFor(m.id).family === 'unknown').map((m) => m.id);
    expect(unknown.sort()).toEqual(['meta-llama/llama-4-maverick', 'mistralai/pixtral-12b', 'mistralai/pixtral-large-2411', 'openrouter/auto']);
  });
});

describe('defaultCacheDir', () => {
  test.each([
    [{ XDG_CACHE_HOME: '/xdg/cache' }, '/xdg/cache/photobatch'],
    [{ XDG_CACHE_HOME: 'relative/cache' }, '/home/u/.cache/photobatch'],
    [{ XDG_CACHE_HOME: '' }, '/home/u/.cache/photobatch'],
    [{}, '/home/u/.cache/photobatch'],
  ])('%j → %s', (env, dir) => {
    expect(defaultCacheDir(env, '/home/u')).toBe(path.normalize(dir));
  });
});

describe('loadPrices', () => {
  let dir: string;
  let clock: number;
  const now = () => clock;
  const live = [
    apiModel('openai/gpt-4o', { prompt: '0.0000025', completion: '0.00001' }),
    apiModel('openrouter/auto', { prompt: '-1', completion: '-1' }),
    { name: 'no id: skipped' },
  ];

  beforeEach(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'photobatch-prices-'));
    clock = Date.parse('2026-11-26T10:00:00Z');
  });
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  test('offline without a cache: the bundled snapshot', async () => {
    const fetchModels = vi.fn(async () => live);
    const t = await loadPrices({ offline: true, cacheDir: dir, now, fetchModels });
    expect(t.source).toBe('snapshot');
    expect(t.date).toBe((await loadSnapshot()).date);
    expect(t.models.get('anthropic/claude-sonnet-4.5')?.prompt).toBe(0.000003);
    expect(t.warning).toBeUndefined();
    expect(fetchModels).not.toHaveBeenCalled();
  });

  test('live, then the cache for 24 h, then live again', async () => {
    const fetchModels = vi.fn(async () => live);
    const first = await loadPrices({ cacheDir: dir, now, fetchModels });
    expect(first.source).toBe('live');
    expect(first.date).toBe('2026-11-26');
    expect([...first.models.keys()]).toEqual(['openai/gpt-4o', 'openrouter/auto']);
    expect(await readdir(dir)).toEqual([CACHE_FILE]);

    clock += CACHE_TTL_MS - 60_000;
    const second = await loadPrices({ cacheDir: dir, now, fetchModels });
    expect(second.source).toBe('cache');
    expect(second.date).toBe('2026-11-26');
    expect(second.models.get('openai/gpt-4o')).toEqual(first.models.get('openai/gpt-4o'));
    expect(second.models.get('openrouter/auto')?.prompt).toBeNull(); // "-1" survives the round trip
    expect(fetchModels).toHaveBeenCalledTimes(1);

    clock += 120_000;
    expect((await loadPrices({ cacheDir: dir, now, fetchModels })).source).toBe('live');
    expect(fetchModels).toHaveBeenCalledTimes(2);
  });

  test('refresh fetches even when the cache is fresh', async () => {
    const fetchModels = vi.fn(async () => live);
    await loadPrices({ cacheDir: dir, now, fetchModels });
    expect((await loadPrices({ cacheDir: dir, now, fetchModels, refresh: true })).source).toBe('live');
    expect(fetchModels).toHaveBeenCalledTimes(2);
  });

  test('offline uses a stale cache when it is newer than the snapshot', async () => {
    await loadPrices({ cacheDir: dir, now, fetchModels: async () => live });
    clock += 3 * CACHE_TTL_MS;
    const t = await loadPrices({ cacheDir: dir, now, offline: true });
    expect(t).toMatchObject({ source: 'cache', date: '2026-11-26' });
  });

  test('a failed fetch falls back with a warning and never throws', async () => {
    const fetchModels = vi.fn(async (): Promise<unknown[]> => {
      throw new Error('getaddrinfo ENOTFOUND openrouter.ai\nmore detail');
    });
    const t = await loadPrices({ cacheDir: dir, now, fetchModels });
    expect(t.source).toBe('snapshot');
    expect(t.warning).toMatch(/^Could not fetch current prices \(getaddrinfo ENOTFOUND openrouter\.ai\); using the bundled price list of \d{4}-\d{2}-\d{2}$/);

    await loadPrices({ cacheDir: dir, now, fetchModels: async () => live });
    clock += 2 * CACHE_TTL_MS;
    const stale = await loadPrices({ cacheDir: dir, now, fetchModels });
    expect(stale).toMatchObject({ source: 'cache', date: '2026-11-26' });
    expect(stale.warning).toMatch(/using prices cached on 2026-11-26$/);
  });

  test('an empty model list is not trusted', async () => {
    const t = await loadPrices({ cacheDir: dir, now, fetchModels: async () => [] });
    expect(t.source).toBe('snapshot');
    expect(t.warning).toMatch(/empty/);
  });

  test('a corrupt cache is ignored', async () => {
    await writeFile(path.join(dir, CACHE_FILE), '{ not json');
    expect((await loadPrices({ cacheDir: dir, now, offline: true })).source).toBe('snapshot');
    const t = await loadPrices({ cacheDir: dir, now, fetchModels: async () => live });
    expect(t.source).toBe('live');
    expect(JSON.parse(await readFile(path.join(dir, CACHE_FILE), 'utf8')).date).toBe('2026-11-26');
  });

  test('an unwritable cache folder still gives live prices', async () => {
    const file = path.join(dir, 'a-file');
    await writeFile(file, '');
    const t = await loadPrices({ cacheDir: path.join(file, 'sub'), now, fetchModels: async () => live });
    expect(t.source).toBe('live');
  });

  test('the default cache folder follows XDG_CACHE_HOME', async () => {
    await loadPrices({ env: { XDG_CACHE_HOME: dir }, now, fetchModels: async () => live });
    expect(await readdir(path.join(dir, 'photobatch'))).toEqual([CACHE_FILE]);
  });
});

describe('findPrice', () => {
  const gpt = parseModelPrice(apiModel('openai/gpt-4o', { prompt: '0.0000025', completion: '0.00001', image: '0.003613' }));
  const free = parseModelPrice(apiModel('google/gemini-2.0-flash-exp:free', { prompt: '0', completion: '0' }));
  const models = new Map([gpt, free].map((m) => [m.id, m]));

  test('exact and case-insensitive', () => {
    expect(findPrice(models, 'openai/gpt-4o')).toBe(gpt);
    expect(findPrice(models, ' OpenAI/GPT-4o ')).toBe(gpt);
    expect(findPrice(models, 'google/gemini-2.0-flash-exp:free')).toBe(free);
  });

  test('a variant suffix falls back to the base model', () => {
    expect(findPrice(models, 'openai/gpt-4o:beta')).toBe(gpt);
    expect(findPrice(models, 'openai/gpt-4o:online')).toBe(gpt);
  });

  test('a missing :free variant is the base model at zero', () => {
    expect(findPrice(models, 'openai/gpt-4o:free')).toMatchObject({ id: 'openai/gpt-4o:free', prompt: 0, completion: 0, image: 0, request: 0 });
  });

  test('unknown ids are undefined', () => {
    expect(findPrice(models, 'openai/gpt-9')).toBeUndefined();
    expect(findPrice(models, 'openai/gpt-9:free')).toBeUndefined();
    expect(findPrice(models, 'google/gemini-2.0-flash-exp')).toBeUndefined();
  });
});

describe('the /models cache is keyed by base URL', () => {
  test('a run against another server never reads or overwrites OpenRouter prices', async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'photobatch-cache-'));
    const entry = (price: string) => [{ id: 'acme/model', pricing: { prompt: price, completion: price } }];
    const or = await loadPrices({ cacheDir: dir, fetchModels: async () => entry('0.000001') });
    expect(or.source).toBe('live');
    const local = await loadPrices({ cacheDir: dir, baseURL: 'http://127.0.0.1:1234/v1', fetchModels: async () => entry('0.5') });
    expect(local.models.get('acme/model')?.prompt).toBe(0.5);
    // Both caches are fresh now; each base URL reads its own.
    const orAgain = await loadPrices({ cacheDir: dir, fetchModels: async () => { throw new Error('no network'); } });
    expect(orAgain.source).toBe('cache');
    expect(orAgain.models.get('acme/model')?.prompt).toBe(0.000001);
    const localAgain = await loadPrices({ cacheDir: dir, baseURL: 'http://127.0.0.1:1234/v1/', offline: true });
    expect(localAgain.models.get('acme/model')?.prompt).toBe(0.5);
    expect(cacheFileFor('http://127.0.0.1:1234/v1')).not.toBe(cacheFileFor());
  });

  test('canonical (dated) slugs find the listed model', () => {
    const m = parseModelPrice({ id: 'anthropic/claude-sonnet-4.6', canonical_slug: 'anthropic/claude-4.6-sonnet-20260217', pricing: { prompt: '0.000003', completion: '0.000015' } });
    expect(findPrice(new Map([[m.id, m]]), 'anthropic/claude-4.6-sonnet-20260217')?.id).toBe('anthropic/claude-sonnet-4.6');
  });
});
