import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { jsonLines, runCli } from './helpers/run-cli.js';
import { makePhotoFolder, tempDir } from './helpers/images.js';

const LIVE = process.env.PHOTOBATCH_LIVE === '1' && Boolean(process.env.OPENROUTER_API_KEY);

// Costs real money (a fraction of a cent): runs only when asked to, with a real key.
describe.skipIf(!LIVE)('live OpenRouter', () => {
  it('captions two small photos and bills what OpenRouter reports', async () => {
    const dir = await makePhotoFolder(2, { width: 256, height: 192 });
    const out = await tempDir();
    const run = await runCli(['run', dir, '-o', out, '--max-tokens', '40', '-m', process.env.AI_MODEL ?? 'google/gemini-2.5-flash-lite'], {
      env: { OPENROUTER_API_KEY: process.env.OPENROUTER_API_KEY, ...(process.env.OPENROUTER_BASE_URL ? { OPENROUTER_BASE_URL: process.env.OPENROUTER_BASE_URL } : {}) },
    });
    expect(run.code).toBe(0);
    const lines = jsonLines(await readFile(path.join(out, 'results.jsonl'), 'utf8'));
    expect(lines.every((l) => l.status === 'ok' && l.output.length > 0)).toBe(true);
    expect(run.stderr + run.stdout).not.toContain(process.env.OPENROUTER_API_KEY!);
  }, 120_000);
});
