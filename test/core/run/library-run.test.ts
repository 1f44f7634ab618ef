/**
 * The run use case from the library, the way the CLI calls it: a RunSpec, openRun (key check,
 * price, reasoning plan), the per-photo outputs, then runBatch over a list or a watched folder.
 */
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { batchSettings, historyStats, openPhotoOutputs, openRun, planPrompt, runBatch, scanInputs, watchFolder, type RunSpec } from '../../../src/index.js';
import { startFakeOpenRouter, type FakeServer } from '../../helpers/fake-openrouter.js';
import { jsonLines } from '../../helpers/run-cli.js';
import { makeJpeg, makePhotoFolder, tempDir } from '../../helpers/images.js';
import { waitFor } from '../../helpers/wait-for.js';

const MODEL = 'google/gemini-2.5-flash';
let server: FakeServer | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

const spec = (baseURL: string, outDir: string): RunSpec => ({
  config: { apiKey: 'sk-or-v1-' + '9a9a'.repeat(16), baseURL, model: MODEL, maxEdge: 2048, maxEdgeExplicit: false },
  outDir, fallbackModels: [], plan: planPrompt({ customPrompt: 'Alt text for {filename}' }), maxTokens: 200, maxTokensExplicit: true,
  reasoning: 'auto', reasoningExplicit: false, concurrency: 2, autoConcurrency: false, quality: 80, retries: 2, timeoutMs: 10_000, maxCostUsd: 1,
  contactSheet: false, force: false, sidecars: { kinds: [], inPlace: false, naming: 'auto', overwrite: false },
  delivery: { contextFromMetadata: false }, endpoint: { visionCheck: true, tier: { tier: 'standard', fallback: 'standard' } },
});

describe('the run use case as a library call', () => {
  it('openRun checks the key and finds the price; runBatch then bills within --max-cost', async () => {
    server = await startFakeOpenRouter({
      models: [{ id: MODEL, pricing: { prompt: '0.0000003', completion: '0.0000025' }, architecture: { input_modalities: ['text', 'image'], output_modalities: ['text'] } }],
    });
    const out = await tempDir('photobatch-lib-');
    const s = spec(server.url, out);
    const notes: string[] = [];
    const setup = await openRun(s, { env: { XDG_CACHE_HOME: await tempDir('photobatch-xdg-') }, info: (l) => notes.push(l) });
    try {
      expect(setup.price?.prompt).toBeCloseTo(0.0000003, 12);
      expect(notes[0]).toMatch(/^Key sk-or-v1-9a9… · model google\/gemini-2.5-flash/);
      const photos = await scanInputs([await makePhotoFolder(3)]);
      const outputs = await openPhotoOutputs(s, photos);
      const result = await runBatch({ photos, ...batchSettings(s, setup, historyStats([], MODEL)), ...outputs.batch });
      await outputs.close();
      expect(result.report.photos.ok).toBe(3);
      expect(server.requests.some((r) => r.path.startsWith('/api/v1/key'))).toBe(true);
      expect(jsonLines(await readFile(path.join(out, 'results.jsonl'), 'utf8'))).toHaveLength(3);
    } finally {
      await setup.endpoint.close();
    }
  });

  it('the same batch over a watched folder: photos already there, then new ones, until the queue ends', async () => {
    server = await startFakeOpenRouter();
    const hot = await tempDir('photobatch-hot-');
    const out = await tempDir('photobatch-lib-');
    await makeJpeg(path.join(hot, 'a.jpg'), { seed: 1 });
    const s = { ...spec(server.url, out), maxCostUsd: undefined } as RunSpec;
    const setup = await openRun(s, { env: { XDG_CACHE_HOME: await tempDir('photobatch-xdg-') } });
    const watched = await watchFolder({ root: hot, outDir: out, settleMs: 200 });
    try {
      const outputs = await openPhotoOutputs(s, []);
      const done: string[] = [];
      const batch = runBatch({
        photos: watched.queue, ...batchSettings(s, setup, historyStats([])), ...outputs.batch,
        onEvent: (e) => void (e.type === 'record' && done.push(e.record.file)),
      });
      await waitFor('a.jpg', () => done.includes('a.jpg') || undefined);
      await makeJpeg(path.join(hot, 'b.jpg'), { seed: 2 });
      await waitFor('b.jpg', () => done.includes('b.jpg') || undefined);
      watched.queue.end();
      const result = await batch;
      await outputs.close();
      expect(result.records.map((r) => r.file).sort()).toEqual(['a.jpg', 'b.jpg']);
    } finally {
      await watched.close();
      await setup.endpoint.close();
    }
  });
});
