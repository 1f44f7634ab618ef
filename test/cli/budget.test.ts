/**
 * --max-cost end to end: the fake bills each request from what it carries (prompt text and the flat
 * Gemini 2.5 image cost at the listed prices, 60 output tokens), below the worst case the budget
 * reserves (max_tokens of output). No run may bill past its cap, and a stopped run resumes.
 */
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { beforeEach, afterEach, describe, expect, it } from 'vitest';
import { DEFAULT_PROMPT } from '../../src/core/run/config.js';
import { estimatePhoto, estimateTextTokens } from '../../src/core/pricing/estimate.js';
import { familyFor } from '../../src/core/pricing/image-tokens.js';
import { parseModelPrice } from '../../src/core/pricing/prices.js';
import { startFakeOpenRouter, type FakeRequest, type FakeServer } from '../helpers/fake-openrouter.js';
import { jsonLines, runCli } from '../helpers/run-cli.js';
import { makePhotoFolder, tempDir } from '../helpers/images.js';

const KEY = 'sk-or-v1-' + 'ef56'.repeat(16);
const MODEL = 'google/gemini-2.5-flash';
const LISTED = { id: MODEL, pricing: { prompt: '0.000001', completion: '0.000002' }, architecture: { input_modalities: ['text', 'image'], output_modalities: ['text'] } };
const PRICE = parseModelPrice(LISTED);
const COMPLETION_TOKENS = 60;
const MAX_TOKENS = 100;
const GEMINI_25_IMAGE_TOKENS = 258;
const STOP_MESSAGE = /budget reached after (\d+) photos?: \$[\d.]+ of --max-cost \$[\d.]+ is billed into this folder \(all runs\)\. --max-cost caps the folder.s total, so re-run with a higher --max-cost to continue/i;

const promptText = (req: FakeRequest): string => req.body?.messages?.[0]?.content?.[0]?.text ?? '';
const promptTokens = (req: FakeRequest) => estimateTextTokens(promptText(req)) + GEMINI_25_IMAGE_TOKENS;
const costOf = (req: FakeRequest) => promptTokens(req) * PRICE.prompt! + COMPLETION_TOKENS * PRICE.completion!;

/** What the budget reserves per photo, and what each one really costs here. */
const WORST = estimatePhoto({ price: PRICE, family: familyFor(MODEL), width: 64, height: 48, promptText: DEFAULT_PROMPT, expectedOutputTokens: 60, maxTokens: MAX_TOKENS }).worstUsd!;
const ACTUAL = (estimateTextTokens(DEFAULT_PROMPT) + GEMINI_25_IMAGE_TOKENS) * PRICE.prompt! + COMPLETION_TOKENS * PRICE.completion!;

let server: FakeServer;
let xdg: string;
beforeEach(async () => {
  server = await startFakeOpenRouter({ models: [LISTED], cost: costOf, promptTokens, completionTokens: COMPLETION_TOKENS });
  xdg = await tempDir('photobatch-xdg-');
});
afterEach(async () => {
  await server.close();
});

const env = () => ({ OPENROUTER_API_KEY: KEY, OPENROUTER_BASE_URL: server.url, XDG_CACHE_HOME: xdg });
const billed = () => server.billed.reduce((sum, b) => sum + b.cost, 0);
const run = (dir: string, out: string, cap: number, concurrency: number) =>
  runCli(['run', dir, '-o', out, '-m', MODEL, '--max-tokens', String(MAX_TOKENS), '--max-cost', String(cap), '-c', String(concurrency), '--no-contact-sheet'], { env: env() });

describe('--max-cost', () => {
  it('the fake bills less than the worst case the budget reserves', () => {
    expect(ACTUAL).toBeLessThan(WORST);
    expect(ACTUAL).toBeGreaterThan(WORST / 2);
  });

  it.each([0.001, 0.003, 0.01])('never bills past a cap of $%s, even with 4 requests in flight', async (cap) => {
    const dir = await makePhotoFolder(12);
    const out = await tempDir('photobatch-out-');
    const result = await run(dir, out, cap, 4);
    expect(billed()).toBeLessThanOrEqual(cap);
    const done = server.billed.length;
    if (12 * ACTUAL + WORST <= cap) {
      expect(result.code).toBe(0);
      expect(done).toBe(12);
    } else {
      expect(result.code).toBe(4);
      expect(result.stderr).toMatch(STOP_MESSAGE);
      expect(done).toBeLessThan(12);
      // The cap is used, not given up on early: at most the requests in flight plus one more were refused.
      expect(billed() + 5 * WORST).toBeGreaterThan(cap);
    }
    const report = JSON.parse(await readFile(path.join(out, 'cost-report.json'), 'utf8'));
    expect(report.cost_usd.billed).toBeCloseTo(billed(), 12);
  });

  it('stops with exit 4 and the re-run hint; a higher cap resumes where it stopped', async () => {
    const dir = await makePhotoFolder(12);
    const out = await tempDir('photobatch-out-');
    // Most photos a cap can pay for, one at a time: each starts while spent + its worst case stays within the cap.
    const affordable = (cap: number) => Math.floor((cap - WORST) / ACTUAL + 1e-9) + 1;
    // Counts are bounds, not exact: the pipeline holds two photos even at -c 1 and both reserve their worst case,
    // so the budget may stop one photo before what the cap could pay for (reported to the lead).
    const stoppedRun = async (cap: number, left: number) => {
      server.reset();
      const r = await run(dir, out, cap, 1);
      expect(r.code).toBe(4);
      const said = Number(r.stderr.match(STOP_MESSAGE)?.[1]);
      const done = server.billed.length;
      expect(done).toBeGreaterThanOrEqual(1);
      expect(done).toBeLessThanOrEqual(Math.min(left - 1, affordable(cap)));
      expect(said).toBeLessThanOrEqual(done);
      expect(billed()).toBeLessThanOrEqual(cap);
      return done;
    };

    const n1 = await stoppedRun(0.001, 12);
    const n2 = await stoppedRun(0.003, 12 - n1);
    const report2 = JSON.parse(await readFile(path.join(out, 'cost-report.json'), 'utf8'));
    expect(report2.photos).toMatchObject({ total: 12, ok: n2, skipped: n1 });

    server.reset();
    const third = await run(dir, out, 0.01, 1);
    expect(third.code).toBe(0);
    expect(server.billed).toHaveLength(12 - n1 - n2);
    expect(third.stderr).not.toMatch(STOP_MESSAGE);
    const report3 = JSON.parse(await readFile(path.join(out, 'cost-report.json'), 'utf8'));
    expect(report3.photos).toMatchObject({ total: 12, ok: 12 - n1 - n2, skipped: n1 + n2 });

    const lines = jsonLines(await readFile(path.join(out, 'results.jsonl'), 'utf8'));
    const ok = lines.filter((l) => l.status === 'ok');
    expect(ok).toHaveLength(12);
    expect(new Set(ok.map((l) => l.file)).size).toBe(12);
  });
});
