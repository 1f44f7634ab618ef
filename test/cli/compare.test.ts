/**
 * `photobatch compare` end to end on the fake OpenRouter (and on an emulated Ollama with no key): a sample that
 * covers the folder, one journaled run per model, a per-model bill equal to what the server charged that model,
 * free re-runs, paying only for an added model, one --max-cost for the whole comparison, and compare.html read
 * back in headless Chromium.
 */
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import sharp from 'sharp';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { startFakeOpenRouter, type FakeRequest, type FakeServer } from '../helpers/fake-openrouter.js';
import { startFakeOllama } from '../helpers/fake-ollama.js';
import type { LocalServer } from '../helpers/fake-local.js';
import { runCli } from '../helpers/run-cli.js';
import { makeJpeg, tempDir } from '../helpers/images.js';
import { HAVE_CHROMIUM, withBrowser } from '../helpers/browser.js';

const KEY = 'sk-or-v1-' + '9a8b'.repeat(16);
const A = 'google/gemini-2.5-flash';
const B = 'openai/gpt-4o-mini';
const C = 'anthropic/claude-haiku-4.5';
const listed = (id: string, p: string, c: string) => ({ id, pricing: { prompt: p, completion: c }, architecture: { input_modalities: ['text', 'image'], output_modalities: ['text'] } });
const MODELS = [listed(A, '0.0000003', '0.0000025'), listed(B, '0.00000015', '0.0000006'), listed(C, '0.000001', '0.000005')];
const COST: Record<string, number> = { [A]: 0.0002, [B]: 0.0001, [C]: 0.0007 };
const costOf = (req: FakeRequest) => COST[req.body?.model] ?? 0.001;
const content = (req: FakeRequest) => (req.body?.model === A ? `Guests dancing at a wedding party ${req.n}` : `A wedding party with dancing guests ${req.n}`);

let server: FakeServer | undefined;
let local: LocalServer | undefined;
let out: string;
let xdg: string;

/** 20 photos: landscape, portrait and square JPEGs of three sizes, and a few PNGs. */
async function makeMixedFolder(): Promise<string> {
  const dir = await tempDir('photobatch-mixed-');
  const shapes = [[1600, 1200], [1200, 1600], [900, 900], [400, 300], [300, 400], [2400, 1600]] as const;
  for (let i = 0; i < 16; i++) {
    const [w, h] = shapes[i % shapes.length]!;
    await makeJpeg(path.join(dir, `img_${String(i).padStart(2, '0')}.jpg`), { width: w, height: h, seed: i + 1 });
  }
  for (let i = 0; i < 4; i++) {
    await sharp({ create: { width: 500, height: 700, channels: 3, background: { r: 10 * i, g: 200, b: 90 } } }).png().toFile(path.join(dir, `scan_${i}.png`));
  }
  return dir;
}

beforeEach(async () => {
  out = await tempDir('photobatch-compare-');
  xdg = await tempDir('photobatch-xdg-');
});
afterEach(async () => {
  await server?.close();
  await local?.close();
  server = undefined;
  local = undefined;
});

const env = () => ({ OPENROUTER_API_KEY: KEY, OPENROUTER_BASE_URL: server!.url, XDG_CACHE_HOME: xdg });
const compareJson = async () => JSON.parse(await readFile(path.join(out, 'compare.json'), 'utf8'));
const billedFor = (model: string) => server!.billed.filter((b) => b.model === model).reduce((a, b) => a + b.cost, 0);

describe('photobatch compare', () => {
  it('sends one covering sample to each model; per-model bills equal the server sums; re-runs are free; an added model pays alone', async () => {
    server = await startFakeOpenRouter({ models: MODELS, cost: costOf, content, latencyMs: 5 });
    const folder = await makeMixedFolder();
    const run = await runCli(['compare', folder, '-m', `${A},${B}`, '--sample', '6', '-o', out, '-q'], { env: env() });
    expect(run.code, run.stderr).toBe(0);
    expect(server.chatRequests()).toHaveLength(12);
    const doc = await compareJson();
    expect(doc.sample).toHaveLength(6);
    expect(doc.input_photos).toBe(20);
    const files: string[] = doc.sample.map((p: { file: string }) => p.file);
    expect(files.some((f) => f.endsWith('.png'))).toBe(true);
    const dims = await Promise.all(doc.sample.map(async (p: { path: string }) => sharp(p.path).metadata()));
    const orient = new Set(dims.map((m) => (m.width === m.height ? 'square' : m.width! > m.height! ? 'landscape' : 'portrait')));
    expect(orient).toEqual(new Set(['square', 'landscape', 'portrait']));

    for (const model of [A, B]) {
      const st = doc.models.find((m: { model: string }) => m.model === model);
      expect(st.billed_usd).toBeCloseTo(billedFor(model), 12);
      expect(st.cost_per_photo_usd).toBeCloseTo(billedFor(model) / 6, 12);
      expect(st.projected_all_inputs_usd.standard).toBeCloseTo((billedFor(model) / 6) * 20, 10);
      expect(st.projected_all_inputs_usd.flex).toBeCloseTo((billedFor(model) / 6) * 10, 10);
      expect(st.failures).toBe(0);
      expect(st.latency_ms.p50).toBeGreaterThanOrEqual(0);
      expect(st.latency_ms.p95).toBeGreaterThanOrEqual(st.latency_ms.p50);
      expect(st.output_length.words).toBeGreaterThan(3);
    }
    expect(doc.keyword_overlap).toEqual([expect.objectContaining({ a: A, b: B, photos: 6 })]);
    expect(doc.keyword_overlap[0].overlap).toBeGreaterThan(0.3);
    expect(doc.spent_this_run_usd).toBeCloseTo(billedFor(A) + billedFor(B), 12);

    // Same command again: every answer comes from the journals.
    const again = await runCli(['compare', folder, '-m', `${A},${B}`, '--sample', '6', '-o', out, '-q'], { env: env() });
    expect(again.code).toBe(0);
    expect(server.chatRequests()).toHaveLength(12);
    expect((await compareJson()).spent_this_run_usd).toBe(0);

    // A third model: only its six requests are paid.
    const more = await runCli(['compare', folder, '-m', `${A},${B},${C}`, '--sample', '6', '-o', out, '-q'], { env: env() });
    expect(more.code).toBe(0);
    expect(server.chatRequests()).toHaveLength(18);
    expect(server.chatRequests().slice(12).every((r) => r.body.model === C)).toBe(true);
    const three = await compareJson();
    expect(three.spent_this_run_usd).toBeCloseTo(billedFor(C), 12);
    expect(three.models.find((m: { model: string }) => m.model === C).projected_all_inputs_usd.flex).toBeNull();
    expect(three.keyword_overlap).toHaveLength(3);
  });

  it('the same seed picks the same sample', async () => {
    server = await startFakeOpenRouter({ models: MODELS, cost: costOf });
    const folder = await makeMixedFolder();
    const one = await runCli(['compare', folder, '-m', A, '--sample', '5', '--sample-seed', '7', '-o', out, '-q'], { env: env() });
    expect(one.code).toBe(0);
    const first = (await compareJson()).sample;
    await runCli(['compare', folder, '-m', A, '--sample', '5', '--sample-seed', '7', '-o', out, '-q'], { env: env() });
    expect((await compareJson()).sample).toEqual(first);
  });

  it('--max-cost holds across the whole comparison and stops it (exit 4)', async () => {
    server = await startFakeOpenRouter({ models: MODELS, cost: costOf, completionTokens: 20 });
    const folder = await makeMixedFolder();
    const run = await runCli(['compare', folder, '-m', `${A},${B}`, '--sample', '8', '-o', out, '--max-cost', '0.002', '--max-tokens', '100', '-c', '1', '-q'], { env: env() });
    const total = server.billed.reduce((a, b) => a + b.cost, 0);
    expect(total).toBeLessThanOrEqual(0.002);
    expect(run.code).toBe(4);
    expect(run.stderr).toMatch(/Budget reached/);
    const doc = await compareJson();
    expect(doc.stopped.reason).toBe('budget');
  });

  it('on a local server with no key: a text-only model is refused and named, the vision model compared', async () => {
    local = await startFakeOllama();
    const folder = await makeMixedFolder();
    const run = await runCli(['compare', folder, '-m', 'qwen2.5vl:7b,llama3.2:3b', '--sample', '4', '-o', out], { env: { OPENROUTER_BASE_URL: local.url, XDG_CACHE_HOME: xdg } });
    expect(run.code).toBe(3);
    expect(run.stderr).toMatch(/✗ llama3\.2:3b: llama3\.2:3b on Ollama cannot read images/);
    const doc = await compareJson();
    expect(doc.server.kind).toBe('ollama');
    expect(doc.models[0]).toMatchObject({ model: 'qwen2.5vl:7b', ok: 4, billed_usd: null });
    expect(doc.notes['llama3.2:3b']).toMatch(/cannot read images/);
    expect(local.chatRequests().every((r) => r.body.model === 'qwen2.5vl:7b')).toBe(true);
  });
});

describe.skipIf(!HAVE_CHROMIUM)('compare.html in headless Chromium', () => {
  it('shows every sample photo beside each model answer, offline, with hostile answers escaped', async () => {
    server = await startFakeOpenRouter({
      models: MODELS, cost: costOf,
      content: (req) => (req.body?.model === B && req.n % 2 === 0 ? '<img src=x onerror="window.__pwned=1">caption' : `Answer of ${req.body?.model} number ${req.n}`),
    });
    const folder = await makeMixedFolder();
    const run = await runCli(['compare', folder, '-m', `${A},${B}`, '--sample', '4', '-o', out, '-q'], { env: env() });
    expect(run.code, run.stderr).toBe(0);
    await withBrowser(async (browser) => {
      const page = await browser.newPage();
      await page.route(/^(?!file:)/, (r) => r.abort()); // offline: nothing but local files may load
      await page.goto(pathToFileURL(path.join(out, 'compare.html')).href, { waitUntil: 'load' });
      const rows = page.locator('tbody tr');
      expect(await rows.count()).toBe(4);
      const widths = await page.locator('tbody .photo img').evaluateAll((imgs) => imgs.map((i) => (i as unknown as { naturalWidth: number }).naturalWidth));
      expect(widths).toHaveLength(4);
      expect(widths.every((w) => w > 0)).toBe(true);
      const heads = await page.locator('thead .model').allTextContents();
      expect(heads).toEqual([A, B]);
      const cells = await rows.first().locator('td.ok .answer').allTextContents();
      expect(cells).toHaveLength(2);
      expect(cells[0]).toMatch(new RegExp(`Answer of ${A.replace(/[./]/g, '\\$&')}`));
      expect(await page.locator('thead').textContent()).toMatch(/per photo/);
      expect(await page.evaluate('window.__pwned')).toBeUndefined();
    });
  }, 60_000);
});
