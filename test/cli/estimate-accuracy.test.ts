/**
 * The dry run's promise: its estimate is within 2% of what a real run is billed at the expected output
 * length. The fake bills like a provider would: it decodes the JPEG it received, applies the family's
 * image-token rule to that size, adds the prompt's text tokens and 60 output tokens, at the same published
 * prices the dry run reads (the bundled snapshot, served as /models). So the test catches any drift between
 * the size the dry run predicts from headers and the size a real run actually sends.
 */
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import sharp from 'sharp';
import { beforeAll, afterAll, describe, expect, it } from 'vitest';
import { estimateTextTokens, DEFAULT_EXPECTED_OUTPUT_TOKENS } from '../../src/core/pricing/estimate.js';
import { familyFor, imageTokens } from '../../src/core/pricing/image-tokens.js';
import { findPrice, parseModelPrice, SNAPSHOT_URL } from '../../src/core/pricing/prices.js';
import { billedReplies, startFakeOpenRouter, type FakeRequest, type FakeServer } from '../helpers/fake-openrouter.js';
import { runCli } from '../helpers/run-cli.js';
import { makeJpeg, tempDir } from '../helpers/images.js';

const KEY = 'sk-or-v1-' + '7a8b'.repeat(16);
const TOLERANCE = 0.02;

const MODELS = [
  'anthropic/claude-sonnet-4.5',
  'anthropic/claude-haiku-4.5',
  'openai/gpt-4o',
  'openai/gpt-4o-mini',
  'openai/gpt-4.1-mini',
  'google/gemini-2.5-flash',
  'google/gemini-2.0-flash-001',
  'qwen/qwen2.5-vl-72b-instruct',
];

/** Mixed sizes as an event folder has them, one stored sideways with an EXIF rotation. */
const PHOTOS: { name: string; width: number; height: number; orientation?: number }[] = [
  { name: 'landscape-12mp.jpg', width: 4032, height: 3024 },
  { name: 'portrait-12mp.jpg', width: 3024, height: 4032 },
  { name: 'rotated-12mp.jpg', width: 4032, height: 3024, orientation: 6 },
  { name: 'hd.jpg', width: 1920, height: 1080 },
  { name: 'small.jpg', width: 800, height: 600 },
];

let server: FakeServer;
let dir: string;
let snapshotModels: unknown[];
const sent = new WeakMap<FakeRequest, { width: number; height: number }>();

function parts(req: FakeRequest): { text: string; jpeg: Buffer } {
  const content = req.body.messages[0].content as { type: string; text?: string; image_url?: { url: string } }[];
  const text = content.find((c) => c.type === 'text')?.text ?? '';
  const url = content.find((c) => c.type === 'image_url')!.image_url!.url;
  return { text, jpeg: Buffer.from(url.slice(url.indexOf(',') + 1), 'base64') };
}

/** Billed tokens: the family's rule applied to the size actually received, plus the prompt's text. */
function billedPromptTokens(req: FakeRequest): number {
  const size = sent.get(req)!;
  return imageTokens(familyFor(req.body.model), size.width, size.height) + estimateTextTokens(parts(req).text);
}

beforeAll(async () => {
  snapshotModels = (JSON.parse(await readFile(SNAPSHOT_URL, 'utf8')) as { models: unknown[] }).models;
  const prices = new Map(snapshotModels.map((m) => parseModelPrice(m)).map((p) => [p.id, p]));
  server = await startFakeOpenRouter({
    models: snapshotModels,
    completionTokens: DEFAULT_EXPECTED_OUTPUT_TOKENS,
    // The handler runs before the reply is built: decode the received JPEG once, for cost and prompt_tokens.
    handler: async (req) => {
      const meta = await sharp(parts(req).jpeg).metadata();
      sent.set(req, { width: meta.width!, height: meta.height! });
      return undefined;
    },
    promptTokens: billedPromptTokens,
    cost: (req) => {
      const price = findPrice(prices, req.body.model)!;
      // The snapshot lists no per-image prices (images are billed as input tokens), so none is added.
      const usd = billedPromptTokens(req) * price.prompt! + DEFAULT_EXPECTED_OUTPUT_TOKENS * price.completion! + (price.request ?? 0);
      return usd * (1 - price.discount);
    },
  });
  dir = await tempDir('photobatch-mixed-');
  let seed = 1;
  for (const p of PHOTOS) await makeJpeg(path.join(dir, p.name), { width: p.width, height: p.height, seed: seed++, ...(p.orientation ? { orientation: p.orientation } : {}) });
});
afterAll(async () => {
  await server?.close();
});

describe('dry-run estimate against the billed total', () => {
  it.each(MODELS)('%s: within 2% at the expected output length', async (model) => {
    // A private, empty cache: the dry run reads the bundled snapshot, exactly what the fake bills from.
    const env = { XDG_CACHE_HOME: await tempDir('photobatch-xdg-'), OPENROUTER_API_KEY: KEY, OPENROUTER_BASE_URL: server.url };
    const out = await tempDir('photobatch-out-');
    const dry = await runCli(['run', dir, '-o', out, '-m', model, '--dry-run', '--json'], { env });
    expect(dry.code, dry.stderr).toBe(0);
    const estimate = JSON.parse(dry.stdout);
    expect(estimate.prices.source).toBe('snapshot');
    expect(estimate.readable).toBe(PHOTOS.length);

    server.reset();
    const real = await runCli(['run', dir, '-o', out, '-m', model, '--no-contact-sheet'], { env });
    expect(real.code, real.stderr).toBe(0);
    const billed = server.billed.reduce((sum, b) => sum + b.cost, 0);
    expect(server.billed).toHaveLength(PHOTOS.length);

    // Per photo first: a size mismatch names the photo instead of hiding in the total.
    const results = (await readFile(path.join(out, 'results.jsonl'), 'utf8')).trim().split('\n').map((l) => JSON.parse(l));
    for (const p of estimate.photos) {
      const r = results.find((x) => x.file === p.file);
      expect({ file: p.file, width: r.sent.width, height: r.sent.height }).toEqual({ file: p.file, width: p.sent_width, height: p.sent_height });
    }
    const error = Math.abs(estimate.totals.expected_usd - billed) / billed;
    expect(error, `estimate ${estimate.totals.expected_usd} vs billed ${billed}`).toBeLessThanOrEqual(TOLERANCE);
  });
});

/**
 * Reasoning models and billed-but-unusable answers. The fake bills reasoning tokens whenever the request asks for
 * a reasoning effort (more at higher efforts), and refuses every fourth request (billed: the prompt plus 12 output
 * tokens). A first run on a similar folder gives the history the estimate learns from: output tokens per billed
 * answer (reasoning included) and billed answers per photo. Then the dry run of the event folder must be within 2%
 * of what the real run of that folder is billed.
 */
const REASONING_BILLED: Record<string, number> = { minimal: 90, low: 310, medium: 420, high: 900 };
const REFUSAL_TOKENS = 12;
const REASONING_CASES: [string, string[]][] = [
  ['openai/gpt-5-mini', []],
  ['openai/o4-mini', []],
  ['google/gemini-2.5-pro', []],
  ['google/gemini-3-pro-preview', []],
  ['openai/gpt-5.1', ['--reasoning', 'medium']],
  ['anthropic/claude-sonnet-4.5', []],
  ['qwen/qwen2.5-vl-72b-instruct', []],
];
const measured: string[] = [];

describe('dry-run estimate against the bill with reasoning and billed refusals', () => {
  let rserver: FakeServer;
  let prices: Map<string, ReturnType<typeof parseModelPrice>>;
  let learnDir: string;
  beforeAll(async () => {
    prices = new Map(snapshotModels.map((m) => parseModelPrice(m)).map((p) => [p.id, p]));
    const reasoningOf = (req: FakeRequest) => {
      const effort = req.body?.reasoning?.effort as string | undefined;
      return effort ? (REASONING_BILLED[effort] ?? 500) : 0;
    };
    const outputOf = (req: FakeRequest) => Math.min(DEFAULT_EXPECTED_OUTPUT_TOKENS + reasoningOf(req), Number(req.body.max_tokens));
    const priceOf = (req: FakeRequest) => findPrice(prices, req.body.model)!;
    rserver = await startFakeOpenRouter({
      models: snapshotModels,
      completionTokens: DEFAULT_EXPECTED_OUTPUT_TOKENS,
      reasoningTokens: reasoningOf,
      handler: async (req) => {
        const meta = await sharp(parts(req).jpeg).metadata();
        sent.set(req, { width: meta.width!, height: meta.height! });
        if (req.n % 4 !== 1) return undefined;
        const prompt = billedPromptTokens(req);
        const p = priceOf(req);
        const cost = (prompt * p.prompt! + REFUSAL_TOKENS * p.completion! + (p.request ?? 0)) * (1 - p.discount);
        refusals.push(cost);
        return billedReplies.refusal(req, prompt, REFUSAL_TOKENS, cost);
      },
      promptTokens: billedPromptTokens,
      cost: (req) => {
        const p = priceOf(req);
        return (billedPromptTokens(req) * p.prompt! + outputOf(req) * p.completion! + (p.request ?? 0)) * (1 - p.discount);
      },
    });
    learnDir = await tempDir('photobatch-learn-');
    let seed = 100;
    for (const p of PHOTOS) await makeJpeg(path.join(learnDir, p.name), { width: p.width, height: p.height, seed: seed++, ...(p.orientation ? { orientation: p.orientation } : {}) });
  });
  afterAll(async () => {
    await rserver?.close();
    // The figures for the README and the closing note.
    if (measured.length > 0) console.log(`estimate vs bill (reasoning, billed refusals):\n${measured.join('\n')}`);
  });
  const refusals: number[] = [];

  it.each(REASONING_CASES)('%s %j: within 2% after one earlier run', async (model, flags) => {
    const env = { XDG_CACHE_HOME: await tempDir('photobatch-xdg-'), OPENROUTER_API_KEY: KEY, OPENROUTER_BASE_URL: rserver.url };
    const out = await tempDir('photobatch-out-');
    const common = ['-m', model, '-c', '1', '--no-contact-sheet', ...flags];
    // Without history the estimate rests on assumed reasoning tokens per effort: reported, not asserted.
    const cold = JSON.parse((await runCli(['run', dir, '-o', await tempDir('photobatch-cold-'), '--dry-run', '--json', ...common], { env })).stdout);
    rserver.reset();
    const learn = await runCli(['run', learnDir, '-o', out, ...common], { env });
    expect(learn.code, learn.stderr).toBe(3); // the refusals fail their photos
    const dry = await runCli(['run', dir, '-o', out, '--dry-run', '--json', ...common], { env });
    expect(dry.code, dry.stderr).toBe(0);
    const estimate = JSON.parse(dry.stdout);

    rserver.reset();
    refusals.length = 0;
    const real = await runCli(['run', dir, '-o', out, ...common], { env });
    expect(real.code, real.stderr).toBe(3);
    const billed = rserver.billed.reduce((sum, b) => sum + b.cost, 0);
    expect(refusals.length).toBeGreaterThan(0);
    const report = JSON.parse(await readFile(path.join(out, 'cost-report.json'), 'utf8'));
    expect(report.cost_usd.billed).toBeCloseTo(billed, 12);
    const error = (billed - estimate.totals.expected_usd) / estimate.totals.expected_usd;
    const coldError = (billed - cold.totals.expected_usd) / cold.totals.expected_usd;
    measured.push(
      `${model} ${flags.join(' ')}: estimate ${estimate.totals.expected_usd.toFixed(6)} billed ${billed.toFixed(6)} (bill ${(error * 100).toFixed(2)}% vs estimate; ` +
      `without history ${(coldError * 100).toFixed(1)}%)`,
    );
    expect(Math.abs(error), `estimate ${estimate.totals.expected_usd} vs billed ${billed}`).toBeLessThanOrEqual(TOLERANCE);
    // The run's own estimate (cost-report.json) holds the same promise.
    expect(Math.abs(report.cost_usd.billed - report.cost_usd.estimated) / report.cost_usd.estimated).toBeLessThanOrEqual(TOLERANCE);
  });
});
