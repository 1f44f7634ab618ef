/**
 * --tier flex and -m model:floor end to end on the fake OpenRouter with service tiers (openrouter-api.md §15): the
 * request asks for flex, each result records the tier that served it, billing follows that tier, a refused flex
 * request falls back or waits as --tier-fallback says, the dry run shows both estimates, and --max-cost budgets at
 * the standard price (the worst tier that may serve). The fake bills each request from what it carries, exactly as
 * the estimate counts it, so the dry-run estimate and the bill can be compared.
 */
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { estimateTextTokens } from '../../src/core/pricing/estimate.js';
import { parseModelPrice } from '../../src/core/pricing/prices.js';
import { startFakeOpenRouter, type FakeRequest, type FakeServer } from '../helpers/fake-openrouter.js';
import { jsonLines, runCli } from '../helpers/run-cli.js';
import { makePhotoFolder, tempDir } from '../helpers/images.js';

const KEY = 'sk-or-v1-' + 'cd34'.repeat(16);
const MODEL = 'google/gemini-2.5-flash';
const LISTED = { id: MODEL, pricing: { prompt: '0.0000003', completion: '0.0000025' }, architecture: { input_modalities: ['text', 'image'], output_modalities: ['text'] } };
const PRICE = parseModelPrice(LISTED);
const COMPLETION_TOKENS = 60;
const GEMINI_25_IMAGE_TOKENS = 258;
const promptText = (req: FakeRequest): string => req.body?.messages?.[0]?.content?.[0]?.text ?? '';
const promptTokens = (req: FakeRequest) => estimateTextTokens(promptText(req)) + GEMINI_25_IMAGE_TOKENS;
/** Standard price of a request; the fake halves it when flex serves. */
const costOf = (req: FakeRequest) => promptTokens(req) * PRICE.prompt! + COMPLETION_TOKENS * PRICE.completion!;

let server: FakeServer;
let xdg: string;
let out: string;
const env = () => ({ OPENROUTER_API_KEY: KEY, OPENROUTER_BASE_URL: server.url, XDG_CACHE_HOME: xdg });
const results = async () => jsonLines(await readFile(path.join(out, 'results.jsonl'), 'utf8'));
const billed = () => server.billed.reduce((sum, b) => sum + b.cost, 0);

beforeEach(async () => {
  xdg = await tempDir('photobatch-xdg-');
  out = await tempDir('photobatch-out-');
});
afterEach(async () => {
  await server?.close();
});

describe('--tier flex and :floor', () => {
  it('models shows the flex price where one is published and marks unknown image pricing or tier support', async () => {
    const others = [
      { id: 'anthropic/claude-sonnet-4.5', pricing: { prompt: '0.000003', completion: '0.000015' }, architecture: { input_modalities: ['text', 'image'], output_modalities: ['text'] } },
      { id: 'acme/mystery-vision', pricing: { prompt: '0.000001', completion: '0.000001' }, architecture: { input_modalities: ['text', 'image'], output_modalities: ['text'] } },
    ];
    server = await startFakeOpenRouter({ models: [LISTED, ...others] });
    const run = await runCli(['models', '--json'], { env: env() });
    const rows = Object.fromEntries(JSON.parse(run.stdout).map((r: any) => [r.id, r]));
    expect(rows[MODEL]).toMatchObject({ flex: 'flex', image_pricing_known: true });
    expect(rows[MODEL].flex_per_photo_usd).toBeCloseTo(rows[MODEL].per_photo_usd / 2, 12);
    expect(rows['anthropic/claude-sonnet-4.5']).toMatchObject({ flex: 'none', flex_per_photo_usd: null, image_pricing_known: true });
    expect(rows['acme/mystery-vision']).toMatchObject({ flex: 'unknown', image_pricing_known: false });
    const table = await runCli(['models'], { env: env() });
    expect(table.stdout).toMatch(/FLEX\/PHOTO\s+NOTES/);
    expect(table.stdout).toMatch(/acme\/mystery-vision .*\?\s+image pricing unknown; tier support unknown/);
  });

  it('asks for flex, records the tier served, bills at flex, and the dry-run flex estimate matches the bill', async () => {
    server = await startFakeOpenRouter({ models: [LISTED], cost: costOf, promptTokens, completionTokens: COMPLETION_TOKENS, flex: { ratio: 0.5 } });
    const photos = await makePhotoFolder(6);
    await runCli(['models', '--refresh'], { env: env() }); // the dry run reads the cached prices offline
    const dry = await runCli(['run', photos, '-m', MODEL, '--dry-run', '--tier', 'flex', '--json'], { env: env() });
    expect(dry.code, dry.stderr).toBe(0);
    const est = JSON.parse(dry.stdout);
    expect(est.tiers.flex_usd).toBeCloseTo(est.tiers.standard_usd / 2, 12);
    expect(dry.stderr).toMatch(/Tiers: standard \$[\d.]+ · flex \$[\d.]+ if every photo is served at flex \(50 % off\)/);

    const run = await runCli(['run', photos, '-o', out, '-m', MODEL, '--tier', 'flex', '--no-progress'], { env: env() });
    expect(run.code, run.stderr).toBe(0);
    expect(server.chatRequests().every((r) => r.body.service_tier === 'flex')).toBe(true);
    const lines = await results();
    expect(lines.map((l) => l.service_tier)).toEqual(Array(6).fill('flex'));
    expect(lines.reduce((a, l) => a + l.usage.cost_usd, 0)).toBeCloseTo(billed(), 12);
    // The estimate counts the same tokens the fake bills: flex estimate and bill agree.
    expect(billed()).toBeCloseTo(est.tiers.flex_usd, 9);
    // The run's own estimate is at the tier that served each photo, so it matches too.
    const rep = JSON.parse(await readFile(path.join(out, 'cost-report.json'), 'utf8'));
    expect(rep.cost_usd.estimated).toBeCloseTo(billed(), 9);
    expect(run.stderr).toMatch(/Tiers: 6 at flex · flex saved \$[\d.]+ against standard prices/);
    expect(run.stderr).toMatch(/tier flex \(fallback: standard\)/);
  });

  it('flex capacity refused: --tier-fallback standard resends at once without the tier, and the summary counts both', async () => {
    server = await startFakeOpenRouter({ models: [LISTED], cost: costOf, promptTokens, completionTokens: COMPLETION_TOKENS, flex: { refuse: (req) => req.n === 1 } });
    const photos = await makePhotoFolder(4);
    const run = await runCli(['run', photos, '-o', out, '-m', MODEL, '--tier', 'flex', '-c', '1', '--no-progress'], { env: env() });
    expect(run.code, run.stderr).toBe(0);
    const lines = await results();
    const tiers = lines.map((l) => l.service_tier);
    expect(tiers.filter((t) => t === 'default').length + tiers.filter((t) => t === 'flex').length).toBe(4);
    expect(tiers).toContain('default');
    const standardResends = server.chatRequests().filter((r) => r.body.service_tier === undefined);
    expect(standardResends.length).toBe(tiers.filter((t) => t === 'default').length);
    expect(tiers.filter((t) => t === 'default')).toHaveLength(1);
    expect(run.stderr).toMatch(/Tiers: (1 at standard, 3 at flex|3 at flex, 1 at standard) · flex saved/);
    expect(lines.reduce((a, l) => a + l.usage.cost_usd, 0)).toBeCloseTo(billed(), 12);
  });

  it('flex capacity refused: --tier-fallback wait tries flex again and never pays standard', async () => {
    let refused = 0;
    server = await startFakeOpenRouter({ models: [LISTED], cost: costOf, promptTokens, completionTokens: COMPLETION_TOKENS, flex: { refuse: () => refused++ < 1 } });
    const photos = await makePhotoFolder(2);
    const run = await runCli(['run', photos, '-o', out, '-m', MODEL, '--tier', 'flex', '--tier-fallback', 'wait', '-c', '1', '--no-progress'], { env: env() });
    expect(run.code, run.stderr).toBe(0);
    expect(server.chatRequests().every((r) => r.body.service_tier === 'flex')).toBe(true);
    expect(server.chatRequests()).toHaveLength(3);
    expect((await results()).map((l) => l.service_tier)).toEqual(['flex', 'flex']);
  }, 30_000);

  it('--max-cost budgets at the standard worst case even under --tier flex', async () => {
    server = await startFakeOpenRouter({ models: [LISTED], cost: costOf, promptTokens, completionTokens: COMPLETION_TOKENS, flex: { ratio: 0.5 } });
    const photos = await makePhotoFolder(3);
    await runCli(['models', '--refresh'], { env: env() });
    const dry = JSON.parse((await runCli(['run', photos, '-m', MODEL, '--dry-run', '--max-tokens', '100', '--json'], { env: env() })).stdout);
    const standardWorstPerPhoto = dry.totals.worst_usd / 3;
    // Enough for one photo at the flex worst case, not at the standard one: nothing may start.
    const cap = (standardWorstPerPhoto * 0.75).toFixed(8);
    const run = await runCli(['run', photos, '-o', out, '-m', MODEL, '--tier', 'flex', '--max-tokens', '100', '--max-cost', cap, '--no-progress'], { env: env() });
    expect(run.code).toBe(4);
    expect(run.stderr).toMatch(/Budget reached after 0 photos/);
    expect(server.chatRequests()).toHaveLength(0);
  });

  it('a model OpenRouter lists without image input is refused before any photo is sent', async () => {
    const text = { id: 'meta-llama/llama-3.1-8b-instruct', pricing: { prompt: '0.00000002', completion: '0.00000005' }, architecture: { input_modalities: ['text'], output_modalities: ['text'] } };
    server = await startFakeOpenRouter({ models: [LISTED, text] });
    const run = await runCli(['run', await makePhotoFolder(2), '-o', out, '-m', text.id, '--no-progress'], { env: env() });
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(/meta-llama\/llama-3\.1-8b-instruct takes text input on OpenRouter, not images; no photo was sent/);
    expect(server.chatRequests()).toHaveLength(0);
  });

  it('-m model:floor is accepted and priced; no tier is forced, and the tier that served is recorded', async () => {
    server = await startFakeOpenRouter({ models: [LISTED], cost: costOf, promptTokens, completionTokens: COMPLETION_TOKENS, flex: {} });
    const photos = await makePhotoFolder(2);
    await runCli(['models', '--refresh'], { env: env() });
    const dry = await runCli(['run', photos, '-m', `${MODEL}:floor`, '--dry-run', '--json'], { env: env() });
    const est = JSON.parse(dry.stdout);
    expect(est.totals.expected_usd).toBeGreaterThan(0);
    expect(est.tiers.flex_usd).toBeCloseTo(est.totals.expected_usd / 2, 12);
    const run = await runCli(['run', photos, '-o', out, '-m', `${MODEL}:floor`, '--max-cost', '1', '--no-progress'], { env: env() });
    expect(run.code, run.stderr).toBe(0);
    expect(server.chatRequests().map((r) => [r.body.model, r.body.service_tier])).toEqual([[`${MODEL}:floor`, undefined], [`${MODEL}:floor`, undefined]]);
    expect((await results()).map((l) => l.service_tier)).toEqual(['default', 'default']);
  });
});
