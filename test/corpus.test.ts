import { readFile } from 'node:fs/promises';
import path from 'node:path';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startFakeOpenRouter, type FakeServer } from './helpers/fake-openrouter.js';
import { jsonLines, runCli } from './helpers/run-cli.js';
import { tempDir } from './helpers/images.js';
import { CORPUS, HAVE_CORPUS } from './helpers/corpus.js';
import { scanInputs } from '../src/core/source/scan.js';

describe.skipIf(!HAVE_CORPUS)('a real batch over the shared photo corpus', () => {
  let server: FakeServer;
  let out: string;
  let run: Awaited<ReturnType<typeof runCli>>;

  beforeAll(async () => {
    server = await startFakeOpenRouter({ latencyMs: 5 });
    out = await tempDir('photobatch-corpus-');
    run = await runCli(['run', CORPUS, '-o', out, '-c', '4', '--json'], {
      env: { OPENROUTER_API_KEY: 'sk-or-v1-test', OPENROUTER_BASE_URL: server.url },
    });
  }, 300_000);
  afterAll(async () => {
    await server?.close();
  });

  it('ends every file ok or failed with a clear one-line message, and nothing crashes', async () => {
    expect([0, 3]).toContain(run.code);
    const photos = await scanInputs([CORPUS]);
    const lines = jsonLines(await readFile(path.join(out, 'results.jsonl'), 'utf8'));
    expect(lines.map((l) => l.path).sort()).toEqual(photos.map((p) => p.path).sort());
    expect(jsonLines(run.stdout)).toHaveLength(photos.length);
    for (const l of lines) {
      expect(['ok', 'failed']).toContain(l.status);
      if (l.status === 'failed') {
        expect(l.error.message, l.file).toMatch(/^[A-Z]/);
        expect(l.error.message).not.toContain('\n');
      }
    }
    const byFile = Object.fromEntries(lines.map((l) => [l.file, l]));
    expect(byFile['real/DSCN0010.jpg'].status).toBe('ok');
    expect(byFile['huge/giant-image.jpg'].status).toBe('failed');
    expect(byFile['huge/giant-image.jpg'].error.kind).toBe('too_large');
    expect(byFile['broken/truncated.jpg'].status).toBe('failed');
    const report = JSON.parse(await readFile(path.join(out, 'cost-report.json'), 'utf8'));
    expect(report.cost_usd.billed).toBeCloseTo(server.billed.reduce((a, b) => a + b.cost, 0), 10);
  });

  it('sends no EXIF, GPS or ICC metadata, and every photo upright', async () => {
    for (const req of server.chatRequests()) {
      const url: string = req.body.messages[0].content[1].image_url.url;
      const meta = await sharp(Buffer.from(url.slice(url.indexOf(',') + 1), 'base64')).metadata();
      expect(meta.format).toBe('jpeg');
      expect(meta.exif).toBeUndefined();
      expect(meta.icc).toBeUndefined();
      expect(meta.xmp).toBeUndefined();
    }
    const lines = jsonLines(await readFile(path.join(out, 'results.jsonl'), 'utf8'));
    for (const l of lines.filter((x) => x.file.startsWith('orientation/') && x.status === 'ok')) {
      const landscape = l.file.includes('Landscape');
      expect(l.sent.width > l.sent.height, l.file).toBe(landscape);
    }
  });
});
