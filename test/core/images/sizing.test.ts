/**
 * The one sizing rule: what `--dry-run` says a photo will be sent at is the size the real run sends,
 * to the pixel, for every model family, a fixed --max-edge, awkward aspect ratios and a rotated photo.
 * The real side goes through the library exactly as `photobatch run` does (openRun, batchSettings,
 * runBatch against a fake server) and the sent JPEG is decoded from the request.
 */
import path from 'node:path';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { batchSettings, estimateDryRun, historyStats, openPhotoOutputs, openRun, planPrompt, runBatch, scanInputs, type RunSpec } from '../../../src/index.js';
import { fitToBox, sentSize, sizingFor } from '../../../src/core/images/sizing.js';
import { startFakeOpenRouter, type FakeServer } from '../../helpers/fake-openrouter.js';
import { makeJpeg, tempDir } from '../../helpers/images.js';

// Long, square, tall, odd ratios whose rounding differs between floor and round, and one stored on its side (EXIF 6).
const PHOTOS = [
  { name: 'a-4x3.jpg', width: 2400, height: 1801 },
  { name: 'b-tall.jpg', width: 1333, height: 2000 },
  { name: 'c-pano.jpg', width: 3000, height: 701 },
  { name: 'd-square.jpg', width: 1700, height: 1700 },
  { name: 'e-small.jpg', width: 500, height: 333 },
  { name: 'f-rotated.jpg', width: 2001, height: 1499, orientation: 6 },
];
const MODELS = [
  'anthropic/claude-sonnet-4.5', 'anthropic/claude-opus-4.7', 'openai/gpt-4o', 'openai/gpt-5-mini', 'google/gemini-2.0-flash-001',
  'google/gemini-2.5-flash', 'google/gemini-3-pro-preview', 'qwen/qwen2.5-vl-72b-instruct', 'meta-llama/llama-3.2-11b-vision-instruct',
  'mistralai/pixtral-12b',
];
const KEY = 'sk-or-v1-' + '5c5c'.repeat(16);

let server: FakeServer;
let photoDir: string;
beforeAll(async () => {
  server = await startFakeOpenRouter();
  photoDir = await tempDir('photobatch-sizing-');
  for (const [i, p] of PHOTOS.entries()) await makeJpeg(path.join(photoDir, p.name), { ...p, seed: i + 1 });
});
afterAll(async () => server.close());

const spec = (model: string, out: string, maxEdge: number, maxEdgeExplicit: boolean): RunSpec => ({
  config: { apiKey: KEY, baseURL: server.url, model, maxEdge, maxEdgeExplicit },
  outDir: out, fallbackModels: [], plan: planPrompt({ customPrompt: 'Alt text' }), maxTokens: 100, maxTokensExplicit: true,
  reasoning: 'auto', reasoningExplicit: false, concurrency: 2, autoConcurrency: false, quality: 80, retries: 0, timeoutMs: 10_000,
  contactSheet: false, force: false, sidecars: { kinds: [], inPlace: false, naming: 'auto', overwrite: false },
  delivery: { contextFromMetadata: false }, endpoint: { visionCheck: false, tier: { tier: 'standard', fallback: 'standard' } },
});

/** [width, height] of the JPEG each chat request carried. */
async function sentByRun(s: RunSpec): Promise<[number, number][]> {
  const before = server.requests.length;
  const setup = await openRun(s, { env: { XDG_CACHE_HOME: await tempDir('photobatch-xdg-') } });
  try {
    const photos = await scanInputs([photoDir]);
    const outputs = await openPhotoOutputs(s, photos);
    const result = await runBatch({ photos, ...batchSettings(s, setup, historyStats([])), ...outputs.batch });
    await outputs.close();
    expect(result.report.photos.ok).toBe(PHOTOS.length);
  } finally {
    await setup.endpoint.close();
  }
  const sent: [number, number][] = [];
  for (const req of server.requests.slice(before)) {
    if (!req.path.includes('/chat/completions')) continue;
    const parts = req.body.messages.flatMap((m: { content: unknown }) => (Array.isArray(m.content) ? m.content : []));
    const url: string = parts.find((p: { type: string }) => p.type === 'image_url').image_url.url;
    const meta = await sharp(Buffer.from(url.slice(url.indexOf(',') + 1), 'base64')).metadata();
    sent.push([meta.width!, meta.height!]);
  }
  return sent;
}

describe('one sizing rule: the dry run estimates the size the run sends', () => {
  const cases = [...MODELS.map((m) => ({ model: m, maxEdge: 2048, explicit: false })), { model: 'openai/gpt-4o', maxEdge: 1001, explicit: true }];
  it.each(cases)('$model (max edge $maxEdge, explicit $explicit)', async ({ model, maxEdge, explicit }) => {
    const s = spec(model, await tempDir('photobatch-sizing-out-'), maxEdge, explicit);
    const photos = await scanInputs([photoDir]);
    const estimate = await estimateDryRun({ photos, model, prompt: 'Alt text', maxTokens: 100, maxEdge, maxEdgeExplicit: explicit, concurrency: 2, price: undefined });
    const estimated = estimate.photos.map((p) => [p.sentWidth, p.sentHeight]).sort();
    const sent = (await sentByRun(s)).sort();
    expect(sent).toEqual(estimated);
    // And the rule is not vacuous: most photos were resized, and the rotated one is sent upright (portrait).
    expect(estimate.photos.filter((p) => p.sentWidth! < p.width!).length).toBeGreaterThan(0);
    const rotated = estimate.photos.find((p) => p.file === 'f-rotated.jpg')!;
    expect(rotated.sentHeight!).toBeGreaterThanOrEqual(rotated.sentWidth!);
  });

  it('fitToBox keeps a size that already fits, and fits a box with one shrink factor', () => {
    expect(fitToBox(1269, 952, 1269, 952)).toEqual({ width: 1269, height: 952 });
    expect(fitToBox(500, 333, 2048, 2048)).toEqual({ width: 500, height: 333 });
    expect(fitToBox(3000, 701, 1001, 1001)).toEqual({ width: 1001, height: 234 });
    expect(sentSize(sizingFor({ model: 'anthropic/claude-sonnet-4.5', maxEdge: 2048 }), 4032, 3024)).toEqual({ width: 1269, height: 952 });
  });
});
